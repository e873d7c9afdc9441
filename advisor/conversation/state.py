"""The conversation's state: what it is about, what its answers said, and who is asking.

A follow-up is resolved against this state, not against the text of the last turn:
- the subjects in focus: the roles, resources and subjects (the corpus's own vocabulary)
  that the latest questions named, and the resources the last answer named;
- what the answers covered: every quoted sentence, so a later answer adds rather than
  repeats, and whether any answer came from the sources (an in-scope conversation);
- the learner profile, updated by every user message ("I know Python", "10 hours a week").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from advisor.conversation.english import named_in, readings
from advisor.conversation.layout import CITE, sentences_of
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.notes import qualifiers
from advisor.conversation.turns import TurnInfo, TurnKind, question_part, refers_back
from advisor.conversation.vocabulary import LEVEL, RESOURCE, Entity, Vocabulary
from advisor.planning.profile import Profile, read_profile
from advisor.text import normalize

_DOING_OR_NAMING = frozenset({"NOUN", "PROPN", "VERB"})
"""Parts of speech of a word that says what a message is about (not "specifically")."""
_NAMING_OR_DESCRIBING = frozenset({"NOUN", "PROPN", "ADJ"})
_SELF = re.compile(r"\b(?:i|i'm|im|i've|ive|my)\b", re.I)
MENTIONED = 3
"""Resources of the last answer kept as what "they" may mean."""
_CHOICE = re.compile(r"\b(?:which|or|vs|versus)\b", re.I)
"""A question that asks to choose among the things it names ("which of A and B ...?")."""


@dataclass
class ConversationState:
    """What the earlier turns were about, what their answers said, and the learner profile."""

    turns: list[TurnInfo] = field(default_factory=list)
    """User turns in order, each with its standalone (resolved) text."""
    mentioned: tuple[Entity, ...] = ()
    """Resources the last answer named (what "they" in "are they free?" may mean)."""
    about_user: str = ""
    """The user's latest statement about themselves ("I'm a Java developer...")."""
    profile: Profile = field(default_factory=Profile)
    """What every user message so far said about the learner (later messages win)."""
    said: tuple[str, ...] = ()
    """Every sentence the answers so far quoted (citations removed), oldest first."""
    last_said: tuple[str, ...] = ()
    """The sentences the last answer quoted."""
    answered: int = 0
    """How many answers quoted the sources (0: nothing in scope was answered yet)."""
    unanswered: frozenset[int] = frozenset()
    """Positions in `turns` of the questions the sources could not answer (refused)."""
    leads: tuple[Entity, ...] = ()
    """What the last answer is about: the things that open its paragraphs ("**pandas — What
    it covers:**", "Matplotlib is the classic ..."), in order."""
    picked: tuple[Entity, ...] = ()
    """What the last answer named beyond the options its question asked to choose among, of
    their kind: the answer's pick ("Applied AI Engineer" after "which of ML engineer and data
    scientist is easiest to break into?")."""

    @property
    def last(self) -> TurnInfo | None:
        """The latest question (statements are not questions)."""
        return next((t for t in reversed(self.turns) if t.kind != TurnKind.STATEMENT), None)

    @property
    def last_answered(self) -> TurnInfo | None:
        """The latest question the sources answered: what a follow-up resolves against (a
        refused "for my dog?" is not what the next "and pizza?" narrows)."""
        for i in range(len(self.turns) - 1, -1, -1):
            turn = self.turns[i]
            if turn.kind != TurnKind.STATEMENT and i not in self.unanswered:
                return turn
        return None

    @property
    def in_scope(self) -> bool:
        """True when an earlier answer came from the sources (not a refusal)."""
        return self.answered > 0

    @property
    def focus(self) -> tuple[Entity, ...]:
        """The subjects in focus: what the latest question named, else an earlier one."""
        for turn in reversed(self.turns):
            named = tuple(e for e in turn.entities if e.kind != LEVEL)
            if named and turn.kind != TurnKind.STATEMENT:
                return named
        return self.mentioned

    def add_user(self, info: TurnInfo) -> None:
        """Record a user turn (already resolved to standalone text) and what it says of them."""
        self.turns.append(info)
        self.profile = profile_from([info.text], self.profile)
        if info.kind == TurnKind.STATEMENT:
            self.about_user = info.text

    def add_answer(self, text: str, vocabulary: Vocabulary) -> None:
        """Record the answer's quoted sentences and which resources it named."""
        seen: dict[str, Entity] = {}
        named = vocabulary.find(text)
        asked = self.turns[-1] if self.turns else None
        self.picked = picked(asked, named) if asked is not None else ()
        for entity in named:
            if entity.kind == RESOURCE and entity.name not in seen:
                seen[entity.name] = entity
        self.mentioned = tuple(seen.values())[:MENTIONED]
        self.leads = openers(text, vocabulary)
        quoted = tuple(sentences_of(text)) if CITE.search(text) else ()
        self.last_said = quoted
        self.said = (*self.said, *quoted)
        self.answered += bool(quoted)
        if not quoted and asked is not None and asked.kind != TurnKind.STATEMENT:
            self.unanswered = self.unanswered | {len(self.turns) - 1}

    def to_dict(self) -> dict[str, Any]:
        """What a saved chat keeps: the profile (the rest is replayed from the messages)."""
        return {"profile": self.profile.to_dict()}


