"""Checks on a language model's rewrite of a follow-up, and when to ask for one at all.

A rewrite only resolves what the follow-up points back to, so `accept` takes a model's
rewrite only when it
1. is one short question: at most MAX_WORDS words and no citation mark (not an answer),
2. keeps every content term the follow-up typed itself ("data scientist", "Europe"; the
   words that only point back, such as "it" or "ones", excepted), by word or by the
   thing it names,
3. is no copy of an earlier answer (nor an earlier answer a copy of it), has no number the
   conversation lacks (the number check trusts the conversation's numbers), and
4. brings almost nothing from outside the conversation: at most one content word in
   NOVEL_SHARE of its own that neither the conversation nor the guide's vocabulary holds.
   An apology or refusal ("I'm sorry for the confusion... I'm ready to assist you.")
   is made of such words.
Otherwise the offline rewrite is used.

`offline_is_sure`: a follow-up whose reference has one reading (a singular pronoun for the
one thing the last question named, "and X?" for a thing of the kind the last question
named) is resolved offline without asking the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from advisor.conversation.referents import PLURAL, subject
from advisor.conversation.rewrite import Resolution
from advisor.conversation.state import ConversationState
from advisor.conversation.turns import TurnKind
from advisor.conversation.vocabulary import LEVEL, Entity, Vocabulary
from advisor.numbers import values_in
from advisor.text import normalize, tokens

Turn = tuple[str, str]

MAX_WORDS = 40
"""The most words a standalone question may have (a longer reply is not a question)."""
NOVEL_SHARE = 3
"""One content word in this many may be the model's own (beyond one word in any case)."""
_POINTING = frozenset(
    tokens(
        "one ones it its they them their those these that this which either both else other "
        "another then though again ok okay so also plus really thank thanks cool great hmm "
        "what how about and but if why"
    )
)
"""Words that point back or only frame a follow-up: a rewrite replaces them."""
_CITATION = re.compile(r"\[\d{1,3}\]")


def offline_is_sure(resolution: Resolution, state: ConversationState) -> bool:
    """Whether the offline rewrite needs no model: standalone, or a reference with one reading."""
    turn, last = resolution.turn, state.last
    if turn.kind != TurnKind.FOLLOW_UP:
        return True
    if last is None:
        return False
    if turn.cue == "ellipsis":  # "and a data scientist?": a thing swapped for one of its kind
        before = {e.kind for e in last.entities if e.kind != LEVEL}
        return any(e.kind in before for e in turn.entities)
    if turn.cue == "pronoun":  # "is it free?" after a question about exactly one thing
        if PLURAL.search(turn.text):  # "are they free?" may mean what the answer listed
            return False
        names, named = subject(turn, state)
        return named and len(names) == 1
    return False


def accept(rewrite: str, question: str, history: Sequence[Turn], vocabulary: Vocabulary) -> bool:
    """Whether a model's rewrite of `question` after `history` may be searched for."""
    text = rewrite.strip()
    if not text or len(text.split()) > MAX_WORDS or _CITATION.search(text):
        return False
    if not _keeps_terms(text, question, vocabulary):
        return False
    said = "\n".join([question, *(content for _, content in history)])
    if not values_in(text) <= values_in(said):  # a number of its own would go unchecked
        return False
    plain = _plain(text)
    for role, content in history:
        said = _plain(content)
        if role != "user" and said and (plain in said or said in plain):
            return False
    return _novel_words(text, question, history, vocabulary) <= max(1, _size(text) // NOVEL_SHARE)


def _keeps_terms(text: str, question: str, vocabulary: Vocabulary) -> bool:
    """Every term the follow-up typed is in the rewrite, as a word or as the thing it names."""
    named = [e for e in vocabulary.find(question) if e.kind != LEVEL]  # a level is a word
    kept = {e.name for e in vocabulary.find(text)}
    if any(e.name not in kept for e in named):
        return False
    words = set(tokens(text))
    return all(w in words for w in _terms(_without(question, named)))


def _novel_words(text: str, question: str, history: Sequence[Turn], vocabulary: Vocabulary) -> int:
    """Content words of the rewrite found neither in the conversation nor as a known name."""
    known = set(tokens(question))
    for _, content in history:
        known |= set(tokens(content))
    return len(set(_terms(_without(text, vocabulary.find(text)))) - known)


def _size(text: str) -> int:
    return len(set(tokens(text)))


def _terms(text: str) -> list[str]:
    return [w for w in tokens(text) if w not in _POINTING and not w.isdigit()]


def _without(text: str, entities: Sequence[Entity]) -> str:
    """The text with each named thing's typed words blanked out."""
    for entity in entities:
        if entity.surface:
            text = re.sub(re.escape(entity.surface), " ", text, flags=re.I)
    return text


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", normalize(text)).split())
