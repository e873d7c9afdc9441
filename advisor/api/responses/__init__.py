"""`POST /v1/responses`: OpenAI's Responses API for model `career-advisor`.

Input is a string or a list of messages (the last user message is the question, earlier
turns the history); `previous_response_id` continues a stored response. The output is one
assistant `message` whose `output_text` carries a `url_citation` annotation per cited
`[n]`. The text passes the same guard as Chat Completions: safe pieces, `max_output_tokens`
cut at a safe place, the sources footer (`career_advisor.sources_in_content`), annotations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from advisor.api.common import open_stream, public_answer, strip_footer
from advisor.api.metrics import counted, metrics_of
from advisor.api.openai_compat import OpenAIRoute, limit_user, openai_context, unknown_model
from advisor.api.openai_params import MODEL, OpenAIError, Options
from advisor.api.openai_stream import Ending, limited_text
from advisor.api.responses.objects import Draft
from advisor.api.responses.params import (
    ResponsesRequest,
    check_request,
    conversation,
    prompt_texts,
)
from advisor.api.responses.store import ResponseStore, Stored, Turns
from advisor.api.responses.stream import ResponseStream
from advisor.api.usage import TokenCounter, token_counter, usage_of
from advisor.core import CareerAdvisor
from advisor.errors import AdvisorError, InputError
from advisor.records import Answer

router = APIRouter(tags=["OpenAI-compatible"], route_class=OpenAIRoute)


def response_store(request: Request) -> ResponseStore:
    """The app's store of recent responses (made on first use)."""
    state = request.app.state
    store: ResponseStore | None = getattr(state, "responses", None)
    if store is None:
        store = state.responses = ResponseStore()
    return store


@router.post(
    "/v1/responses",
    summary="Create a response (OpenAI Responses API)",
    response_model=None,
    responses={
        400: {"description": "An invalid or unsupported parameter (error with `param`)"},
        404: {"description": "Unknown model, or previous_response_id not found (or expired)"},
    },
)
async def create_response(body: ResponsesRequest, request: Request) -> Any:
    if body.model != MODEL:
        return unknown_model(body.model)
    advisor, settings, drop = openai_context(request, body)
    options = check_request(body, drop)
    store = response_store(request)
    earlier = _earlier(store, body.previous_response_id)
    question, history = conversation(body, earlier)
    limit_user(request, options.user, settings)
    counter = await run_in_threadpool(token_counter, settings)
    prompts = prompt_texts(body, earlier)
    draft = Draft(body)

    def keep(end: Ending) -> None:
        if body.store:
            turns = (*history, ("user", question), ("assistant", strip_footer(end.content)))
            ids = tuple(s.id for s in end.answer.sources)
            store.put(draft.id, Stored(turns, end.answer.backend, ids))

    if body.stream:
        items = await _open(advisor, question, history)
        reply = ResponseStream(draft, options, counter, prompts, keep)
        return StreamingResponse(
            reply.events(counted(items, request), request.app.state.secrets),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    try:
        answer = public_answer(await run_in_threadpool(advisor.ask, question, history))
    except InputError as exc:
        raise OpenAIError(str(exc), "input", "invalid_value") from None
    if metrics := metrics_of(request):
        metrics.answered(answer)
    end = await _whole(answer, options, counter)
    keep(end)
    return draft.finished(end, usage_of(answer, counter, prompts, end.content))


def _earlier(store: ResponseStore, previous: str | None) -> Turns:
    """The stored turns `previous_response_id` continues (none without one)."""
    if previous is None:
        return ()
    stored = store.get(previous)
    if stored is None:
        message = f"Previous response with id {previous!r} not found (or expired)."
        raise OpenAIError(
            message, "previous_response_id", "previous_response_not_found", status=404
        )
    return stored.turns


async def _whole(answer: Answer, options: Options, counter: TokenCounter) -> Ending:
    """The whole answer through the same guard as the stream: limited, footer, annotations."""

    async def once() -> AsyncIterator[str | Answer]:
        yield answer.text
        yield answer

    items = [item async for item in limited_text(once(), options, counter)]
    endings = [item for item in items if isinstance(item, Ending)]
    return endings[-1]  # the answer came, so the guard ended with it


async def _open(
    advisor: CareerAdvisor, question: str, history: list[tuple[str, str]]
) -> AsyncIterator[str | Answer]:
    try:
        return await open_stream(advisor, question, history, fail_early=(AdvisorError,))
    except InputError as exc:
        raise OpenAIError(str(exc), "input", "invalid_value") from None
