"""The bodies of `/v1/ask` (and its stream), `/v1/retrieve` and `/v1/sources`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from advisor.api.schemas.base import NONBLANK, Positive, RequestBody, ResponseBody

FILTERS_DOC = (
    "Metadata filter: {field: value} or {field: {operator: value}}; fields and operators "
    "are checked by the advisor (a bad one is a 400 naming what is allowed), e.g. "
    '{"kind": {"$ne": "guide"}}.'
)


class Turn(RequestBody):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str


class AskRequest(RequestBody):
    """A question and, optionally, the conversation so far (oldest first)."""

    question: str = Field(
        pattern=NONBLANK,
        description="Up to ADVISOR_MAX_QUESTION_CHARS characters, not all whitespace.",
        examples=["PyTorch or TensorFlow first?"],
    )
    history: list[Turn] = Field(default_factory=list)
    k: Positive | None = Field(
        default=None,
        description="Sources to retrieve: 1..ADVISOR_MAX_K (default ADVISOR_TOP_K).",
    )
    filters: dict[str, Any] | None = Field(default=None, description=FILTERS_DOC)

    def turns(self) -> list[tuple[str, str]]:
        return [(t.role, t.content) for t in self.history]


class RetrieveRequest(RequestBody):
    """A search over the indexed passages, without composing an answer."""

    query: str = Field(
        pattern=NONBLANK,
        description="Up to ADVISOR_MAX_QUESTION_CHARS characters, not all whitespace.",
        examples=["experiment tracking"],
    )
    k: Positive | None = Field(
        default=None,
        description="Sources to return: 1..ADVISOR_MAX_K (default ADVISOR_TOP_K).",
    )
    filters: dict[str, Any] | None = Field(
        default=None, description=FILTERS_DOC, examples=[{"kind": {"$ne": "guide"}}]
    )


class SourceOut(ResponseBody):
    """A retrieved passage, cited as [n] by its position in the list (1-based)."""

    id: str
    text: str
    title: str
    section: str
    source: str = Field(description="The document's path or URL as ingested.")
    url: str = Field(description="An http(s) link, or empty.")
    score: float = Field(description="Fused relevance score, higher is better.")
    cited: bool
    origin: str = Field(description="Where a user-added document came from; empty if bundled.")
    trusted: bool
    flagged: str = Field(description="Injection rules the passage trips, or empty.")
    kind: str = Field(default="", description='"guide", or the kind of a resource card.')
    top_section: str = Field(default="", description="The first heading of `section`.")
    root: str = Field(default="", description='Where it was ingested from ("bundled" if shipped).')
    doc_key: str = Field(default="", description="Its document's identity in the store.")
    step: int = Field(default=0, description="The guide step (1-7) a resource card serves; else 0.")
    cost: str = Field(default="", description='A card\'s cost as stated ("free", "paid"); else "".')
    level: str = Field(default="", description='A card\'s level ("beginner", ...); else "".')


class Answer(ResponseBody):
    """An answer with [n] citations into `sources`."""

    answer: str
    sources: list[SourceOut]
    backend: str = Field(examples=["extractive"])
    refused: bool = Field(description="True when the sources do not cover the question.")
    question: str = Field(description="The standalone question searched for.")
    incomplete: bool = Field(description="True when an LLM answer was cut short.")
    unsupported_numbers: list[str]
    warning: str
    fallback: str = Field(
        default="",
        description='Why this is the offline answer instead of the model\'s: "" (it is not), '
        '"ungrounded" (the model\'s answer cited none of its sources), "error" (it failed).',
    )


class Retrieved(ResponseBody):
    """The best passages for a query, best first, with their scores."""

    query: str
    k: int
    count: int
    sources: list[SourceOut]


class Document(ResponseBody):
    """One indexed document."""

    title: str
    url: str
    source: str
    kind: str
    origin: str
    trusted: bool
    chunks: int


class Documents(ResponseBody):
    """The indexed documents."""

    count: int
    documents: list[Document]


class AskEvent(BaseModel):
    """The `/v1/ask/stream` events: `delta` {text}*, then `sources` {sources} and `done`
    (the Answer without sources), or `error` {message, type, param, code, status}."""

    text: str | None = None
    sources: list[SourceOut] | None = None
