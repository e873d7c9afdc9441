"""Pydantic models of the advisor's own requests and responses, as `/openapi.json` shows them.

Response models allow extra fields, so a field added to a record's `to_dict` still reaches
clients; the API tests validate real responses against these models to catch drift.
The OpenAI-compatible shapes live in `advisor.api.openai_schemas`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from advisor.planning.roles import ROLES

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
NONBLANK = (
    "[^\\u0000\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029"
    "\\u202f\\u205f\\u3000]"
)
"""A character that is neither whitespace nor NUL: what a question must contain (the
advisor strips both, and an empty question is refused)."""
LANGUAGE = r"^[A-Za-z][A-Za-z0-9+#. -]{0,29}$"
"""A programming language's name, as the plan's profile takes it."""
ROLE_NAMES = (
    *ROLES,
    "machine learning engineer",
    "ml engineer",
    "data scientist",
    "data science",
    "applied ai engineer",
    "ai engineer",
    "llm engineer",
)
"""The target roles, and the lowercase names the plan reads as them."""


def whole(value: Any) -> Any:
    """12.0 is the JSON integer 12 (JSON Schema says so); "12" and true stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(whole)]
"""A JSON integer: a whole number, never a string or a boolean."""
Positive = Annotated[int, Field(ge=1), BeforeValidator(whole)]
"""A JSON integer from 1 up."""


class _Request(BaseModel):
    """A request body: JSON types exactly as documented ("3" is not a number), no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Turn(_Request):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str


class AskRequest(_Request):
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


class RetrieveRequest(_Request):
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


Level = Literal["none", "some", "solid"]


class Skills(_Request):
    """What the learner knows already; leave a skill out when unknown."""

    python: Level | None = None
    math: Level | None = None
    classical_ml: Level | None = None
    deep_learning: Level | None = None
    mlops: Level | None = None


class PlanRequest(_Request):
    """A profile, a chat message describing the learner, or both (the profile's fields win)."""

    skills: Skills = Field(default_factory=Skills)
    hours_per_week: float | None = Field(default=None, ge=1, le=112, examples=[10])
    target_role: Literal[ROLE_NAMES] | None = Field(  # type: ignore[valid-type]
        default=None, examples=["Machine Learning Engineer"]
    )
    programming: Literal["none", "some", "professional"] | None = Field(
        default=None, description="General programming experience, in any language."
    )
    programming_language: str | None = Field(default=None, pattern=LANGUAGE, examples=["Java"])
    message: str | None = Field(
        default=None,
        description="What the learner says about themselves, in their words: empty, or up to "
        "ADVISOR_MAX_QUESTION_CHARS characters, not all whitespace.",
        examples=["I'm a Java developer with no math, 8 hours a week"],
    )
    about: str | None = Field(
        default=None,
        description="The same as `message` (the CLI's `--about`); when both are given, both "
        "are read, `about` last.",
    )

    @field_validator("message", "about")
    @classmethod
    def _said_something(cls, text: str | None) -> str | None:
        if text and not re.search(NONBLANK, text):
            raise ValueError("must be empty or hold text other than whitespace")
        return text

    def texts(self) -> list[tuple[str, str]]:
        """(field, text) of what the learner said about themselves: `message`, then `about`."""
        return [(name, t) for name, t in (("message", self.message), ("about", self.about)) if t]

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
    top_section: str = Field(default="", description="The first heading of `section`.")
    root: str = Field(default="", description='Where it was ingested from ("bundled" if shipped).')
    doc_key: str = Field(default="", description="Its document's identity in the store.")
    step: int = Field(default=0, description="The guide step (1-7) a resource card serves; else 0.")
    cost: str = Field(default="", description='A card\'s cost as stated ("free", "paid"); else "".')
    level: str = Field(default="", description='A card\'s level ("beginner", ...); else "".')


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
    version: str = Field(description="The installed career-advisor version.", examples=["0.1.0"])


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
