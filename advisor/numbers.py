"""Number check: a salary, duration or count in an answer must appear in a cited source.

Numbers are compared by value ("$100k" matches "$100,000"; "12-24" matches
"12–24"). A number no cited source contains gets "(not in the sources)" right
after it. Citation markers and list numbering are not claims and are skipped.
Numbers written as words ("two years") are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from advisor.records import Source

FLAG = " (not in the sources)"
_NUMBER = re.compile(
    r"(?<![\w$.,])\$?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<k>[kK]\b)?(?!\w|\.\d|,\d{3})"
)
_UNIT_AFTER = re.compile(r"\s*(?:%|percent|usd|dollars|months?|years?|weeks?|days?|hours?)\b", re.I)
_SKIP = re.compile(r"\[\d+\]|^\s*\d+[.)]\s|^#+\s*\d+\.\s", re.M)


@dataclass(frozen=True)
class NumberCheck:
    """The answer text with flags added, and the numbers no cited source supports."""

    text: str
    unsupported: tuple[str, ...]
    checked: int
    """How many numbers the text contained (citation markers and list numbers excluded)."""


def values_in(text: str) -> set[float]:
    """Every number in a text, by value."""
    return {value for _, _, value in _numbers(text)}


def check_numbers(text: str, cited: Iterable[Source]) -> NumberCheck:
    """Flag each number in `text` that no cited source (text, title or section) contains."""
    known: set[float] = set()
    for source in cited:
        known |= values_in(f"{source.title}\n{source.section}\n{source.text}")
    found = _claims(text)
    bad = [(end, raw) for end, raw, value in found if value not in known]
    out = text
    for end, _ in sorted(bad, reverse=True):
        out = out[:end] + FLAG + out[end:]
    return NumberCheck(out, tuple(raw for _, raw in bad), len(found))


def _numbers(text: str) -> list[tuple[int, str, float]]:
    """(end offset, as written, value) for each number in the text."""
    found = []
    for match in _NUMBER.finditer(text):
        start = match.start()
        if start and text[start - 1] == "-" and not (start > 1 and text[start - 2].isdigit()):
            continue  # part of a name such as "GPT-4", not a range's upper end
        value = float(match.group("digits").replace(",", "") + (match.group("frac") or ""))
        if match.group("k"):
            value *= 1000
        elif _is_year(match, text):
            continue  # "in 2026" dates a claim; it is not a salary, duration or count
        found.append((match.end(), match.group(), value))
    return found


def _is_year(match: re.Match[str], text: str) -> bool:
    """A bare 19xx/20xx not used as an amount ("$2026", "2026 hours")."""
    digits = match.group("digits")
    if (
        match.group().startswith("$")
        or match.group("frac")
        or not re.fullmatch(r"(19|20)\d\d", digits)
    ):
        return False
    return not _UNIT_AFTER.match(text, match.end())


def count_numbers(text: str) -> int:
    """How many numeric claims a text makes (citation markers and list numbers excluded)."""
    return len(_claims(text))


def _claims(text: str) -> list[tuple[int, str, float]]:
    spans = [(m.start(), m.end()) for m in _SKIP.finditer(text)]
    return [n for n in _numbers(text) if not any(a <= n[0] <= b for a, b in spans)]