_ASIDE = "Card note"
"""A card's aside ("**Python — Card note (not from the guide):** ..."): not what an answer is
about."""
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]\s|\d+[.)]\s)", re.M)
_PARAGRAPH = re.compile(r"\n\s*\n")
_OPENING = re.compile(r"^\s*(?:\*\*)?\s*(?:the\s+)?", re.I)


def openers(text: str, vocabulary: Vocabulary) -> tuple[Entity, ...]:
    """The things an answer's paragraphs open with: what the answer is about, whatever its
    question named ("in python what is the equivalent for tables?" is answered by "pandas is
    ..."), from its first paragraph of prose on, until one opens with no name. A list item
    is one of several things listed, and a card's aside a side remark: neither is the
    answer's subject."""
    found: dict[str, Entity] = {}
    for paragraph in _PARAGRAPH.split(text):
        if _LIST_ITEM.search(paragraph) or _ASIDE in paragraph[:120]:
            continue
        body = _OPENING.sub("", paragraph, count=1)  # the pattern matches every paragraph
        named = [e for e in vocabulary.find(body[:80]) if e.kind != LEVEL]
        if not named or named[0].start != 0:
            break  # the answer goes on about something it does not open with a name
        found.setdefault(named[0].name, named[0])
    return tuple(found.values())


def picked(asked: TurnInfo, named: Iterable[Entity]) -> tuple[Entity, ...]:
    """The things of one kind an answer (`named`) gives beyond the options its question asked
    to choose among (none when the question offered no choice)."""
    options = [e for e in asked.entities if e.kind != LEVEL]
    kinds = {e.kind for e in options}
    chosen = {e.name for e in options}
    if len(kinds) != 1 or len(chosen) < 2 or not _CHOICE.search(asked.text):
        return ()
    found: dict[str, Entity] = {}
    for entity in named:
        if entity.kind in kinds and entity.name not in chosen:
            found.setdefault(entity.name, entity)
    return tuple(found.values())


def stays_on_topic(question: str, state: ConversationState, lexicon: Lexicon) -> bool:
    """A message in a conversation the sources already answered, in the corpus's own words
    or pointing back at what it was about.

    Such a message is read as a follow-up and never refused for a weak match alone ("and
    which is easier to break into?" shares few words with any passage; "should i use
    langchain for it?" asks about the subject in focus, and the answer notes LangChain). So
    is one tied to the field by a word of its own, a corpus word or a short form of one
    ("where does backprop show up?", "ok what classical stuff"), when no dictionary noun or
    verb the corpus never uses says it went elsewhere ("and pizza?", "translate this to
    german", "whats the capital of peru" still face the bar).
    """
    if not state.in_scope:
        return False
    unknown = set(lexicon.unknown(question))
    if not unknown or refers_back(question):
        return True
    own = lexicon.content_words(question)
    foreign = [w for w in own if not lexicon.uses(w) and _DOING_OR_NAMING & readings(w).keys()]
    held = {normalize(q.value) for q in qualifiers(question)}  # "netflix", "canada": no tie
    tied = [w for w in own if _ties(w, w in unknown, normalize(w) in held, lexicon)]
    return bool(tied) and not foreign


def _ties(word: str, unknown: bool, held: bool, lexicon: Lexicon) -> bool:
    """A word that ties a message to the field: a corpus word that names or describes (not
    "recommend", a verb any message may use), or a short form of one ("backprop"). A name
    no dictionary lists ties nothing by itself: "leetcode" and "pokemon" look alike."""
    parts = readings(word).keys()
    if unknown:
        return not parts and not held and lexicon.shortens(word)
    return not parts or bool(_NAMING_OR_DESCRIBING & parts)


def in_domain(question: str, lexicon: Lexicon) -> bool:
    """True when the question holds more of the corpus's names that are not everyday English
    ("model", "sql", "portfolio"; not "easier", which names nothing) than words the corpus
    never uses ("banana", "poem"): it asks about the field, however weakly its wording
    matches a passage; "tell me a joke" and "write me a poem about autumn" do not."""
    own, unknown = lexicon.content_words(question), set(lexicon.unknown(question))
    field = [w for w in own if lexicon.uses(w) and named_in(normalize(w), question)]
    return len(field) > len([w for w in own if w in unknown])


def leaves_topic(question: str, lexicon: Lexicon) -> bool:
    """A message whose own words, everyday ones aside, are all dictionary words the corpus
    never uses ("and pizza?", "tell me a riddle", "what's the weather like this weekend"):
    resolving it against the conversation would only hide that it left the topic. A place,
    company, age or year stays ("and in europe?": the answer notes it), and so does a name no
    dictionary lists ("langchain", "leetcode": a tool or a term of the trade, perhaps), and so
    does a message about the person, which the bar then judges."""
    if qualifiers(question) or refers_back(question) or _SELF.search(question):
        return False  # "and if i only have weekends": the person's own situation
    own = lexicon.content_words(question_part(question))
    return bool(own) and all(not lexicon.uses(w) and readings(w) for w in own)


def learner(history: Iterable[tuple[str, str]], question: str) -> Profile:
    """The learner as every user message of a chat describes them, `question` included."""
    return profile_from([text for role, text in history if role == "user"] + [question])


def profile_from(messages: Iterable[str], known: Profile | None = None) -> Profile:
    """The learner as a conversation's user messages describe them, later messages winning."""
    profile = known or Profile()
    for text in messages:
        profile = read_profile(text, profile).profile
    return profile
