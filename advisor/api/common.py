"""Pieces shared by the API routes: errors, safe source lists and streaming."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from advisor.api.guard import redact
from advisor.core import CareerAdvisor
from advisor.errors import (
    AdvisorError,
    ConfigurationError,
    InputError,
    LLMError,
    LLMTimeout,
    StoreUnavailable,
)
from advisor.records import Answer, Source
from advisor.safety import safe_markdown

SOURCES_HEADING = "\n\n**Sources**\n"
"""Starts the source list appended to OpenAI-compatible answers (and stripped from history)."""

_UNSAFE_LABEL = re.compile(r"[\[\]<>\n\r`]")


class FieldError(InputError):
    """An unusable request field found at the HTTP edge; `param` names it (a 400)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def advisor_of(request: Request) -> CareerAdvisor:
    """The app's advisor, or 503 while it is still starting (or could not start)."""
    state = request.app.state
    if state.advisor is None:
        detail = state.startup_error or "the advisor is starting; retry shortly"
        raise HTTPException(503, detail, headers={"Retry-After": "2"})
    advisor: CareerAdvisor = state.advisor
    return advisor


def describe_error(exc: AdvisorError, secrets: Iterable[str | None] = ()) -> tuple[int, str, str]:
    """(HTTP status, error type, message) for an advisor error; secrets are masked.

    An `InputError` is OpenAI's 400 `invalid_request_error`; `input_param` names the field.
    """
    status, kind = 400, "invalid_request_error"
    if isinstance(exc, InputError):
        pass
    elif isinstance(exc, LLMError):  # the model upstream failed (502) or ran out of time (504)
        status, kind = 504 if isinstance(exc, LLMTimeout) else 502, "llm_error"
    elif isinstance(exc, StoreUnavailable):
        status, kind = 503, "store_unavailable"
    elif isinstance(exc, ConfigurationError):
        status, kind = 503, "configuration_error"
    return status, kind, redact(str(exc) or type(exc).__name__, secrets)


_TEXT_FIELD = {"/v1/retrieve": "query", "/v1/chat/completions": "messages", "/v1/plan": "message"}


def input_param(exc: AdvisorError, path: str) -> str | None:
    """The request field an input error is about: the error's own `param`, else the field
    its message names (filters, k, history, or the route's text field)."""
    given = getattr(exc, "param", None)
    if isinstance(given, str) and given:
        return given
    if not isinstance(exc, InputError):
        return None
    text = str(exc).lower()
    if "filter" in text:
        return "filters"
    if re.search(r"(?<![\w'])k(?![\w'])", text):
        return "k"
    if "history" in text:
        return "messages" if path == "/v1/chat/completions" else "history"
    if "question" in text or "message" in text:
        return _TEXT_FIELD.get(path, "question")
    return None


def public_answer(answer: Answer) -> Answer:
    """The answer with its text sanitised once more, after citation repair.

    Citation repair joins "javascript :" back into "javascript:", so sanitising last
    keeps the scheme neutralised (and is a no-op on text that is already safe).
    """
    question = safe_markdown(answer.question) if answer.question else answer.question
    return replace(answer, text=safe_markdown(answer.text), question=question)


def public_source(source: Source) -> dict[str, Any]:
    """A source as JSON, with its text and labels sanitised and only an http(s) URL kept."""
    data = source.to_dict()
    for key in ("text", "title", "section", "origin"):
        data[key] = safe_markdown(data[key])
    data["url"] = safe_url(source.url)
    data.setdefault("kind", source.kind)  # "guide" or a card's kind: what `filters` can select
    for key in ("top_section", "root", "doc_key", "cost", "level"):  # the other filter fields
        data[key] = safe_markdown(getattr(source, key))
    data["step"] = source.step
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


_END = object()


async def open_stream(
    advisor: CareerAdvisor,
    question: str,
    history: list[tuple[str, str]],
    fail_early: tuple[type[Exception], ...],
    *,
    k: int | None = None,
    filters: dict[str, Any] | None = None,
    max_tokens: int | None = None,
) -> AsyncIterator[str | Answer]:
    """Start answering now, so errors of `fail_early` types surface before any byte is sent.

    Returns an async iterator of safe text deltas, then the final Answer; later errors
    are raised from the iterator (the routes turn them into error events).
    """
    try:
        items = advisor.stream(question, history, k=k, filters=filters, max_tokens=max_tokens)
        first = await run_in_threadpool(next, items, _END)
    except fail_early:
        raise
    except Exception as exc:
        return _failing(exc)
    return _safe_items(first, items)


async def _failing(exc: Exception) -> AsyncIterator[str | Answer]:
    raise exc
    yield ""  # pragma: no cover - makes this an async generator


async def _safe_items(first: object, rest: Iterator[str | Answer]) -> AsyncIterator[str | Answer]:
    """The advisor's items (its deltas are already safe: `CareerAdvisor.stream` guards them)."""
    if first is not _END:
        yield public_answer(first) if isinstance(first, Answer) else first  # type: ignore[misc]
    async for item in iterate_in_threadpool(rest):
        yield public_answer(item) if isinstance(item, Answer) else item
