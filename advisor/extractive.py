"""The offline answerer's quoting step: how well each quotable unit of the sources answers.

A unit (a sentence, or a list with its lead-in; advisor/conversation/structure.py)
scores by its precomputed cosine similarity to the question (`Source.matches`, no
model call), the rare question words it contains, the words its headings add, and
its source's rank. The composer (advisor/conversation/compose.py) decides which
scored units make the answer and in what order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from advisor.conversation.structure import Unit
from advisor.conversation.vocabulary import TOPICS
from advisor.records import Source, Usage
from advisor.text import tokens

FEATURES = (
    "similarity",  # cosine similarity of its best sentence to the question
    "keyword",  # idf-weighted share of the question's words it holds
    "heading",  # idf-weighted share held only by its headings
    "source_rank",  # 1 / its source's rank
    "position",  # its order inside the source
    "similarity_gap",  # the best unit's similarity minus its own
    "similarity_rank",  # 1 / (1 + its rank among the units by similarity)
    "source_score",  # its source's fused retrieval score / the best source's
    "card",  # 1 for a resource card's unit
    "list",  # 1 for a list with its lead-in
    "length",  # log(1 + its distinct content words)
    "faq",  # 1 under a FAQ question
    "opens",  # 1 for a paragraph's first sentence
)
WEIGHTS = (3.0, 1.0, 0.5, 0.6, -0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
"""A unit's score is the weighted sum of its FEATURES: 3 x cosine + keyword share + half the
heading credit + 0.6 / source rank - 0.01 x position, set by hand. The other features are
computed for bench/fit_unit_scorer.py, which fits these weights on the conversation sets;
in session 14 the fitted weights (a conditional logit over each turn's units, labelled by
the turn's `must` phrases) did not beat these on the sets they were not fitted on, so they
stay at 0 (see that script's docstring for the numbers)."""


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
    features: tuple[float, ...] = ()
    """Its score's inputs, in the order of FEATURES."""


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
    rows: list[tuple[Unit, float, float, float]] = []
    for unit in units:
        source = sources[unit.source - 1]
        context = _heading_words(source.title, unit.path)
        words = unit.words()
        held = {w for w in wanted if forms[w] & words}
        hit = sum(idf(w) for w in held) / total
        framed = sum(idf(w) for w in wanted - held if forms[w] & context) / total
        sim = _similarity(unit, similarity[unit.source - 1])
        if hit + framed + sim <= 0:
            continue
        rows.append((unit, hit, framed, sim))
    top = max((r[3] for r in rows), default=0.0)
    ranks = {id(r[0]): k for k, r in enumerate(sorted(rows, key=lambda r: -r[3]))}
    best_source = max((s.score for s in sources), default=0.0) or 1.0
    scored: list[Scored] = []
    for unit, hit, framed, sim in rows:
        source = sources[unit.source - 1]
        features = (
            sim,
            hit,
            framed,
            1.0 / unit.source,
            float(unit.position),
            top - sim,
            1.0 / (1 + ranks[id(unit)]),
            source.score / best_source,
            float(source.kind not in ("", "guide")),
            float(unit.is_list),
            math.log(1 + len(unit.words())),
            float(bool(unit.faq_question)),
            float(unit.opens_paragraph),
        )
        score = sum(w * f for w, f in zip(WEIGHTS, features, strict=True) if w)
        scored.append(Scored(unit, score, hit, sim, features))
    scored.sort(key=lambda s: (-s.score, s.unit.source, s.unit.position))
    return scored
