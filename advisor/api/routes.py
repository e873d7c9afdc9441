"""The advisor's own routes: `/v1/ask`, `/v1/ask/stream` (SSE), `/v1/retrieve`, `/v1/sources`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from advisor.api.common import (
    FieldError,
    advisor_of,
    describe_error,
    input_param,
    open_stream,
    public_answer,
    public_source,
    safe_url,
    sse,
)
from advisor.api.guard import error_body
from advisor.api.metrics import counted, metrics_of
from advisor.api.schemas.answers import Answer as AnswerOut
from advisor.api.schemas.answers import AskRequest, Documents, Retrieved, RetrieveRequest
from advisor.core import CareerAdvisor
from advisor.errors import AdvisorError, InputError
from advisor.records import Answer
from advisor.safety import safe_markdown
from advisor.secrets import public_url

router = APIRouter(tags=["advisor"])
log = logging.getLogger("advisor.api")


def checked_k(advisor: CareerAdvisor, k: int | None) -> int:
    """`k`, or ADVISOR_TOP_K when absent; 400 with param "k" outside 1..ADVISOR_MAX_K."""
    settings = advisor.settings
    if k is None:
        return min(settings.top_k, settings.max_k)
    if not 1 <= k <= settings.max_k:
        raise FieldError(f"k must be between 1 and {settings.max_k} (ADVISOR_MAX_K)", "k")
    return k


def checked_text(advisor: CareerAdvisor, text: str, param: str) -> str:
    """`text`, or 400 naming `param` when longer than ADVISOR_MAX_QUESTION_CHARS."""
    limit = advisor.settings.max_question_chars
    if len(text) > limit:
        message = f"the {param} is {len(text)} characters long; the limit is {limit}"
        raise FieldError(f"{message} (ADVISOR_MAX_QUESTION_CHARS)", param)
    return text


@router.post("/v1/ask", summary="Answer a question, with sources", response_model=AnswerOut)
async def ask(body: AskRequest, request: Request) -> dict[str, Any]:
    advisor = advisor_of(request)
    k = checked_k(advisor, body.k)
    checked_text(advisor, body.question, "question")
    answered = await run_in_threadpool(
        lambda: advisor.ask(body.question, body.turns(), k=k, filters=body.filters)
    )
    answer = public_answer(answered)
    if metrics := metrics_of(request):
        metrics.answered(answer)
    return {**answer.to_dict(), "sources": [public_source(s) for s in answer.sources]}


@router.post(
    "/v1/ask/stream",
    summary="Answer as Server-Sent Events: delta*, sources, done (or error)",
    response_class=StreamingResponse,
)
async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
    advisor = advisor_of(request)
    k = checked_k(advisor, body.k)
    checked_text(advisor, body.question, "question")
    items = await open_stream(
        advisor, body.question, body.turns(), fail_early=(InputError,), k=k, filters=body.filters
    )
    return StreamingResponse(
        _ask_events(counted(items, request), request.app.state.secrets),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/v1/retrieve", summary="The best passages for a query, with scores", response_model=Retrieved
)
async def retrieve(body: RetrieveRequest, request: Request) -> dict[str, Any]:
    advisor = advisor_of(request)
    k = checked_k(advisor, body.k)
    checked_text(advisor, body.query, "query")
    found = await run_in_threadpool(advisor.retrieve, body.query, k, body.filters)
    sources = [public_source(s) for s in found]
    return {"query": body.query, "k": k, "count": len(sources), "sources": sources}


@router.get("/v1/sources", summary="The indexed documents", response_model=Documents)
async def sources(request: Request) -> dict[str, Any]:
    advisor = advisor_of(request)
    index = await run_in_threadpool(advisor.retriever.keyword_index)
    docs: dict[str, dict[str, Any]] = {}
    for chunk in index.chunks:
        doc = docs.setdefault(
            chunk.doc_key,
            {
                "title": safe_markdown(chunk.title),
                "url": safe_url(public_url(chunk.url)),  # no credentials, even in an old index
                "source": public_url(chunk.source),
                "kind": chunk.kind,
                "origin": safe_markdown(public_url(chunk.origin)),
                "trusted": chunk.trusted,
                "chunks": 0,
            },
        )
        doc["chunks"] += 1
    listed = sorted(docs.values(), key=lambda d: (d["title"].lower(), d["source"]))
    return {"count": len(listed), "documents": listed}


async def _ask_events(items: AsyncIterator[str | Answer], secrets: Any) -> AsyncIterator[str]:
    try:
        async for item in items:
            if isinstance(item, Answer):
                data = item.to_dict()
                yield sse({"sources": [public_source(s) for s in item.sources]}, "sources")
                yield sse({k: v for k, v in data.items() if k != "sources"}, "done")
            else:
                yield sse({"text": item}, "delta")
    except AdvisorError as exc:
        status, kind, message = describe_error(exc, secrets)
        param = input_param(exc, "/v1/ask/stream")
        yield sse({**error_body(message, kind, param=param)["error"], "status": status}, "error")
    except Exception:
        log.exception("streamed answer failed")
        yield sse(error_body("internal error while answering", "server_error")["error"], "error")
