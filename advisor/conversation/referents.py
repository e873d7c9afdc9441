"""What a follow-up points at: the subject a pronoun or a bare question stands for.

Read from the conversation state, nearest first: the term the last question asked about
when its number agrees ("what are transformers?" then "them"), the resources the last
answer named for a resource facet ("are they free?"), the last question's names or its own
noun phrase or facet, then the names of one of the last FOCUS_TURNS questions ("who uses it?"
after "what does W&B log?" and "what are sweeps?"). People are paid, tools are paid for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from advisor.conversation.asks import read_ask
from advisor.conversation.english import described, plural
from advisor.conversation.notes import qualifiers
from advisor.conversation.pointers import SEVERAL
from advisor.conversation.state import ConversationState
from advisor.conversation.turns import TurnInfo, TurnKind
from advisor.conversation.vocabulary import (
    LEVEL,
    RESOURCE,
    RESOURCE_FACETS,
    ROLE,
    Entity,
    display_name,
)

DEFAULT_SUBJECT = "becoming an ML engineer"
PAID = "ML engineers"
"""Who a pay question is about when the conversation named no role."""
TOPIC_SUBJECTS = {
    "salary": "ML engineer salaries",
    "timeline": "becoming an ML engineer",
    "degree": "a degree",
    "projects": "portfolio projects",
    "course": "courses",
    "videos": "videos",
    "industry": "industry",
    "tools": "tools",
    "start": "getting started",
}
"""What a follow-up is about when the earlier question named no entity, only a topic."""
SUBJECT_NAMES = {"portfolio": "portfolio projects"}
FOCUS_TURNS = 3
"""Questions back a pronoun may reach for its subject when the last one named none."""

SEVERAL_WORDS = re.compile(rf"\b(?:{SEVERAL})\b", re.I)
"""Words for the options themselves ("which one", "the two"), not the answer's pick."""
PLURAL = re.compile(r"\b(they|them|those|these)\b", re.I)
"""A pronoun for several things (or people)."""


def subject(turn: TurnInfo, state: ConversationState) -> tuple[list[str], bool]:
    """What the follow-up points at (names), and whether those are things one learns."""
    if SAYS.search(turn.text):  # "which industries does it say use ai?": only a text says
        return [GUIDE], False
    last = state.last_answered or state.last
    named, held = about(last, state) if last is not None else ([], False)
    facet = bool(RESOURCE_FACETS & set(turn.topics))
    if facet:  # a tool's facet: the tool named first
        tools = [e for e in named or _recent_focus(state) if e.kind == RESOURCE]
        if tools:  # "what do i need before starting it?" after "whats autograd": PyTorch
            both = PLURAL.search(turn.text) or (last is not None and read_ask(last.text).sides)
            return names_of(tools if both else tools[:1]), True  # "mlflow vs w&b?": both
    if state.picked and not SEVERAL_WORDS.search(turn.text):  # "what do they work with?"
        return names_of(state.picked), state.picked[0].kind != ROLE  # the answer's pick
    term = _asked_term(last) if last is not None and not named else ""
    if term and plural(term) == bool(PLURAL.search(turn.text)):
        return [term], False  # "what are transformers?" then "do i need them?"
    people = PLURAL.search(turn.text) and "cost" not in turn.topics
    if people and "salary" in turn.topics and not any(e.kind == ROLE for e in named):
        return [PAID], False  # "what do they pay?": people are paid, not tools ("is it paid?")
    asked_of = [t for t in (last.topics if last and not named else ()) if t in TOPIC_SUBJECTS]
    if PLURAL.search(turn.text) and not facet and asked_of and plural(TOPIC_SUBJECTS[asked_of[0]]):
        return [TOPIC_SUBJECTS[asked_of[0]]], False  # "how many projects?", "where do i put them?"
    several = earlier_of_kind(state) if PLURAL.search(turn.text) and not facet else []
    if several:  # "which of those is easiest to break into?" after two roles: the roles,
        return several, not any(e.kind == ROLE for e in named)  # not the tools the answer listed
    role = held and any(e.kind == ROLE for e in named)  # "they" after "**Applied AI Engineer:**"
    wants_resource = (facet or PLURAL.search(turn.text)) and not role
    if state.mentioned and wants_resource and not any(e.kind == RESOURCE for e in named):
        mentioned = state.mentioned if PLURAL.search(turn.text) else state.mentioned[:1]
        return [display_name(e.name) for e in mentioned], True
    phrase = _noun_phrase(last.text) if last and not named else ""
    recent = _recent_focus(state) if phrase.lower().startswith("the ") else []
    if phrase and not recent:  # "the api" after a scikit-learn question is scikit-learn's
        return [phrase], False
    if not named and last is not None:
        for topic in last.topics:
            if topic in TOPIC_SUBJECTS:
                return [TOPIC_SUBJECTS[topic]], False
    named = named or _recent_focus(state)
    if named:
        kinds = [e.kind for e in named]
        main = max(dict.fromkeys(kinds), key=kinds.count)  # "PyTorch and TensorFlow", not the role
        return names_of([e for e in named if e.kind == main]), True
    if last is not None:
        return [], False  # a subject we cannot name: searched as typed, the last one fused in
    return [DEFAULT_SUBJECT], False  # only statements so far: the person's own move into ML


