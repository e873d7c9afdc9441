"""OpenAI-compatible routes: `/v1/chat/completions` and `/v1/models` for model `career-advisor`.

Any OpenAI client can talk to the advisor. The last user message is the question and
earlier user/assistant turns are the history; system messages are ignored (the
advisor keeps its own rules). Sources travel in an extra `sources` field that
standard clients ignore, and as a "Sources" list at the end of the text.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from advisor.api.common import (
    advisor_of,
    describe_error,
    open_stream,
    public_answer,
    public_source,
    sources_footer,
    sse,
    strip_footer,
)
from advisor.api.guard import error_body
from advisor.errors import AdvisorError, InputError
from advisor.records import Answer

MODEL = "career-advisor"
_CREATED = 1767225600  # 2026-01-01: a fixed "created" time for the model card

router = APIRouter(tags=["OpenAI-compatible"])
log = logging.getLogger("advisor.api")


class ChatMessage(BaseModel):
    """One message; content is text or a list of content parts (text parts are used)."""

    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """The subset of the Chat Completions request the advisor uses; other fields are ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(examples=[MODEL])
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, str):
        return content
    parts = content or []
    return "".join(str(p.get("text", "")) for p in parts if p.get("type", "text") == "text")


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(question, history): the last user message and the user/assistant turns before it."""
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    if last < 0:
        raise InputError("messages must contain a user message (the question)")
    history = [
        (m.role, strip_footer(_text(m.content)))
        for m in messages[:last]
        if m.role in ("user", "assistant")
    ]
    return _text(messages[last].content), history


def _model_card() -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": _CREATED, "owned_by": "career-advisor"}


def _unknown_model(name: str) -> JSONResponse:
    message = f"the model {name!r} does not exist; this server offers {MODEL!r}"
    return JSONResponse(error_body(message, "invalid_request_error", "model_not_found"), 404)


@router.get("/v1/models", summary="List the models (just career-advisor)")
def list_models() -> dict[str, Any]:
    return {"object": "list", "data": [_model_card()]}


@router.get("/v1/models/{model}", summary="Describe one model", response_model=None)
def get_model(model: str) -> dict[str, Any] | JSONResponse:
    return _model_card() if model == MODEL else _unknown_model(model)


@router.post(
    "/v1/chat/completions", summary="Chat completion (OpenAI-compatible)", response_model=None
)
async def chat_completions(body: ChatRequest, request: Request) -> Any:
    if body.model != MODEL:
        return _unknown_model(body.model)
    advisor = advisor_of(request)
    question, history = split_messages(body.messages)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.stream:
        answer = public_answer(await run_in_threadpool(advisor.ask, question, history))
        return {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": answer.text + sources_footer(answer),
                        "refusal": None,
                    },
                    "finish_reason": _finish(answer),
                    "logprobs": None,
                }
            ],
            "usage": None,
            "sources": [public_source(s) for s in answer.sources],
        }
    items = await open_stream(advisor, question, history, fail_early=(AdvisorError,))
    secrets = request.app.state.secrets
    return StreamingResponse(
        _chunks(items, completion_id, created, secrets),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _finish(answer: Answer) -> str:
    return "length" if answer.incomplete else "stop"


async def _chunks(
    items: AsyncIterator[str | Answer], completion_id: str, created: int, secrets: Any
) -> AsyncIterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return sse(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL,
                "choices": [choice],
                **extra,
            }
        )

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for item in items:
            if isinstance(item, Answer):
                footer = sources_footer(item)
                if footer:
                    yield chunk({"content": footer})
                sources = [public_source(s) for s in item.sources]
                yield chunk({}, _finish(item), sources=sources)
            else:
                yield chunk({"content": item})
    except AdvisorError as exc:
        _, kind, message = describe_error(exc, secrets)
        yield sse(error_body(message, kind))
    except Exception:
        log.exception("streamed chat completion failed")
        yield sse(error_body("internal error while answering", "server_error"))
    yield sse("[DONE]")
