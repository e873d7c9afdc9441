"""Pydantic models of the advisor's own requests and responses, as `/openapi.json` shows them.

Response models allow extra fields, so a field added to a record's `to_dict` still reaches
clients; the API tests validate real responses against these models to catch drift.
The OpenAI-compatible shapes live in `advisor.api.openai_schemas`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FILTERS_DOC = (
    "Metadata filter: {field: value} or {field: {operator: value}}; fields and operators "
    "are checked by the advisor (a bad one is a 400 naming what is allowed), e.g. "
    '{"kind": {"$ne": "guide"}}.'
)


class _Open(BaseModel):
    """A response body: documented fields, and any the advisor adds later kept."""

    model_config = ConfigDict(extra="allow")


# --- errors -------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    """What went wrong, in OpenAI's error shape."""

    message: str = Field(description="One readable line; never a traceback or a secret.")
    type: str = Field(examples=["invalid_request_error"])
    param: str | None = Field(default=None, description="The request field at fault, if any.")
    code: str | None = None


class Error(BaseModel):
    """The one error envelope of every route: {"error": {message, type, param, code}}."""

    error: ErrorDetail


# --- requests -----------------------------------------------------------------------------
class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    """A question and, optionally, the conversation so far (oldest first)."""

    question: str = Field(examples=["PyTorch or TensorFlow first?"])
    history: list[Turn] = Field(default_factory=list)
    k: int | None = Field(
        default=None, description="Sources to retrieve: 1..ADVISOR_MAX_K (default ADVISOR_TOP_K)."
    )
    filters: dict[str, Any] | None = Field(default=None, description=FILTERS_DOC)

    def turns(self) -> list[tuple[str, str]]:
        return [(t.role, t.content) for t in self.history]


class RetrieveRequest(BaseModel):
    """A search over the indexed passages, without composing an answer."""

    query: str = Field(examples=["experiment tracking"])
    k: int | None = Field(
        default=None, description="Sources to return: 1..ADVISOR_MAX_K (default ADVISOR_TOP_K)."
    )
    filters: dict[str, Any] | None = Field(
        default=None, description=FILTERS_DOC, examples=[{"kind": {"$ne": "guide"}}]
    )


Level = Literal["none", "some", "solid"]


class Skills(BaseModel):
    """What the learner knows already; leave a skill out when unknown."""

    model_config = ConfigDict(extra="forbid")

    python: Level | None = None
    math: Level | None = None
    classical_ml: Level | None = None
    deep_learning: Level | None = None
    mlops: Level | None = None


class PlanRequest(BaseModel):
    """A profile, a chat message describing the learner, or both (the profile's fields win)."""

    skills: Skills = Field(default_factory=Skills)
    hours_per_week: float | None = Field(default=None, gt=0, le=112, examples=[10])
    target_role: str | None = Field(default=None, examples=["Machine Learning Engineer"])
    programming: Literal["none", "some", "professional"] | None = Field(
        default=None, description="General programming experience, in any language."
    )
    programming_language: str | None = Field(default=None, max_length=30, examples=["Java"])
    message: str | None = Field(
        default=None, examples=["I'm a Java developer with no math, 8 hours a week"]
    )

    def profile(self) -> dict[str, Any]:
        data: dict[str, Any] = {"skills": self.skills.model_dump(exclude_none=True)}
        if self.hours_per_week is not None:
            data["hours_per_week"] = self.hours_per_week
        if self.target_role is not None:
            data["target_role"] = self.target_role
        for name in ("programming", "programming_language"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data


# --- answers and sources ------------------------------------------------------------------
class SourceOut(_Open):
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


class Answer(_Open):
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


class Retrieved(_Open):
    """The best passages for a query, best first, with their scores."""

    query: str
    k: int
    count: int
    sources: list[SourceOut]


class Document(_Open):
    """One indexed document."""

    title: str
    url: str
    source: str
    kind: str
    origin: str
    trusted: bool
    chunks: int


class Documents(_Open):
    """The indexed documents."""

    count: int
    documents: list[Document]


class AskEvent(BaseModel):
    """The `/v1/ask/stream` events: `delta` {text}*, then `sources` {sources} and `done`
    (the Answer without sources), or `error` {message, type, param, code, status}."""

    text: str | None = None
    sources: list[SourceOut] | None = None


# --- health -------------------------------------------------------------------------------
class Health(BaseModel):
    """The process is up."""

    status: Literal["ok"]


class Ready(_Open):
    """The store answered and the model is loaded; the backend is named by kind only."""

    status: Literal["ready"]
    chunks: int
    backend: str = Field(examples=["extractive", "openai", "fake"])
    llm: str = Field(examples=["offline", "openai-compatible"])


class NotReady(BaseModel):
    """Still starting, or the store is unreachable (503 with Retry-After)."""

    status: Literal["starting", "unavailable"]
    detail: str


# --- plan and roles -----------------------------------------------------------------------
class PlanResource(_Open):
    """A resource card serving a step; `citation` is its [n] in the plan's sources."""

    title: str
    url: str
    cost: str
    level: str
    citation: int


class PlanStep(_Open):
    """One guide step as it applies to this learner."""

    number: int
    title: str
    status: str = Field(description='"full", "shortened" or "skipped".', examples=["full"])
    why: str = Field(description="The guide's own reason, verbatim.")
    citation: int
    topics: list[str]
    resources: list[PlanResource]
    notes: list[str]


class Timeline(_Open):
    """A month range scaled from the guide's figure, with every factor as an assumption."""

    low_months: int | None
    high_months: int | None
    text: str
    assumptions: list[str]
    drivers: list[str] = Field(description="What drives the estimate, in words, biggest first.")


class Plan(_Open):
    """A learning plan: steps in the guide's order, the timeline and numbered sources."""

    profile: dict[str, Any]
    missing: list[str]
    steps: list[PlanStep]
    timeline: Timeline
    sources: list[SourceOut]
    markdown: str
    found_in_message: dict[str, Any] = Field(description="What `message` said about the learner.")


class RoleCell(_Open):
    """One role's entry for one aspect: guide quotes, cited, or "Not covered by the guide."."""

    role: str
    aspect: str
    covered: bool
    text: str
    quotes: list[str]
    citations: list[int]


class RoleComparison(_Open):
    """The three roles side by side, every cell a cited guide quote."""

    roles: list[str]
    aspects: list[str]
    cells: list[RoleCell]
    sources: list[SourceOut]
    markdown: str
