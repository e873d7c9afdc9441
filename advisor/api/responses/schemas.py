"""Pydantic models of the Responses API's bodies, for `/openapi.json`.

The route builds its bodies itself (`objects`, `stream`); the tests check those against the
`openai` package's own types, and these models document them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.api.schemas.answers import SourceOut


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ResponseCitation(_Open):
    """A cited source: where its [n] sits in the text (start and end index)."""

    type: Literal["url_citation"]
    url: str
    title: str
    start_index: int
    end_index: int


class OutputText(_Open):
    """The answer text with [n] citations."""

    type: Literal["output_text"]
    text: str
    annotations: list[ResponseCitation]
    logprobs: list[Any] = Field(default_factory=list)


class OutputMessage(_Open):
    """The one output item: the assistant's message."""

    id: str
    type: Literal["message"]
    role: Literal["assistant"]
    status: Literal["in_progress", "completed", "incomplete"]
    content: list[OutputText]


class ResponseUsage(_Open):
    """Token counts: the LLM's own, or counted with a tokenizer offline."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: dict[str, int] = Field(default_factory=dict)
    output_tokens_details: dict[str, int] = Field(default_factory=dict)


class ResponseObject(_Open):
    """A response; `sources` is the advisor's extension (SDKs keep it as an extra field)."""

    id: str = Field(examples=["resp_0123"])
    object: Literal["response"]
    created_at: int
    status: Literal["in_progress", "completed", "incomplete", "failed"]
    model: str = Field(examples=["career-advisor"])
    output: list[OutputMessage]
    usage: ResponseUsage | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    previous_response_id: str | None = None
    sources: list[SourceOut] | None = None


class ResponseEvent(_Open):
    """One `data:` event of a streamed response (its `event:` line repeats `type`)."""

    type: str = Field(examples=["response.output_text.delta"])
    sequence_number: int
    response: ResponseObject | None = None
    item: OutputMessage | None = None
    part: OutputText | None = None
    delta: str | None = None
    text: str | None = None
    annotation: ResponseCitation | None = None
    annotation_index: int | None = None
    item_id: str | None = None
    output_index: int | None = None
    content_index: int | None = None
