"""The offline answerer's quoting step: how well each quotable unit of the sources answers.

A unit (a sentence, or a list with its lead-in; advisor/conversation/structure.py)
scores by its precomputed cosine similarity to the question (`Source.matches`, no
model call), the rare question words it contains, the words its headings add, and
its source's rank. The composer (advisor/conversation/compose.py) decides which
scored units make the answer and in what order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from advisor.conversation.structure import Unit
from advisor.conversation.vocabulary import TOPICS
from advisor.records import Source, Usage
from advisor.text import tokens

SIM_WEIGHT = 3.0
"""Weight of a unit's precomputed cosine similarity to the question (its best sentence)."""
RANK_WEIGHT = 0.6
"""Bonus for units of better-ranked sources (divided by the source's rank)."""
HEADING_WEIGHT = 0.5
"""Share of the keyword credit a question word gets when only the unit's headings hold it."""


@dataclass(frozen=True)
class Draft:
    """An answer's text and whether it finished (streamed LLM answers can be cut off).

    `sources` is set when the answerer cited passages beyond the retrieved ones (a plan
    step, the role comparison): then it is the full list the text's [n] numbers point at.
    """

    text: str
    complete: bool = True
    sources: tuple[Source, ...] | None = None
    usage: Usage | None = None
    """Tokens the language model reported (None offline, or when the server sends none)."""


@dataclass(frozen=True)
class Listing:
    """Sent by an answerer before its text when it cites sources beyond the retrieved ones
    (a plan step, a role quote), so citations are checked against them while streaming."""

    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Scored:
    """A unit and how well it answers the question."""

    unit: Unit
    score: float
    keyword: float
    """The idf-weighted share of the question's words the unit itself contains."""
    similarity: float = 0.0
    """The precomputed cosine similarity of its best sentence to the question."""


def _similarity(unit: Unit, matches: dict[str, float]) -> float:
    """A unit's similarity to the question: its best sentence's, or for a sentence with the
    ones that point back to it, the opening sentence's or the chain's mean, whichever is
    higher ("It was created by ..." embeds as little more than its heading)."""
    sims = [matches.get(s, 0.0) for s in unit.sentences]
    if unit.is_list or len(sims) == 1:
        return max(sims, default=0.0)
    return max(sims[0], sum(sims) / len(sims))


@lru_cache(maxsize=4096)
def _heading_words(title: str, path: str) -> frozenset[str]:
    return frozenset(tokens(f"{title} {path}"))


SYNONYM_TOPICS = ("salary", "degree")
"""Facets of the vocabulary whose words name one thing ("salary", "earn", "pay"; "degree",
"university"); not "industry" ("jobs" is no "production") nor "cost" ("free" is no "price")."""


@lru_cache(maxsize=1)
def _synonym_sets() -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(t for w in TOPICS[topic] if " " not in w for t in tokens(w))
        for topic in SYNONYM_TOPICS
    )


def _forms(word: str) -> frozenset[str]:
    """The word with the words of its facet ("salari" -> also "earn", "pay", "compens")."""
    for words in _synonym_sets():
        if word in words:
            return words
    return frozenset({word})


def score_units(
    question: str,
    units: Sequence[Unit],
    sources: Sequence[Source],
    idf: Callable[[str], float],
) -> list[Scored]:
    """Every unit with its score, best first (ties: better source, then earlier unit)."""
    wanted = set(tokens(question))
    total = sum(idf(w) for w in wanted) or 1.0
    forms = {w: _forms(w) for w in wanted}  # "salary" is also met by "earn", once
    similarity = [dict(s.matches) for s in sources]
    scored: list[Scored] = []
    for unit in units:
        source = sources[unit.source - 1]
        context = _heading_words(source.title, unit.path)
        words = unit.words()
        held = {w for w in wanted if forms[w] & words}
        hit = sum(idf(w) for w in held) / total
        framed = HEADING_WEIGHT * sum(idf(w) for w in wanted - held if forms[w] & context) / total
        sim = _similarity(unit, similarity[unit.source - 1])
        if hit + framed + sim <= 0:
            continue
        score = SIM_WEIGHT * sim + hit + framed + RANK_WEIGHT / unit.source - 0.01 * unit.position
        scored.append(Scored(unit, score, hit, sim))
    scored.sort(key=lambda s: (-s.score, s.unit.source, s.unit.position))
    return scored
