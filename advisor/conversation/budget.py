"""The answer's length budget: how many scored units fill it, chosen by relevance.

An answer quotes at least FLOOR units (a whole list counts as one). Beyond that it
takes more, up to MAX_QUOTES, only while a unit scores within MARGIN of the best-scored
unit: when several passages answer about equally well ("what does Essence of Calculus
cover?": the card's overview and its contents), the answer holds them all; when one
passage answers and the rest are merely nearby, a weak third sentence is not added as
filler. A source gives at most PER_SOURCE filling units (leads do not count), so a card
that answers is quoted for its own reasons rather than padded from other sources.

The best-scored unit quoted brings the rest of its paragraph (up to PARAGRAPH_CHARS), right
after it: the sentence that matched the question is often the paragraph's opening, and its
answer follows ("The specialization is made up of three courses." then what each covers).
"""

from __future__ import annotations

from advisor.conversation.leads import Line, quote
from advisor.conversation.structure import Unit
from advisor.extractive import Scored

FLOOR = 2
"""Quoted lines an answer holds whatever their scores (leads count; a list is one)."""
MAX_QUOTES = 5
"""Quoted lines an answer holds at most, however many score close to the best."""
MARGIN = 0.8
"""A unit past the floor is quoted only when its score is at least the best's minus this
(about a quarter of the cosine-similarity range, at the similarity weight of
extractive.WEIGHTS)."""
PER_SOURCE = 3
"""Filling lines taken from any one source."""
PARAGRAPH_CHARS = 400
"""Characters of its paragraph the best quoted unit brings after it, at most."""


def fill(lines: list[Line], scored: list[Scored], more: int) -> list[Line]:
    """The best-scored units not yet quoted, to the answer's floor (at least the leads plus
    `more`) and then while they score close to the best unit, up to MAX_QUOTES."""
    quoted = {q for line in lines for q in line.quotes()}
    have = sum(1 for line in lines if line.n)
    floor = max(FLOOR, have + more) if lines else FLOOR
    most = max(MAX_QUOTES, floor)
    best = scored[0].score if scored else 0.0
    per_source: dict[int, int] = {}  # leads do not count: a FAQ's answer may run on
    added: list[Line] = []
    for s in scored:
        if have >= most or (have >= floor and s.score < best - MARGIN):
            break
        unit = s.unit
        if s.score <= 0 or per_source.get(unit.source, 0) >= PER_SOURCE:
            continue
        if len(unit.words()) < 3 or overlaps(unit, quoted):
            continue
        added.append(quote(unit))
        quoted.update(unit.sentences)
        per_source[unit.source] = per_source.get(unit.source, 0) + 1
        have += 1
    return added


def overlaps(unit: Unit, quoted: set[str]) -> bool:
    """True when the unit repeats (or contains, or sits inside) something already quoted."""
    return any(any(s in q or q in s for q in quoted) for s in unit.sentences)


def with_paragraph(lines: list[Line], scored: list[Scored]) -> list[Line]:
    """The lines, with the rest of the best quoted unit's paragraph right after it: the
    units that follow it in its source, under its heading, until the next paragraph opens
    or PARAGRAPH_CHARS is spent (a unit that would pass it ends the run)."""
    quoted = {q for line in lines for q in line.quotes()}
    best = next((s.unit for s in scored if quoted.intersection(s.unit.sentences)), None)
    if best is None:
        return lines
    at = next(i for i, line in enumerate(lines) if _holds(line, best))
    following = {(s.unit.source, s.unit.position): s.unit for s in scored}
    rest: list[Line] = []
    left = PARAGRAPH_CHARS
    position = best.position + 1
    while (unit := following.get((best.source, position))) is not None:
        size = sum(len(sentence) for sentence in unit.sentences)
        if unit.opens_paragraph or unit.path != best.path or size > left:
            break
        if not overlaps(unit, quoted):
            rest.append(quote(unit))
            quoted.update(unit.sentences)
            left -= size
        position += 1
    return [*lines[: at + 1], *rest, *lines[at + 1 :]]


def _holds(line: Line, unit: Unit) -> bool:
    """True when the line quotes a sentence of the unit."""
    return bool(set(line.quotes()) & set(unit.sentences))
