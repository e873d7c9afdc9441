"""OpenAI-compatible routes: `/v1/chat/completions` and `/v1/models` for model `career-advisor`.

Any OpenAI client can talk to the advisor. The last user message is the question and
earlier user/assistant turns are the history; system messages are ignored (the
advisor keeps its own rules). Each cited source is a `url_citation` annotation on
`message.annotations` (`delta.annotations` in the last stream chunk), and by default
also a "Sources" list at the end of the text; the extra `sources` field carries them
all. `usage` is the language model's own report, else a count with the embedding
model's tokenizer (advisor/api/usage.py). Request checks live in `openai_params`,
annotations and limits in `openai_text`.
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
    describe_error,
    open_stream,
    public_answer,
    public_source,
    sources_footer,
    sse,
    strip_footer,
)
from advisor.api.guard import RateLimiter, error_body
from advisor.api.openai_params import (
    DROP_HEADER,
    MODEL,
    ChatMessage,
    ChatRequest,
    OpenAIError,
    Options,
    check_request,
    validation_error,
    wants_drop,
)
from advisor.api.openai_text import Truncator, annotations, limit_text
from advisor.api.usage import TokenCounter, token_counter
from advisor.core import CareerAdvisor
from advisor.errors import AdvisorError, InputError
from advisor.records import Answer, Usage
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
    error = OpenAIError(message, "model", "model_not_found", status=404)
    return error.response()


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
    settings: Settings = getattr(request.app.state, "settings", None) or advisor.settings
    drop = wants_drop(request.headers.get(DROP_HEADER), body, settings.drop_unsupported)
    options = check_request(body, drop)
    try:
        question, history = split_messages(body.messages)
    except InputError as exc:
        raise OpenAIError(str(exc), "messages", "invalid_value") from None
    _limit_user(request, options.user, settings)
    counter = await run_in_threadpool(token_counter, settings)
    prompts = [_text(m.content) for m in body.messages]
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        items = await _open(advisor, question, history)
        reply = _Reply(completion_id, created, options, counter, prompts)
        return StreamingResponse(
            reply.events(items, request.app.state.secrets),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    try:
        answer = public_answer(await run_in_threadpool(advisor.ask, question, history))
    except InputError as exc:
        raise OpenAIError(str(exc), "messages", "invalid_value") from None
    return _completion(answer, completion_id, created, options, counter, prompts)


async def _open(
    advisor: CareerAdvisor, question: str, history: list[tuple[str, str]]
) -> AsyncIterator[str | Answer]:
    try:
        return await open_stream(advisor, question, history, fail_early=(AdvisorError,))
    except InputError as exc:
        raise OpenAIError(str(exc), "messages", "invalid_value") from None


def _limit_user(request: Request, user: str | None, settings: Settings) -> None:
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


def _finish(answer: Answer) -> str:
    return "length" if answer.incomplete else "stop"


def _usage(answer: Answer | None, counter: TokenCounter, prompts: list[str], text: str) -> Any:
    """The model's reported usage, else one counted with the embedding model's tokenizer."""
    used = answer.usage if answer is not None and answer.usage else None
    used = used or counter.usage(prompts, text)
    return _usage_json(used)


def _usage_json(used: Usage) -> dict[str, int]:
    total = used.prompt_tokens + used.completion_tokens
    return {
        "prompt_tokens": used.prompt_tokens,
        "completion_tokens": used.completion_tokens,
        "total_tokens": total,
    }


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
        "annotations": annotations(content, len(answer.text), answer.sources),
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
                "finish_reason": cut or _finish(answer),
                "logprobs": None,
            }
        ],
        "usage": _usage(answer, counter, prompts, content),
        "sources": [public_source(s) for s in answer.sources],
    }


class _Reply:
    """One streamed completion: chunks of safe text, limited, then annotations and usage."""

    def __init__(
        self,
        completion_id: str,
        created: int,
        options: Options,
        counter: TokenCounter,
        prompts: list[str],
    ) -> None:
        self.id, self.created, self.options = completion_id, created, options
        self.counter, self.prompts = counter, prompts
        self.truncator = Truncator(options.limits, counter)

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        """One `chat.completion.chunk` event."""
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL,
            "choices": [choice],
            **extra,
        }
        if self.options.include_usage:
            data.setdefault("usage", None)
        return sse(data)

    async def events(self, items: AsyncIterator[str | Answer], secrets: Any) -> AsyncIterator[str]:
        """The whole stream: role, content pieces, the last chunk, usage, [DONE] (or an error)."""
        yield self.chunk({"role": "assistant", "content": ""})
        try:
            answer: Answer | None = None
            body = 0  # characters of answer text pushed (the rest is the sources footer)
            async for item in items:
                if isinstance(item, Answer):
                    answer = item
                    continue
                body += len(item)
                piece = self.truncator.push(item)  # past a limit: drained, not sent
                if piece:
                    yield self.chunk({"content": piece})
            if answer is not None:
                for event in self._ending(answer, body):
                    yield event
        except AdvisorError as exc:
            _, kind, message = describe_error(exc, secrets)
            yield sse(error_body(message, kind))
        except Exception:
            log.exception("streamed chat completion failed")
            yield sse(error_body("internal error while answering", "server_error"))
        yield sse("[DONE]")

    def _ending(self, answer: Answer, body: int) -> list[str]:
        """The rest of the text, the finishing chunk with annotations, then the usage chunk."""
        events = []
        footer = sources_footer(answer) if self.options.sources_in_content else ""
        rest = self.truncator.push(footer) + self.truncator.close()
        if rest:
            events.append(self.chunk({"content": rest}))
        content = self.truncator.sent
        marks = annotations(content, min(body, len(content)), answer.sources)
        finish = self.truncator.finish or _finish(answer)
        sources = [public_source(s) for s in answer.sources]
        events.append(self.chunk({"annotations": marks}, finish, sources=sources))
        if self.options.include_usage:
            usage = _usage(answer, self.counter, self.prompts, content)
            events.append(self.chunk_usage(usage))
        return events

    def chunk_usage(self, usage: dict[str, int]) -> str:
        """The last chunk when `stream_options.include_usage` is set: no choices, the usage."""
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL,
            "choices": [],
            "usage": usage,
        }
        return sse(data)
