"""Pydantic models of the OpenAI-compatible responses, for `/openapi.json`.

They document `/v1/chat/completions` (JSON and `text/event-stream`) and `/v1/models`;
the route builds its bodies itself, and the API tests validate those against these models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.api.schemas.answers import SourceOut


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class UrlCitation(_Open):
    """Where a cited source's [n] sits in the content (start and end index)."""

    title: str
    url: str = ""
    start_index: int
    end_index: int


class Annotation(_Open):
    """A citation of one source, as OpenAI's web-search answers carry it."""

    type: Literal["url_citation"]
    url_citation: UrlCitation


class Message(_Open):
    """The assistant's message: the answer text with [n] citations."""

    role: Literal["assistant"]
    content: str | None
    refusal: str | None = None
    annotations: list[Annotation] | None = None


class Choice(_Open):
    """The one choice of a completion."""

    index: int
    message: Message
    finish_reason: str | None = Field(examples=["stop", "length"])
    logprobs: Any = None


class Usage(_Open):
    """Token counts: the LLM's own, or counted with a tokenizer offline."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(_Open):
    """A chat completion; `sources` is the advisor's extension (SDKs drop unknown fields)."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str = Field(examples=["career-advisor"])
    choices: list[Choice]
    usage: Usage | None = None
    sources: list[SourceOut] | None = None


class Delta(_Open):
    """The part of the message a chunk adds."""

    role: Literal["assistant"] | None = None
    content: str | None = None
    annotations: list[Annotation] | None = None


class ChunkChoice(_Open):
    """The one choice of a streamed chunk."""

    index: int
    delta: Delta
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(_Open):
    """One `data:` event of a streamed completion; the stream ends with `data: [DONE]`."""

    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    sources: list[SourceOut] | None = None


class Model(_Open):
    """A model card."""

    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(_Open):
    """The models this server offers (just career-advisor)."""

    object: Literal["list"]
    data: list[Model]
