"""The text of a chat completion: `url_citation` annotations, stop sequences and max_tokens.

Everything here works on text that `SafeStream` already made safe; a cut made for
`stop` or `max_tokens` backs off so that it never leaves half a `[n]`, link, image or
tag (nor half a bare URL), and annotations point at the `[n]` markers of the text as
sent, in Python string indices (code points, as JSON clients count them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advisor.api.common import safe_url
from advisor.api.usage import TokenCounter
from advisor.records import Answer, Source
from advisor.safety import safe_markdown
from advisor.stream_safety import open_at

_CITATION = re.compile(r"\[(\d{1,3})\]")
_URLISH = re.compile(r"[:/@]|www\.|\.\w")
"""A word that may be (part of) an address: never cut inside one."""
URN_PREFIX = "urn:career-advisor:chunk:"
"""The `url` of a citation whose source has no web address: this plus the passage id."""


def finish_of(answer: Answer) -> str:
    """The finish reason the answer itself gives: "length" when the model was cut off."""
    return "length" if answer.incomplete else "stop"


def citation_url(source: Source) -> str:
    """The source's http(s) address, else a stable, non-network name for the passage."""
    return safe_url(source.url) or f"{URN_PREFIX}{source.id}"


def citation_title(source: Source) -> str:
    """The document's title and, when it adds something, the section cited: "Guide — 6. MLOps"."""
    title = " ".join(safe_markdown(source.title or source.source).split()) or "source"
    section = " ".join(safe_markdown(source.section).split())
    return f"{title} — {section}" if section and section != title else title


def url_citations(content: str, body_end: int, sources: Sequence[Source]) -> list[dict[str, Any]]:
    """One `url_citation` per `[n]` marker in `content[:body_end]` that names a listed source."""
    found: list[dict[str, Any]] = []
    for match in _CITATION.finditer(content, 0, body_end):
        n = int(match.group(1))
        if not 1 <= n <= len(sources):
            continue
        source = sources[n - 1]
        citation = {
            "title": citation_title(source),
            "url": citation_url(source),
            "start_index": match.start(),
            "end_index": match.end(),
        }
        found.append({"type": "url_citation", "url_citation": citation})
    return found


def safe_end(text: str, end: int) -> int:
    """The largest cut at or before `end` that ends no link, citation, tag or address halfway."""
    head = text[:end]
    cut = min(end, open_at(head + " "))  # the text ends here: a trailing "[1]" is complete
    if cut == end and head.endswith("]") and text[end : end + 1] in ("(", "["):
        cut = head.rfind("[")  # "[label]" whose target follows: a link cut in half
        cut = cut - 1 if cut > 0 and text[cut - 1] == "!" else cut
    if 0 < cut < len(text) and not text[cut].isspace() and not text[cut - 1].isspace():
        start = cut
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        if _URLISH.search(text, start, cut + 1):
            cut = start
    return len(text[:cut].rstrip())


_PAIRED = ("**", "__", "~~")
"""Inline Markdown that a cut must not leave open: bold (two spellings) and strikethrough."""


def open_markup(text: str) -> int:
    """Where the first bold, strikethrough or code span still open at the end of `text`
    starts; len(text) when everything it opens is closed."""
    opened: dict[str, int] = {}
    i = 0
    while i < len(text):
        if text[i] == "`":  # a code span: nothing inside it is markup
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = text.find("`" * run, i + run)
            if close < 0:
                return min([i, *opened.values()])
            i = close + run
            continue
        marker = next((m for m in _PAIRED if text.startswith(m, i)), None)
        if marker is None:
            i += 1
            continue
        if marker in opened:
            del opened[marker]
        else:
            opened[marker] = i
        i += len(marker)
    return min(opened.values(), default=len(text))


def closed_end(text: str, end: int) -> int:
    """`safe_end`, backed off further to before any bold, strikethrough or code span the cut
    would leave open: a limited answer never ends inside `**bold**`."""
    cut = safe_end(text, end)
    return len(text[: min(cut, open_markup(text[:cut]))].rstrip())


@dataclass(frozen=True)
class Limits:
    """What the client asked to end the text early: at most `max_tokens`, before any `stop`."""

    max_tokens: int | None = None
    stop: tuple[str, ...] = ()


class Truncator:
    """Applies `Limits` to text arriving in pieces: `push` each, then `close`.

    Releases only text that no later piece can withdraw: it holds back the tail a stop
    sequence could still start in, and counts tokens on whole words only (a word may
    still grow). `finish` becomes "stop" or "length" once a limit ended the text.
    """

    def __init__(self, limits: Limits, counter: TokenCounter | None) -> None:
        self.limits = limits
        self.counter = counter
        self.sent = ""
        """Everything released so far."""
        self.finish: str | None = None
        self._all = ""
        self._hold = max((len(s) for s in limits.stop), default=1) - 1

    def push(self, text: str) -> str:
        """Add a safe piece; return what can be released now (often all of it)."""
        if self.finish is not None:
            return ""
        self._all += text
        return self._advance(final=False)

    def close(self) -> str:
        """No more text: release the rest, limited."""
        return "" if self.finish is not None else self._advance(final=True)

    def _advance(self, final: bool) -> str:
        full = self._all
        end, finish = len(full), None
        stop = self._first_stop(full)
        if stop is not None:
            end, finish = stop, "stop"
        whole = final or finish is not None
        counted = end if whole else _last_space(full, end)  # a last word may still grow
        cut = self._token_cut(full[:counted])
        if cut is not None:
            end, finish = cut, "length"
        if finish is not None:
            self.finish = finish
            return self._release(full[: max(len(self.sent), closed_end(full, end))])
        if final or (self.limits.max_tokens is None and not self.limits.stop):
            return self._release(full)  # nothing can cut the text: it is safe as it came
        end = len(full) - self._hold  # a stop sequence may still start in the held tail
        end = _last_space(full, end)  # whole words only: a later cut never halves one
        return self._release(full[: max(len(self.sent), closed_end(full, end))])

    def _first_stop(self, text: str) -> int | None:
        hits = [i for s in self.limits.stop if (i := text.find(s, len(self.sent))) >= 0]
        return min(hits) if hits else None

    def _token_cut(self, text: str) -> int | None:
        """Where the text must end to hold at most max_tokens tokens (None when it fits)."""
        limit = self.limits.max_tokens
        if limit is None or self.counter is None:
            return None
        ends = self.counter.ends(text)
        if len(ends) <= limit:
            return None
        return ends[limit - 1] if limit > 0 else 0

    def _release(self, text: str) -> str:
        if not text.startswith(self.sent) or len(text) <= len(self.sent):
            return ""
        new = text[len(self.sent) :]
        self.sent = text
        return new


def _last_space(text: str, end: int) -> int:
    """The index just past the last whitespace character before `end` (0 when there is none)."""
    for i in range(end - 1, -1, -1):
        if text[i].isspace():
            return i + 1
    return 0


def limit_text(text: str, limits: Limits, counter: TokenCounter | None) -> tuple[str, str | None]:
    """The whole text limited at once: (text, "stop" / "length" / None when untouched)."""
    truncator = Truncator(limits, counter)
    truncator.push(text)
    truncator.close()
    return truncator.sent, truncator.finish
