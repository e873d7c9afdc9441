"""Where a text still ends in something unfinished: the part a stream must hold back.

Each scan is one pass over the text (no backtracking, no search per candidate), so a
stream that checks its unsettled tail on every piece pays linear work for it.
"""

from __future__ import annotations

import re

_CONTAINER = re.compile(r"[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])[ \t]+)*")
"""Blockquote and list markers before a line's content: a `[` after them starts the line."""
_DELIMITER_CHARS = frozenset(" \t|:-")
"""What a table's delimiter row (`| --- | :-: |`) is made of."""
_SPECIAL = re.compile(r"[\\\[\]<`\n]")
"""The characters `_Scan.run` looks at: escapes, brackets, tags, code spans, line starts."""
_TICKS = re.compile(r"\\[\s\S]|`+")
"""A backslash escape (whose backtick opens nothing) or a backtick run."""
_ESCAPE_START = frozenset("\x1b\x90\x98\x9b\x9d\x9e\x9f")
_STRING_ESCAPES = "]PX^_"
"""After ESC: these start a string (OSC, DCS, ...) that runs to BEL or ST."""


def open_at(text: str) -> int:
    """Where the first construct that later text could still change starts (else len(text)).

    That is an unclosed `[` (link, image, citation, reference definition) or one whose
    target has not arrived, a `<` that may still become a tag, comment or autolink, and
    a backtick run no later run of the same length closes yet.
    """
    scan = _Scan(text)
    end = scan.run()
    return min(scan.first, end)


class _Scan:
    """One left-to-right pass over `text` that finds its first unfinished construct."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.first = len(text)
        self.last_gt = text.rfind(">")
        self.last_paren = text.rfind(")")
        self.last_bracket = text.rfind("]")
        self.comment_end = text.rfind("-->")
        self.ticks = _tick_runs(text)

    def run(self) -> int:
        text, i, body = self.text, 0, _content_start(self.text, 0)
        stack: list[tuple[int, bool]] = []
        while True:
            found = _SPECIAL.search(text, i, self.first)  # ordinary characters are skipped
            if found is None:
                break
            i = found.start()
            c = text[i]
            if c == "\n":
                body = _content_start(text, i + 1)
            elif c == "\\":
                i += 1
            elif c == "`":
                end = self.ticks.get(i)
                if end is None:
                    return i
                i = end - 1
            elif c == "[":
                stack.append((i, i == body))
            elif c == "]" and stack:
                start, at_line_start = stack.pop()
                if self._bracket_open(start, i, at_line_start):
                    self.first = min(self.first, _with_bang(text, start))
            elif c == "<" and self._tag_open(i):
                return i
            i += 1
        if stack:
            return _with_bang(text, stack[0][0])
        return len(text)

    def _bracket_open(self, start: int, close: int, at_line_start: bool) -> bool:
        """Whether `[` at start, closed at `close`, may still become a link or definition."""
        text = self.text
        if close + 1 == len(text):
            return True
        after = text[close + 1]
        if after == "(":
            return self.last_paren < close + 2
        if after == "[":
            return self.last_bracket < close + 2
        if after == ":" and at_line_start:
            end = text.find("\n", close + 2)
            return end < 0 or not text[close + 2 : end].strip()
        return False

    def _tag_open(self, i: int) -> bool:
        """Whether `<` at i may still become a tag, comment or autolink."""
        text = self.text
        after = text[i + 1 : i + 2]
        if not after:
            return True
        if not (after.isascii() and after.isalpha()) and after not in "/!?":
            return False
        if text.startswith("<!--", i):
            return self.comment_end < i + 4
        return self.last_gt < i


def _with_bang(text: str, i: int) -> int:
    return i - 1 if i and text[i - 1] == "!" else i


def _content_start(text: str, line: int) -> int:
    """Where a line's content starts, after its blockquote and list markers."""
    match = _CONTAINER.match(text, line)
    return match.end() if match else line


def _tick_runs(text: str) -> dict[int, int]:
    """Each backtick run that opens a code span: its start mapped to the end of its closer.

    Runs with no closer are left out (a backslash-escaped backtick opens none).
    """
    runs = [(m.start(), len(m.group(0))) for m in _TICKS.finditer(text) if m.group(0)[0] == "`"]
    later: dict[int, list[int]] = {}
    for n, (_, size) in enumerate(runs):
        later.setdefault(size, []).append(n)
    spans: dict[int, int] = {}
    pointer = dict.fromkeys(later, 0)
    n = 0
    while n < len(runs):
        start, size = runs[n]
        same, k = later[size], pointer[size]
        while k < len(same) and same[k] <= n:
            k += 1
        pointer[size] = k
        if k < len(same):
            close = same[k]
            spans[start] = runs[close][0] + size
            n = close + 1
        else:
            n += 1
    return spans


def table_hold(text: str) -> int:
    """Where a table row that more text could still change starts (else len(text)).

    A last line holding `|` may be a header or row still being written, and a header
    line followed by the start of a delimiter row turns into a table when it ends.
    """
    last = text.rfind("\n") + 1
    if "|" in text[last:]:
        cut = last
        before = text.rfind("\n", 0, max(0, last - 1)) + 1
        if last and "|" in text[before : last - 1] and set(text[last:]) <= _DELIMITER_CHARS:
            cut = before
        return cut
    return len(text)


def escape_open(line: str) -> int | None:
    """Where a terminal escape sequence that more text could still extend starts, if any.

    Escape sequences end at a newline, so only the last line is looked at.
    """
    for i, c in enumerate(line):
        if c in _ESCAPE_START and _escape_open(line, i):
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


def settle(text: str, end: int) -> int:
    """A cut at or before `end` that falls between words, without trailing whitespace."""
    if end < len(text) and not text[end].isspace():
        while end > 0 and not text[end - 1].isspace():
            end -= 1
    return len(text[:end].rstrip())
