"""OpenAI-compatible routes: `/v1/chat/completions` and `/v1/models` for model `career-advisor`.

Any OpenAI client can talk to the advisor. The last user message is the question and
earlier user/assistant turns are the history; system messages are ignored (the
advisor keeps its own rules). Each cited source is a `url_citation` annotation on
`message.annotations` (`delta.annotations` in the last stream chunk), and by default
also a "Sources" list at the end of the text; the extra `sources` field carries them
all. `usage` is the language model's own report, else a count with the embedding
model's tokenizer (`usage`). Request checks live in `openai_params`, annotations and
limits in `openai_text`, the stream in `openai_stream`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from advisor.api.common import (
    advisor_of,
    open_stream,
    public_answer,
    public_source,
    sources_footer,
    strip_footer,
)
from advisor.api.guard import RateLimiter
from advisor.api.metrics import counted, metrics_of
from advisor.api.openai_params import (
    DROP_HEADER,
    MODEL,
    ChatMessage,
    ChatRequest,
    Extended,
    OpenAIError,
    Options,
    check_request,
    message_text,
    validation_error,
    wants_drop,
)
from advisor.api.openai_stream import StreamReply
from advisor.api.openai_text import finish_of, limit_text, url_citations
from advisor.api.usage import TokenCounter, token_counter, usage_of
from advisor.core import CareerAdvisor
from advisor.errors import AdvisorError, InputError
from advisor.records import Answer
from advisor.settings import Settings

_CREATED = 1767225600  # 2026-01-01: a fixed "created" time for the model card
log = logging.getLogger("advisor.api")


class OpenAIRoute(APIRoute):
    """A route that answers bad requests as OpenAI does: 400 with the `param` at fault."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return validation_error(exc.errors()).response()
            except OpenAIError as exc:
                return exc.response()

        return route


router = APIRouter(tags=["OpenAI-compatible"], route_class=OpenAIRoute)


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(question, history): the last user message and the user/assistant turns before it."""
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    if last < 0:
        raise InputError("messages must contain a user message (the question)")
    history = [
        (m.role, strip_footer(message_text(m.content)))
        for m in messages[:last]
        if m.role in ("user", "assistant")
    ]
    return message_text(messages[last].content), history


def _check_lengths(messages: list[ChatMessage], limit: int) -> None:
    """400 for a user message longer than a question may be (ADVISOR_MAX_QUESTION_CHARS)."""
    for i, message in enumerate(messages):
        size = len(message_text(message.content)) if message.role == "user" else 0
        if size > limit:
            raise OpenAIError(
                f"a user message is {size} characters long; the limit is {limit} "
                "(ADVISOR_MAX_QUESTION_CHARS)",
                f"messages[{i}].content",
                "string_above_max_length",
            )


def _model_card() -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": _CREATED, "owned_by": "career-advisor"}


def unknown_model(name: str) -> JSONResponse:
    message = f"the model {name!r} does not exist; this server offers {MODEL!r}"
    error = OpenAIError(message, "model", "model_not_found", status=404)
    return error.response()


@router.get("/v1/models", summary="List the models (just career-advisor)")
def list_models() -> dict[str, Any]:
    return {"object": "list", "data": [_model_card()]}


def openai_context(request: Request, body: Extended) -> tuple[CareerAdvisor, Settings, bool]:
    """The advisor, the app's settings, and whether to drop unsupported parameters: what every
    OpenAI-compatible route reads first."""
    advisor = advisor_of(request)
    settings: Settings = getattr(request.app.state, "settings", None) or advisor.settings
    drop = wants_drop(request.headers.get(DROP_HEADER), body, settings.drop_unsupported)
    return advisor, settings, drop


@router.get("/v1/models/{model}", summary="Describe one model", response_model=None)
def get_model(model: str) -> dict[str, Any] | JSONResponse:
    return _model_card() if model == MODEL else unknown_model(model)


@router.post(
    "/v1/chat/completions",
    summary="Chat completion (OpenAI-compatible)",
    response_model=None,
    responses={400: {"description": "An invalid or unsupported parameter (error with `param`)"}},
)
async def chat_completions(body: ChatRequest, request: Request) -> Any:
    if body.model != MODEL:
        return unknown_model(body.model)
    advisor, settings, drop = openai_context(request, body)
    options = check_request(body, drop)
    _check_lengths(body.messages, settings.max_question_chars)
    try:
        question, history = split_messages(body.messages)
    except InputError as exc:
        raise OpenAIError(str(exc), "messages", "invalid_value") from None
    limit_user(request, options.user, settings)
    counter = await run_in_threadpool(token_counter, settings)
    prompts = [message_text(m.content) for m in body.messages]
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        items = await _open(advisor, question, history, options.limits.max_tokens)
        reply = StreamReply(completion_id, created, options, counter, prompts)
        return StreamingResponse(
            reply.events(counted(items, request), request.app.state.secrets),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    try:
        answer = public_answer(
            await run_in_threadpool(
                lambda: advisor.ask(question, history, max_tokens=options.limits.max_tokens)
            )
        )
    except InputError as exc:
        raise OpenAIError(str(exc), "messages", "invalid_value") from None
    if metrics := metrics_of(request):
        metrics.answered(answer)
    return _completion(answer, completion_id, created, options, counter, prompts)


async def _open(
    advisor: CareerAdvisor, question: str, history: list[tuple[str, str]], max_tokens: int | None
) -> AsyncIterator[str | Answer]:
    try:
        return await open_stream(
            advisor, question, history, fail_early=(AdvisorError,), max_tokens=max_tokens
        )
    except InputError as exc:
        raise OpenAIError(str(exc), "messages", "invalid_value") from None


def limit_user(request: Request, user: str | None, settings: Settings) -> None:
    """Log the `user` and hold each one to its own rate (ADVISOR_API_USER_RATE_LIMIT)."""
    if not user:
        return
    log.info("chat completion for user %r", user[:64])
    per_minute = settings.api_user_rate_limit
    per_minute = settings.api_rate_limit if per_minute is None else per_minute
    if per_minute <= 0:
        return
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, "user_limiter", None)
    if limiter is None or limiter.capacity != per_minute:
        limiter = state.user_limiter = RateLimiter(per_minute)
    wait = limiter.hit(user)
    if wait > 0:
        retry = str(max(1, int(wait + 0.999)))
        raise OpenAIError(
            f"too many requests for this user; retry in {retry} s",
            "user",
            "rate_limit_exceeded",
            status=429,
            kind="rate_limit_exceeded",
            headers={"Retry-After": retry},
        )


def _completion(
    answer: Answer,
    completion_id: str,
    created: int,
    options: Options,
    counter: TokenCounter,
    prompts: list[str],
) -> dict[str, Any]:
    footer = sources_footer(answer) if options.sources_in_content else ""
    content, cut = limit_text(answer.text + footer, options.limits, counter)
    message = {
        "role": "assistant",
        "content": content,
        "refusal": None,
        "annotations": url_citations(content, len(answer.text), answer.sources),
    }
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": cut or finish_of(answer),
                "logprobs": None,
            }
        ],
        "usage": usage_of(answer, counter, prompts, content),
        "sources": [public_source(s) for s in answer.sources],
    }
