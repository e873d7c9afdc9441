"""Turn kinds: standalone question, follow-up, change of topic, or a statement about the user.

Deterministic and offline: the cues are words (pronouns that point back, an "and
X?" ellipsis, a bare "why?"), the entities and topics a message names, and what
the conversation was about so far.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from advisor.conversation.coverage import without_amounts
from advisor.conversation.notes import qualifiers
from advisor.conversation.pointers import (
    clause_after,
    names_pointer,
    points_back,
    stands_for_something_said,
    stranded,
)
from advisor.conversation.vocabulary import (
    LEVEL,
    PARENTS,
    Entity,
    Vocabulary,
    topics_of,
)
from advisor.text import STOPWORDS, normalize, tokens

if TYPE_CHECKING:
    from advisor.conversation.state import ConversationState


class TurnKind(StrEnum):
    """What a user message is, relative to the conversation before it."""

    STANDALONE = "standalone"
    FOLLOW_UP = "follow_up"
    TOPIC_CHANGE = "topic_change"
    STATEMENT = "statement"


@dataclass(frozen=True)
class TurnInfo:
    """A classified user message: its kind, what made it so, and what it names."""

    text: str
    kind: TurnKind
    cue: str = ""
    """For a follow-up: "pronoun", "ellipsis", "bare" or "conditional"."""
    entities: tuple[Entity, ...] = ()
    topics: tuple[str, ...] = ()


_ELLIPSIS = re.compile(
    r"^\s*+(?P<lead>(?:(?:and|or|but|also|plus|so|ok|okay)\b[\s,]*+)*+"
    r"(?:(?:what|how)\s++about\b|what\s++of\b)?+)\s*+(?P<rest>.*)$",
    re.I,
)
"""'and what about X?': possessive, so a line break after the lead cannot make the pattern try
every split of the spaces between lead and rest (that took 11.8 s at 2,000 characters)."""
_ASKS = re.compile(
    r"\b(how|what|why|which|who|where|when|whats|hows|whos|wheres|"
    r"is|are|do|does|did|can|could|should|would|will|"
    r"was|were|has|have|need|tell|explain|give|recommend)\b",
    re.I,
)
_CONDITIONAL = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?(?:what if|even if|and if|what else|anything else|"
    r"tell me more|more on|go on|instead)\b",
    re.I,
)
_NEW_TOPIC = re.compile(
    r"\b(never ?mind|anyway|anyways|different (?:question|thing|topic)|unrelated|new question|"
    r"changing (?:the )?(?:topic|subject)|by the way|btw)\b",
    re.I,
)
_STATEMENT = re.compile(
    r"^\s*(?:i'?m|i am|i've|i have|i know|i work|i worked|i studied|i did|i don'?t|i used to|"
    r"i can|i'?ve been|my background|currently|i come from|i was)\b",
    re.I,
)
_OWN = re.compile(
    r"\bwhat(?:'s|s| is| are)\s++(?:an?\s++|the\s++)?+(?!it\b|that\b|this\b|they\b|them\b|those\b)"
    r"[a-z0-9]"
)
"""'what is PCA?': a question that names its own subject, however unknown the name."""
MAX_NARROWING = 8
"""Words of a message that only narrows the last question (a longer one asks its own)."""
_PREPOSITION = re.compile(
    r"^(?:with|without|at|in|on|for|"
    r"using|via|through)\s",
    re.I,
)
"""A fragment opening with a preposition ("with a cs degree?", "on aws?") narrows the last one."""
_NARROWING_LEAD = re.compile(r"^\s*+(?:(?:and|but|so|ok|okay|what about|how about)[\s,]++)*+", re.I)
_NARROWING = frozenset({"only", "just", "like", "about", "around", "roughly", "max", "per", "tho"})
"""Words that only soften or scale a constraint ("only like 5 hrs per week")."""
_FILLER = frozenset(
    {"ok", "okay", "so", "then", "though", "really", "thank", "thanks", "cool", "great", "hmm"}
)


MAX_LEAD_IN = 4
"""Words of a lead-in clause ("ok back to it", "got it", "ok thanks") before the question."""


def question_part(text: str) -> str:
    """The message from its question on: short lead-in clauses that ask nothing and say
    nothing about the user are dropped ("got it, and how hard is it to learn?"), so a pronoun
    in "back to it" or "got it" is not read as pointing back."""
    parts = re.split(r"(?<=[,.;!])\s+", text.strip())
    while len(parts) > 1 and _lead_in(parts[0], " ".join(parts[1:])):
        parts.pop(0)
    return " ".join(parts)


_DISCOURSE = frozenset(
    "ok okay k cool thanks thank thx you got it back to so anyway anyways right alright sure "
    "great nice hmm hm makes sense never mind i see yes yeah yep no nope fine good wow "
    "interesting that this ah oh well then understood perfect awesome lol haha".split()
)
"""Words of discourse only: a lead-in made of these names nothing ("ok back to it")."""


_RETURN = re.compile(r"^(?:(?:ok|okay|so|and|now|alright|anyway)[\s,]+)*(?:going )?back to\b", re.I)
"""A clause that only announces a return to a subject ("ok back to math."): the question after
it says what it asks."""


def _lead_in(clause: str, rest: str) -> bool:
    """True for a clause that asks nothing: discourse words only, or a return to a subject
    when the rest asks of its own subject ("ok back to dvc, is it free?" keeps it)."""
    words = re.findall(r"[a-z]+", clause.lower())
    if "?" in clause or not 0 < len(words) <= MAX_LEAD_IN + 2:
        return False
    if _RETURN.match(clause) and not (names_pointer(rest)):
        return True
    return len(words) <= MAX_LEAD_IN and all(w in _DISCOURSE for w in words)


def classify(text: str, state: ConversationState, vocabulary: Vocabulary) -> TurnInfo:
    """The kind of a user message given the conversation so far."""
    entities = tuple(vocabulary.find(text))
    topics = tuple(topics_of(text))

    def info(kind: TurnKind, cue: str = "") -> TurnInfo:
        return TurnInfo(text, kind, cue, entities, topics)

    if is_statement(text):
        return info(TurnKind.STATEMENT)
    last = state.last
    if last is None and not state.about_user:
        return info(TurnKind.STANDALONE)
    named = [e for e in entities if e.kind != LEVEL]
    starts = [named[0].start] if named and clause_after(text, named[0]) else []
    cue = follow_up_cue(
        text, bool(entities or topics), min([*starts, *fronted(text)], default=None)
    )
    if not cue and not named and stranded(normalize(text)):
        cue = "pronoun"  # "what do i need to know before": before the thing in focus
    if cue and _new_subject(text, cue, topics, last, named):
        return info(TurnKind.TOPIC_CHANGE)  # "salaries in europe?" after a framework question
    if cue and not (_NEW_TOPIC.search(text) and (entities or topics)):
        return info(TurnKind.FOLLOW_UP, cue)
    if last is None or not (entities or topics):
        return info(TurnKind.STANDALONE)
    before = _names(last.entities) | _names(state.mentioned)
    shared = before & _names(entities) or set(last.topics) & set(topics)
    if shared and not _NEW_TOPIC.search(text):
        return info(TurnKind.STANDALONE)
    return info(TurnKind.TOPIC_CHANGE)


def _new_subject(
    text: str,
    cue: str,
    topics: tuple[str, ...],
    last: TurnInfo | None,
    named: Sequence[Entity] = (),
) -> bool:
    """A bare fragment that names a subject of its own, one the last question was not about.

    "europe?" after a salary question continues it; "salaries in europe?" after a framework
    question starts a new subject, and so does "pytorch or tensorflow?" after a timeline
    question: a fragment can only stand in for a thing of its own kind ("sklearn?" after
    "is pytorch free?"), and the last question named none. A fragment led by "and"/"what
    about" always continues.
    """
    if cue != "ellipsis" or last is None or not (topics or named):
        return False
    if _PREPOSITION.match(_NARROWING_LEAD.sub("", text)):
        return False  # "with a cs degree?" narrows the last question, whatever it names
    lead = _ELLIPSIS.match(text)
    if lead and lead["lead"].strip():
        return False
    if topics and set(topics) & set(last.topics):
        return False
    kinds = {e.kind for e in last.entities}
    return bool(topics) or not any(e.kind in kinds for e in named)


_FRONTED = re.compile(
    r"^(?P<topic>[^,;:?!.]{3,60}?)\s*(?:,|\s[-–—])\s*"
    r"(?=(?:is|are|was|were|do|does|did|can|could|will|would|should|what|whats|how|why)\b)",
    re.I,
)
"""A subject said first, then asked about: "what about l-bfgs, is that needed?"."""


def fronted(text: str) -> list[int]:
    """Where a message names its own subject before a clause that asks about it ("the ng
    course labs, are they in jupyter?"): a pronoun after it points there, not back. A lead-in
    of discourse words ("ok so, is it free?") names nothing."""
    found = _FRONTED.match(normalize(text))
    if found is None:
        return []
    words = re.findall(r"[a-z][a-z0-9+#.-]*", found["topic"])
    said = [w for w in words if w not in _DISCOURSE | _FILLER | STOPWORDS]
    return [found.end("topic")] if said else []


def _names(entities: tuple[Entity, ...]) -> set[str]:
    """Entity names with their wider subjects (calculus counts as maths too)."""
    return {e.name for e in entities} | {PARENTS[e.name] for e in entities if e.name in PARENTS}


def follow_up_cue(text: str, has_content: bool, named_at: int | None = None) -> str:
    """Why a message points back at earlier turns ("" when it stands alone).

    `named_at` is where the message first names a thing itself: a pronoun after it
    points at that ("mlflow - what is it?"), one before it points back.
    """
    if _CONDITIONAL.search(text):
        return "conditional"
    if only_constraints(text) or _narrowing_fragment(text):
        return "ellipsis"  # "at 10 hours a week", "in the uk?": the last question, narrowed
    ellipsis = _ELLIPSIS.match(text)
    rest = ellipsis["rest"] if ellipsis and ellipsis["lead"].strip() else ""
    if rest and len(tokens(rest)) <= 4 and not _ASKS.search(rest):
        return "ellipsis" if rest.strip(" ?.!…") else "bare"
    low = normalize(text)
    before = low if named_at is None else low[:named_at]
    if points_back(before):
        return "pronoun"
    words = [w for w in tokens(text) if w not in _FILLER]
    if not has_content and len(words) <= 1 and len(text.split()) <= 5 and not _OWN.search(low):
        return "bare"
    if has_content and len(words) <= 2 and not _ASKS.search(text):
        return "ellipsis"  # "europe?", "sklearn?"
    return ""


def _narrowing_fragment(text: str) -> bool:
    """A short fragment that opens with a preposition and asks nothing of its own ("on what
    kind of problems?", "for what kind of job?"): the last question, narrowed."""
    body = _NARROWING_LEAD.sub("", text)
    return len(body.split()) <= MAX_NARROWING and bool(_FRAGMENT.match(body))


_FRAGMENT = re.compile(
    r"^(?:on|in|for|with|at|about|using|from)\s+(?:what|which|how)\b(?!.*\b(?:is|are|do|does|"
    r"should|can|would|will)\s+(?:i|you|it|they|we)\b)",
    re.I,
)
"""A preposition, a question word, and no verb with a subject after it."""


def only_constraints(text: str) -> bool:
    """A message that only narrows what was asked: an amount, a place, company, age or year,
    and nothing else of its own ("at 10 hours a week", "in the uk?"), asking nothing."""
    if len(text.split()) > MAX_NARROWING:
        return False
    body = _NARROWING_LEAD.sub("", text)
    if _ASKS.search(body) or is_statement(text):
        return False
    rest = without_amounts(body)
    for held in qualifiers(text):
        rest = re.sub(rf"\b{re.escape(held.value)}\b", " ", normalize(rest))
    left = [w for w in tokens(rest) if w not in _FILLER and w not in _NARROWING]
    return not left or _PREPOSITION.match(body) is not None


def announces_new_subject(text: str) -> bool:
    """A message that says it leaves the subject ("new question: ...", "unrelated but ...",
    "different thing"): nothing said before is what it asks about."""
    return bool(_NEW_TOPIC.search(text))


def refers_back(text: str) -> bool:
    """A pronoun standing for something said before ("for it", "are they free", "is that
    free?"); not "this weekend" (a determiner) nor the "it" of "it will rain"."""
    return stands_for_something_said(question_part(text))


def is_statement(text: str) -> bool:
    """A message about the user that asks nothing ("I'm a Java developer, no maths")."""
    if "?" in text or not _STATEMENT.search(text):
        return False
    clauses = re.split(r"[.!;\n]+", text)
    return not any(
        re.match(r"\s*(?:how|what|why|which|where|when|should|can|could)\b", c, re.I)
        for c in clauses
    )
