"""Pieces shared by the API routes: errors, safe source lists and safe streaming."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from advisor.api_guard import redact
from advisor.core import CareerAdvisor
from advisor.errors import (
    AdvisorError,
    ConfigurationError,
    InputError,
    LLMError,
    StoreUnavailable,
)
from advisor.records import Answer, Source
from advisor.safety import repair_citations, safe_markdown

SOURCES_HEADING = "\n\n**Sources**\n"
"""Starts the source list appended to OpenAI-compatible answers (and stripped from history)."""

_BRACKET = re.compile(r"\[")
_REF_LINE = re.compile(r"^\s{0,3}\[[^\]]+\]:")
_UNSAFE_LABEL = re.compile(r"[\[\]<>\n\r`]")


def advisor_of(request: Request) -> CareerAdvisor:
    """The app's advisor, or 503 while it is still starting (or could not start)."""
    state = request.app.state
    if state.advisor is None:
        detail = state.startup_error or "the advisor is starting; retry shortly"
        raise HTTPException(503, detail, headers={"Retry-After": "2"})
    advisor: CareerAdvisor = state.advisor
    return advisor


def describe_error(exc: AdvisorError, secrets: Iterable[str | None] = ()) -> tuple[int, str, str]:
    """(HTTP status, error type, message) for an advisor error; secrets are masked."""
    status, kind = 400, "invalid_request_error"
    if isinstance(exc, InputError):
        status = 422
    elif isinstance(exc, LLMError):
        status, kind = 502, "llm_error"
    elif isinstance(exc, StoreUnavailable):
        status, kind = 503, "store_unavailable"
    elif isinstance(exc, ConfigurationError):
        status, kind = 503, "configuration_error"
    return status, kind, redact(str(exc) or type(exc).__name__, secrets)


def public_answer(answer: Answer) -> Answer:
    """The answer with its text sanitised once more, after citation repair.

    Citation repair joins "javascript :" back into "javascript:", so sanitising last
    keeps the scheme neutralised (and is a no-op on text that is already safe).
    """
    return replace(answer, text=safe_markdown(answer.text))


def public_source(source: Source) -> dict[str, Any]:
    """A source as JSON, with its text and labels sanitised and only an http(s) URL kept."""
    data = source.to_dict()
    for key in ("text", "title", "section", "origin"):
        data[key] = safe_markdown(data[key])
    data["url"] = safe_url(source.url)
    return data


def safe_url(url: str) -> str:
    """The URL when it is a plain http(s) address, else ""."""
    url = url.strip()
    ok = url.lower().startswith(("http://", "https://")) and not re.search(r"[\s()<>\"']", url)
    return url if ok else ""


def sources_footer(answer: Answer) -> str:
    """The "Sources" list appended to the text: cited sources (all when none is cited)."""
    if answer.refused or not answer.sources:
        return ""
    numbered = list(enumerate(answer.sources, start=1))
    shown = [(n, s) for n, s in numbered if s.cited] or numbered
    lines = []
    for n, source in shown:
        label = _label(source.title or source.source) or "source"
        url = safe_url(source.url)
        line = f"- [{n}] [{label}]({url})" if url else f"- [{n}] {label}"
        section = _label(source.section)
        if section and section != label:
            line += f" — {section}"
        lines.append(line)
    return safe_markdown(SOURCES_HEADING + "\n".join(lines))


def _label(text: str) -> str:
    """Plain one-line text that cannot open a link, tag or code span."""
    return " ".join(_UNSAFE_LABEL.sub(" ", safe_markdown(text)).split())


def strip_footer(text: str) -> str:
    """An earlier answer sent back as history, without the source list we appended."""
    return text.split(SOURCES_HEADING, 1)[0]


def sse(data: Any, event: str | None = None) -> str:
    """One Server-Sent Event."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


class SafeText:
    """Sanitise streamed text as a whole and release only what later deltas cannot change.

    Per-delta sanitising misses a `javascript:` link split over two deltas; here the
    whole text so far is sanitised (and out-of-range citations dropped) on every delta,
    and an unfinished word, link, tag or reference line is held back until it settles.
    """

    def __init__(self, max_sources: int) -> None:
        self._raw = ""
        self._max = max_sources
        self.sent = ""

    def push(self, delta: str) -> str:
        """Add a delta; return the newly settled safe text (may be "")."""
        self._raw += delta
        safe = safe_markdown(repair_citations(safe_markdown(self._raw), self._max)[0])
        settled = safe[: _settled(safe, len(self.sent))]
        if len(settled) <= len(self.sent) or not settled.startswith(self.sent):
            return ""
        new = settled[len(self.sent) :]
        self.sent = settled
        return new

    def finish(self, final: str) -> str:
        """The rest of the final (authoritative) answer text."""
        common = 0
        for a, b in zip(self.sent, final, strict=False):
            if a != b:
                break
            common += 1
        rest = final[common:]
        self.sent = final
        return rest


def _settled(text: str, known: int = 0) -> int:
    """Length of the prefix of `text` that no further text can alter when sanitised.

    Brackets before `known` (text already released) were closed when released.
    """
    cut = max(text.rfind(" "), text.rfind("\n"), text.rfind("\t")) + 1
    tag = text.rfind("<")
    if tag >= 0 and ">" not in text[tag:]:
        cut = min(cut, tag)
    for start in (m.start() for m in _BRACKET.finditer(text, known, cut)):
        if _open_bracket(text[start:]):
            cut = min(cut, start - 1 if start and text[start - 1] == "!" else start)
            break
    line = text.rfind("\n", 0, cut) + 1
    if _REF_LINE.match(text[line:]) and "\n" not in text[line:]:
        cut = min(cut, line)
    return max(0, cut)


def _open_bracket(tail: str) -> bool:
    """Whether `[...` at the start of `tail` could still become a link, image or reference."""
    close = tail.find("]")
    if close < 0:
        return True
    rest = tail[close + 1 :]
    if rest == "":
        return True
    if rest.startswith("("):
        return ")" not in rest
    if rest.startswith("["):
        return "]" not in rest[1:]
    return False


_END = object()


async def open_stream(
    advisor: CareerAdvisor,
    question: str,
    history: list[tuple[str, str]],
    fail_early: tuple[type[Exception], ...],
) -> AsyncIterator[str | Answer]:
    """Start answering now, so errors of `fail_early` types surface before any byte is sent.

    Returns an async iterator of safe text deltas, then the final Answer; later errors
    are raised from the iterator (the routes turn them into error events).
    """
    try:
        items = advisor.stream(question, history)
        first = await run_in_threadpool(next, items, _END)
    except fail_early:
        raise
    except Exception as exc:
        return _failing(exc)
    return _safe_items(first, items, advisor.settings.top_k)


async def _failing(exc: Exception) -> AsyncIterator[str | Answer]:
    raise exc
    yield ""  # pragma: no cover - makes this an async generator


async def _safe_items(
    first: object, rest: Iterator[str | Answer], max_sources: int
) -> AsyncIterator[str | Answer]:
    safe = SafeText(max_sources)

    async def raw() -> AsyncIterator[str | Answer]:
        if first is not _END:
            yield first  # type: ignore[misc]
        async for item in iterate_in_threadpool(rest):
            yield item

    async for item in raw():
        if isinstance(item, Answer):
            item = public_answer(item)
            tail = safe.finish(item.text)
            if tail:
                yield tail
            yield item
            return
        new = safe.push(item)
        if new:
            yield new
