"""Coherence: a sentence that opens with a pronoun brings its antecedent or is left out.

"It's the dominant framework in research" means nothing without "PyTorch is the better
first choice in 2026." before it. A line whose first word points back is kept when the
line before it in the answer is the sentence before it in its source, or when its label
names its subject (a card's title); otherwise that sentence is brought in front of it
(once), or the line is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor.conversation.leads import Line, quote
from advisor.conversation.structure import POINTS_BACK, Unit, units
from advisor.records import Source


def points_back(unit: Unit) -> bool:
    """True for a sentence (not a list) whose first word refers to something before it."""
    return not unit.is_list and bool(POINTS_BACK.match(unit.sentences[0].lstrip("*_ ")))


def coherent(lines: list[Line], sources: Sequence[Source]) -> list[Line]:
    """The lines, each pronoun-led quote with its antecedent before it, or left out."""
    out: list[Line] = []
    for line in lines:
        unit = line.unit
        if unit is None or not line.n or not points_back(unit) or _named(line, sources):
            out.append(line)
            continue
        source = sources[line.n - 1]
        if source.kind and source.kind != "guide":  # a card is about its title: name it
            out.append(Line(line.body, line.n, f"{source.title}:", unit))
            continue
        before = _antecedent(unit, source)
        if before is None:
            continue
        previous = out[-1].unit if out else None
        if previous is None or previous.sentences[-1] != before.sentences[-1]:
            at = _position(out, before)
            if at is not None:  # said earlier in this answer: the quote goes right after it
                out.insert(at + 1, Line(line.body, line.n, "", unit))
                continue
            out.append(quote(before, line.label))
            line = Line(line.body, line.n, "", unit)
        out.append(line)
    return _once(out)


def _position(lines: list[Line], before: Unit) -> int | None:
    """The index of the line that ends with the sentence `before` quotes, or None."""
    for i, line in enumerate(lines):
        if line.unit is not None and line.unit.sentences[-1] == before.sentences[-1]:
            return i
    return None


def _once(lines: list[Line]) -> list[Line]:
    """Each quote once: an antecedent brought forward is not quoted again further on."""
    kept: list[Line] = []
    seen: set[str] = set()
    for line in lines:
        quotes = line.quotes()
        if quotes and set(quotes) <= seen:
            continue
        seen.update(quotes)
        kept.append(line)
    return kept


def _named(line: Line, sources: Sequence[Source]) -> bool:
    """True when the line's label names its subject: a card's title, or a role's name."""
    if not line.label:
        return False
    source = sources[line.n - 1] if line.n <= len(sources) else None
    if source is not None and source.kind and source.kind != "guide":
        return line.label.startswith(source.title)
    return line.unit is not None and line.label.rstrip(":") == line.unit.path  # role lines


def _antecedent(unit: Unit, source: Source) -> Unit | None:
    """The sentence before the unit in its own paragraph, when that one stands on its own."""
    if unit.opens_paragraph or unit.position == 0:
        return None
    found = [u for u in units(source, unit.source) if u.position == unit.position - 1]
    if not found or found[0].is_list or found[0].path != unit.path or points_back(found[0]):
        return None
    return found[0]
