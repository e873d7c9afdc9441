"""Answer selection across the conversation: what was already said weighs against a unit.

One scored choice for every answer, follow-up or not: a unit's score drops by
REPEAT_PENALTY times the share of its sentences an earlier answer of this
conversation already quoted. A sentence said before still leads when nothing else
answers ("without need" it is never repeated), and "why?" reaches for the reasons
the first answer left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from advisor.conversation.layout import CITE, sentences_of
from advisor.conversation.leads import Line
from advisor.extractive import Scored
from advisor.text import normalize, tokens

Turn = tuple[str, str]
REPEAT_PENALTY = 0.3
"""Subtracted from a unit every sentence of which an earlier answer quoted."""
NARROW_SHARE = 0.6
"""A list quoted before keeps the items matching the question at least this well (of the best)."""
_AFTER = re.compile(r"\b(?:next|after|afterwards)\b")
_BEFORE = re.compile(r"\b(?:before|previous)\b")
_ORDER = re.compile(r"\b(?:order|sequence)\b")
"""A question about a list's order ("what comes before pandas?", "and after that?", "in what
order?"): its answer is the items on that side of the one it names, or the whole order."""


def said_before(history: Sequence[Turn]) -> frozenset[str]:
    """Every sentence the conversation's answers quoted (normalised, citations removed)."""
    said: set[str] = set()
    for role, text in history:
        if role == "assistant" and CITE.search(text):
            said.update(_key(s) for s in sentences_of(text))
    return frozenset(said)


def repeated(sentences: Iterable[str], said: frozenset[str]) -> float:
    """The share of `sentences` already said (0 when none, 1 when all)."""
    keys = [_key(s) for s in sentences]
    return sum(k in said for k in keys) / len(keys) if keys else 0.0


def penalise(scored: list[Scored], said: frozenset[str]) -> list[Scored]:
    """The units rescored against what the conversation said, best first."""
    if not said:
        return scored
    out = [
        replace(s, score=s.score - REPEAT_PENALTY * share)
        if (share := repeated(s.unit.sentences, said))
        else s
        for s in scored
    ]
    out.sort(key=lambda s: (-s.score, s.unit.source, s.unit.position))
    return out


def _key(sentence: str) -> str:
    return " ".join(normalize(sentence).split()).rstrip(" .:")


def narrowed(
    lines: list[Line], question: str, said: frozenset[str], idf: Callable[[str], float]
) -> list[Line]:
    """The lines, each list an earlier answer quoted whole cut to its lead-in and the items
    that answer this question: "and what is PCA?" quotes the item naming PCA, not the list
    again. A list none of whose items answers stays whole (it is the need). A question about
    the list's order keeps the items from the one it names on ("what next after pandas?"), up
    to it ("what comes before pandas?"), or the whole order ("in what order?")."""
    return [_narrow(line, question, said, idf) for line in lines]


def _narrow(line: Line, question: str, said: frozenset[str], idf: Callable[[str], float]) -> Line:
    unit = line.unit
    if unit is None or not unit.is_list or repeated(unit.sentences, said) < 1:
        return line
    wanted = set(tokens(question)) - set(tokens(unit.lead_in))
    weight = [sum(idf(t) for t in wanted & set(tokens(item))) for item in unit.items]
    best = max(weight, default=0.0)
    if best <= 0:
        return line
    named = [k for k, w in enumerate(weight) if w >= NARROW_SHARE * best]
    items = tuple(unit.items[k] for k in _ordered(named, normalize(question), len(unit.items)))
    if len(items) == len(unit.items):
        return line
    head = (unit.lead_in,) if unit.lead_in else ()
    cut = replace(unit, sentences=(*head, *items))
    return Line(cut.body(), line.n, line.label, cut)


def _ordered(named: list[int], question: str, size: int) -> range | list[int]:
    """The positions a question about the list keeps: the named items, or for a question about
    order the items after the last one named, before the first, or all of them."""
    after, before = bool(_AFTER.search(question)), bool(_BEFORE.search(question))
    if after and not before:
        return range(named[-1], size)
    if before and not after:
        return range(0, named[0] + 1)
    if after or before or _ORDER.search(question):
        return range(size)
    return named
