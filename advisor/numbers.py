"""Number check: a salary, duration or count in an answer must appear in a cited source.

Numbers are compared by value ("$100k" matches "$100,000"; "12-24" matches
"12–24"). A number no cited source contains gets "(not in the sources)" right
after it. Citation markers and list numbering are not claims and are skipped.
Numbers written as words ("two years") are not checked.

Answers are checked paragraph by paragraph (`check_by_paragraph`): a number counts as
supported when it is in a source cited anywhere in its paragraph or list item (most models
cite once, at the end), in one cited before it, or among the `given` numbers: those of the
user's message and of the conversation so far (a number carried over was checked, and
flagged if need be, when it first appeared). A streamed answer carries its flags as soon as
each paragraph or list item is complete.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from advisor.records import Source

FLAG = " (not in the sources)"
_NUMBER = re.compile(
    r"(?<![\w$.,])\$?(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<k>[kK]\b)?(?!\w|\.\d|,\d{3})"
)
_UNIT_AFTER = re.compile(
    r"\s*+(?:%|percent|usd|dollars|months?|years?|weeks?|days?|hours?)\b", re.I
)
_PARAGRAPH_END = re.compile(r"\n(?=[ \t]*+\n|[ \t>]*+(?:[-+*]|\d{1,9}[.)])[ \t]|#)")
"""Where a paragraph or list item ends: at the newline before a blank line, a list item's
marker or a heading (the next line must have begun, so a stream waits for it)."""
_URL = re.compile(r"\]\([^)\s]*|\bhttps?://[^\s)>\]]*")
"""Link targets and bare URLs: a number in an address is not a claim."""
_CITATION = re.compile(r"\[(\d{1,3})\]")
_SKIP = re.compile(r"\[\d+\]|^[^\S\n]*+\d+[.)]\s|^#++[^\S\n]*+\d+\.\s", re.M)
"""Citation markers, list numbers and numbered headings. The space before a list number stays on
its line: `\\s*` there read every following blank line again from each line start."""


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
    return NumberCheck(_flag(text, bad), tuple(raw for _, raw in bad), len(found))


def _flag(text: str, bad: list[tuple[int, str]]) -> str:
    """The text with FLAG after each unsupported number, built in one pass."""
    pieces, start = [], 0
    for end in sorted(end for end, _ in bad):
        pieces += [text[start:end], FLAG]
        start = end
    return "".join(pieces) + text[start:]


@lru_cache(maxsize=256)
def _values(text: str) -> frozenset[float]:
    """`values_in`, remembered: a streamed answer checks the same sources on every piece."""
    return frozenset(values_in(text))


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
    starts = [a for a, _ in spans]
    found = []
    for number in _numbers(text):
        i = bisect_right(starts, number[0]) - 1  # spans do not overlap: only this one can hold it
        if i < 0 or spans[i][1] < number[0]:
            found.append(number)
    return found


def check_by_paragraph(
    text: str,
    sources: Sequence[Source],
    finished: bool = True,
    cited_before: Iterable[int] = (),
    given: frozenset[float] = frozenset(),
) -> tuple[NumberCheck, int]:
    """Flag each number that no source cited in its paragraph or list item, or before it,
    contains, and that is not among the `given` numbers (the user's and the conversation's).

    `sources` are the listed sources, numbered from 1 as the [n] citations count them.
    A streamed answer calls this with `finished=False`: numbers in the last paragraph that
    nothing cited so far supports are then left alone (a later citation may), and where the
    first of them starts in the flagged text is returned as the second value (the flagged
    text before it will not change: support, once found, is never lost).
    `cited_before`: the sources cited by the text that came before this part of the answer.
    """
    ends = [m.start() for m in _PARAGRAPH_END.finditer(text)]
    if finished:
        ends.append(len(text))
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    claims = [
        (end - len(raw), end, raw, value)
        for end, raw, value in _claims(text)
        if not any(a <= end - len(raw) < b for a, b in urls)
    ]
    known: set[float] = set(given)
    seen: set[int] = set()

    def cite(n: int) -> None:
        if 1 <= n <= len(sources) and n not in seen:
            seen.add(n)
            source = sources[n - 1]
            known.update(_values(f"{source.title}\n{source.section}\n{source.text}"))

    for n in cited_before:
        cite(n)
    bad: list[tuple[int, str]] = []
    start = checked = 0
    for end in ends:
        for match in _CITATION.finditer(text, start, end):  # anywhere in the paragraph
            cite(int(match.group(1)))
        while checked < len(claims) and claims[checked][0] < end:
            _, claim_end, raw, value = claims[checked]
            if value not in known:
                bad.append((claim_end, raw))
            checked += 1
        start = end
    if not finished:  # the last paragraph may still cite: only a number not yet supported waits
        for match in _CITATION.finditer(text, start):
            cite(int(match.group(1)))
        while checked < len(claims) and claims[checked][3] in known:
            checked += 1
    pending = claims[checked][0] if checked < len(claims) else len(text)
    out = _flag(text[:pending], bad)
    return NumberCheck(out + text[pending:], tuple(raw for _, raw in bad), checked), len(out)
