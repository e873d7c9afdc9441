"""The bodies of `/v1/plan` (a learning plan) and `/v1/roles/compare` (the role comparison)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from advisor.api.schemas.answers import SourceOut
from advisor.api.schemas.base import NONBLANK, RequestBody, ResponseBody
from advisor.planning.roles import ROLES

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

Level = Literal["none", "some", "solid"]


class Skills(RequestBody):
    """What the learner knows already; leave a skill out when unknown."""

    python: Level | None = None
    math: Level | None = None
    classical_ml: Level | None = None
    deep_learning: Level | None = None
    mlops: Level | None = None


class PlanRequest(RequestBody):
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


class PlanResource(ResponseBody):
    """A resource card serving a step; `citation` is its [n] in the plan's sources."""

    title: str
    url: str
    cost: str
    level: str
    citation: int


class PlanStep(ResponseBody):
    """One guide step as it applies to this learner."""

    number: int
    title: str
    status: str = Field(description='"full", "shortened" or "skipped".', examples=["full"])
    why: str = Field(description="The guide's own reason, verbatim.")
    citation: int
    topics: list[str]
    resources: list[PlanResource]
    notes: list[str]


class Timeline(ResponseBody):
    """A month range scaled from the guide's figure, with every factor as an assumption."""

    low_months: int | None
    high_months: int | None
    text: str
    assumptions: list[str]
    drivers: list[str] = Field(description="What drives the estimate, in words, biggest first.")


class Plan(ResponseBody):
    """A learning plan: steps in the guide's order, the timeline and numbered sources."""

    profile: dict[str, Any]
    missing: list[str]
    steps: list[PlanStep]
    timeline: Timeline
    sources: list[SourceOut]
    markdown: str
    found_in_message: dict[str, Any] = Field(description="What `message` said about the learner.")


class RoleCell(ResponseBody):
    """One role's entry for one aspect: guide quotes, cited, or "Not covered by the guide."."""

    role: str
    aspect: str
    covered: bool
    text: str
    quotes: list[str]
    citations: list[int]


class RoleComparison(ResponseBody):
    """The three roles side by side, every cell a cited guide quote."""

    roles: list[str]
    aspects: list[str]
    cells: list[RoleCell]
    sources: list[SourceOut]
    markdown: str