def about(last: TurnInfo, state: ConversationState) -> tuple[list[Entity], bool]:
    """What the last question was about as its answer tells (and whether the answer held to
    what the question named): the question's names the answer opens with ("what's an applied
    ai engineer?" answered "**Applied AI Engineer:** ..."), else the things the answer opens
    with when it names others ("in python what is the equivalent for tables?" answered
    "pandas is ..."), else the question's names. A word the question used only as its setting
    loses to the answer's subject; a thing the question asked to have defined does not."""
    named = [e for e in last.entities if e.kind != LEVEL]
    if not state.turns or state.turns[-1] is not last:
        return named, False
    term = read_ask(last.text).definition.lower()
    leads = {e.name for e in state.leads}
    if any(e.name in leads or e.surface.lower() in term for e in named):
        return named, True  # the answer opens with it, or the question asked what it is
    tools = [e for e in named if e.kind == RESOURCE]
    if not (state.leads and state.leads[0].kind == RESOURCE and tools):
        return named, False
    if not all(_setting(e, last.text) for e in tools):
        return named, False  # "what does core python mean?" asks about Python, whatever the answer
    return [e for e in state.leads if e.kind == RESOURCE], True


_SETTING = re.compile(r"\b(?:in|with|of|for|using|on)\s+(?:(?:a|an|the|plain)\s+)?$", re.I)


def _setting(entity: Entity, text: str) -> bool:
    """Whether a question names `entity` only as the setting of what it asks: after "in",
    "with", "for" ("in python what is the equivalent for tables?") or in a sentence before the
    question ("just finished python basics. what library next?")."""
    before = text[: entity.start]
    return bool(_SETTING.search(before)) or bool(re.search(r"[.!?]\s", text[entity.start :]))


GUIDE = "the guide"
SAYS = re.compile(
    r"\b(?:does|did|do)\s+it\s+(?:\w+\s+)?(?:say|mention|recommend|suggest)\b"
    r"|\bit\s+(?:says|said|mentions|recommends|suggests)\b",
    re.I,
)
"""An "it" that says things: the guide (its author is "he", a tool says nothing)."""
AUTHOR = "the guide's author"
PERSON = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b", re.I)
"""A pronoun for one person: the guide's author or the person behind a tool."""


def person(state: ConversationState) -> str:
    """Who "he" or "she" is: the guide's author when one of the last FOCUS_TURNS questions
    asked about the author, else the person behind the tool such a question named ("" when
    no question named either)."""
    questions = [t for t in state.turns if t.kind != TurnKind.STATEMENT][-FOCUS_TURNS:]
    for turn in reversed(questions):
        if read_ask(turn.text).about_author:
            return AUTHOR
        tools = [e for e in turn.entities if e.kind == RESOURCE]
        if tools:
            return f"the person behind {display_name(tools[0].name)}"
    return ""


def _asked_term(turn: TurnInfo) -> str:
    """The term a question asked to have defined ("what are transformers in ml" ->
    "transformers in ml" -> "transformers"), or ""."""
    term = read_ask(turn.text).definition
    return re.sub(r"\s+(?:in|for|of|with)\s.*$", "", term) if term else ""


def _recent_focus(state: ConversationState) -> list[Entity]:
    """What the latest of the last FOCUS_TURNS questions that named anything named ("who
    uses it?" after "what does W&B log?" and "what are sweeps?" is about W&B)."""
    questions = [t for t in state.turns if t.kind != TurnKind.STATEMENT][-FOCUS_TURNS:]
    for turn in reversed(questions):
        named = [e for e in turn.entities if e.kind != LEVEL]
        if named:
            return named
    return []


def _noun_phrase(text: str) -> str:
    """The last "a/the/my <noun>" of a question that names nothing we know ("a model"); not
    one the person says they are ("im a nurse": "how long would that take?" is no nurse's)."""
    own = " ".join(described(text)).lower()
    found = re.findall(r"\b((?:a|an|the|my|your)\s+[a-z]{3,})\b", text, re.I)
    found = [f for f in found if f.lower() not in own]
    return found[-1] if found else ""


def names_of(entities: Sequence[Entity]) -> list[str]:
    """How an answer names each entity: a card by its display name, a subject as said."""
    names: list[str] = []
    for e in entities:
        name = display_name(e.name) if e.kind == RESOURCE else SUBJECT_NAMES.get(e.name, e.surface)
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def in_place_of_subject(new: str, last: TurnInfo) -> str:
    """The earlier question with `new` in place of what it named ("what about prophet?" after
    "is pandas ok for time series?" asks "Is prophet ok for time series?"; "what about the
    UK?" after "salaries in india?" asks "salaries in the UK?"), or "" when it named nothing
    of the kind: "what about adagrad?" after "which optimizers?" may ask for one of them."""
    for kind in ("region", "company"):
        now = [q for q in qualifiers(f"in {new}") if q.kind == kind]
        was = [q.value for q in qualifiers(last.text) if q.kind == kind]
        if now:
            return _replace(last.text, was[0], new) if was else ""
    named = [e for e in last.entities if e.kind != LEVEL]
    if named and len(new.split()) <= MAX_SUBJECT_WORDS:
        return _replace(last.text, named[0].surface, new)
    return ""


MAX_SUBJECT_WORDS = 3
"""Words beyond which "what about X" says more than a name to swap in."""


def _replace(text: str, old: str, new: str) -> str:
    """`text` with its first `old` (a whole word or phrase, any case) replaced by `new`."""
    pattern = re.compile(rf"(?<![\w+#]){re.escape(old)}(?![\w+#])", re.I)
    return pattern.sub(new.replace("\\", r"\\"), text, count=1)


def join(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def earlier_of_kind(state: ConversationState) -> list[str]:
    """Things of one kind named across the last two questions ("which one" after two roles)."""
    questions = [t for t in state.turns if t.kind != TurnKind.STATEMENT][-2:]
    entities = [e for t in questions for e in t.entities if e.kind != LEVEL]
    if not entities:
        return []
    kind = entities[-1].kind
    names = names_of([e for e in entities if e.kind == kind])
    return names if len(names) > 1 else []
