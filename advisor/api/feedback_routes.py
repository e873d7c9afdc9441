"""`POST /v1/feedback`: a thumbs up or down, and an optional comment, for one answer.

Ratings go through `advisor.feedback` into the same store the chat app writes and
`advisor feedback` lists (ADVISOR_FEEDBACK_DB). `answer_id` names the answer: the `id` of a
`/v1/responses` response this server still holds (its question, answer text, backend and
sources are recorded), or any id of the client's own, sent with the `question` and `answer`
it rated. Rating the same id again changes that row instead of adding one: the answer id is
kept in the row (unique), so this holds across restarts and for every server on the database.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from advisor.api.common import advisor_of
from advisor.api.openai_compat import OpenAIRoute
from advisor.api.openai_params import OpenAIError
from advisor.api.responses import response_store
from advisor.feedback import MAX_COMMENT_CHARS, FeedbackRecord, FeedbackStore

router = APIRouter(tags=["Feedback"], route_class=OpenAIRoute)
_RATINGS = {"up": 1, "down": 0}


class FeedbackIn(BaseModel):
    """A rating of one answer; `question`, `answer` and `source_ids` are needed only when the
    server does not hold the answer (an id of the client's own, or an expired response)."""

    model_config = ConfigDict(extra="forbid")
    answer_id: str = Field(min_length=1, max_length=128, examples=["resp_0123"])
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS)
    question: str | None = Field(None, min_length=1, max_length=10_000)
    answer: str | None = Field(None, min_length=1, max_length=100_000)
    source_ids: list[str] | None = Field(None, max_length=50)


class FeedbackOut(BaseModel):
    """The stored rating: its row (as `advisor feedback --json` shows it) and whether an
    earlier rating of the same answer was changed."""

    id: int
    answer_id: str
    rating: Literal["up", "down"]
    updated: bool


def _store(request: Request) -> FeedbackStore:
    """The app's feedback store (made on first use)."""
    state = request.app.state
    if getattr(state, "feedback", None) is None:
        state.feedback = FeedbackStore.from_settings(advisor_of(request).settings)
    store: FeedbackStore = state.feedback
    return store


@router.post(
    "/v1/feedback",
    summary="Rate an answer (thumbs up or down, optional comment)",
    response_model=FeedbackOut,
    responses={404: {"description": "The answer is not held here and was not sent with it"}},
)
async def rate(body: FeedbackIn, request: Request) -> FeedbackOut:
    store = _store(request)
    rating = _RATINGS[body.rating]
    row = await run_in_threadpool(
        lambda: store.rerate(body.answer_id, rating=rating, comment=body.comment)
    )
    if row is not None:
        return FeedbackOut(id=row, answer_id=body.answer_id, rating=body.rating, updated=True)
    record = _record(request, body, rating)  # a first rating: from the held response or body
    added, updated = await run_in_threadpool(store.rate_answer, body.answer_id, record)
    return FeedbackOut(id=added, answer_id=body.answer_id, rating=body.rating, updated=updated)


def _record(request: Request, body: FeedbackIn, rating: int) -> FeedbackRecord:
    """The new row: from the response this server holds, else from what the client sent."""
    held = response_store(request).get(body.answer_id)
    if held is not None and len(held.turns) >= 2:
        (_, question), (_, answer) = held.turns[-2:]
        backend, sources = held.backend, list(held.source_ids)
    elif body.question and body.answer:
        question, answer = body.question, body.answer
        backend = advisor_of(request).settings.resolved_backend
        sources = list(body.source_ids or [])
    else:
        message = (
            f"no answer {body.answer_id!r} is held here (a /v1/responses id is kept for a "
            "limited time): send the question and answer you rated with it"
        )
        raise OpenAIError(message, "answer_id", "answer_not_found", status=404)
    return FeedbackRecord(
        question=question,
        answer=answer,
        backend=backend,
        source_ids=sources,
        rating=rating,
        comment=body.comment or "",
    )
