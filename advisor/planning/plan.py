"""A learning plan and a timeline, computed from the guide's steps and the resource cards.

Deterministic: the steps are the guide's numbered sections in order, each kept,
shortened or skipped by what the learner says they know; resources are the cards
whose `guide_step` names the step. Every reason is a verbatim guide passage, cited.
The timeline scales the guide's own month range; each factor is stated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from advisor.planning.markdown import render
from advisor.planning.outline import Citations, Outline
from advisor.planning.profile import SKILLS, Profile
from advisor.planning.roles import MLOPS_QUOTE, QUOTES
from advisor.records import Source

STEP_SKILL = {2: "math", 3: "python", 4: "classical_ml", 5: "deep_learning", 6: "mlops"}
"""Which profile skill each guide step teaches; steps 1 (roles) and 7 (portfolio) stay."""
STATUS = {"none": "full", "some": "shortened", "solid": "skipped"}
SHARE = {"full": 1.0, "shortened": 0.5, "skipped": 0.0}
"""Share of a step's time still ahead (an assumption the timeline states)."""
_LEVEL_ORDER = {"beginner": 0, "intermediate": 1, "advanced": 2}
_RANGE = r"(\d+)\s*[–-]\s*(\d+)\s+months"


@dataclass(frozen=True)
class PlanResource:
    """A resource card serving a step; `citation` is its [n]."""

    title: str
    url: str
    cost: str
    level: str
    citation: int


@dataclass(frozen=True)
class PlanStep:
    """One guide step as it applies to this learner."""

    number: int
    title: str
    status: str
    """"full", "shortened" (the learner knows some of it) or "skipped" (knows it well)."""
    why: str
    """The guide's own reason for the step, verbatim."""
    citation: int
    topics: tuple[str, ...] = ()
    resources: tuple[PlanResource, ...] = ()
    notes: tuple[str, ...] = ()
    """Why the status is what it is, and role-specific guide quotes with their [n]."""


@dataclass(frozen=True)
class Timeline:
    """A month range computed from the guide's figure; every factor listed as an assumption."""

    low_months: int | None
    high_months: int | None
    assumptions: tuple[str, ...]

    @property
    def covered(self) -> bool:
        """False when the sources give no month range to start from."""
        return self.low_months is not None

    def text(self) -> str:
        """ "About 8–16 months" or the not-covered note."""
        if not self.covered:
            return "The sources give no duration to estimate from."
        return f"About {self.low_months}–{self.high_months} months"


@dataclass(frozen=True)
class Plan:
    """Steps in the guide's order, the timeline, and the numbered sources they cite."""

    profile: Profile
    steps: tuple[PlanStep, ...]
    timeline: Timeline
    sources: list[Source] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """What the learner has not said yet (the plan assumes "none" / the reference hours)."""
        return self.profile.missing()

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `POST /v1/plan`."""
        return {
            "profile": self.profile.to_dict(),
            "missing": self.missing,
            "steps": [
                {
                    "number": s.number,
                    "title": s.title,
                    "status": s.status,
                    "why": s.why,
                    "citation": s.citation,
                    "topics": list(s.topics),
                    "resources": [vars(r) for r in s.resources],
                    "notes": list(s.notes),
                }
                for s in self.steps
            ],
            "timeline": {
                "low_months": self.timeline.low_months,
                "high_months": self.timeline.high_months,
                "text": self.timeline.text(),
                "assumptions": list(self.timeline.assumptions),
            },
            "sources": [s.to_dict() for s in self.sources],
        }

    def to_markdown(self, done: frozenset[int] = frozenset()) -> str:
        """The plan as a Markdown document with checkboxes (`done`: step numbers ticked)."""
        return render(self, done)


def build_plan(outline: Outline, profile: Profile, reference_hours: float) -> Plan:
    """The learner's plan: the guide's steps, kept, shortened or skipped, with cited reasons."""
    cite = Citations()  # sources numbered in reading order: timeline first, then the steps
    statuses = [status_of(n, profile) for n in sorted(outline.steps)]
    timeline = estimate_timeline(outline, profile, statuses, reference_hours, cite)
    steps = [_step(outline, n, profile, cite) for n in sorted(outline.steps)]
    return Plan(profile, tuple(steps), timeline, cite.sources)


def status_of(number: int, profile: Profile) -> str:
    """ "full", "shortened" or "skipped": what the learner's stated level leaves of a step."""
    skill = STEP_SKILL.get(number)
    return STATUS[profile.level(skill)] if skill else "full"


def _step(outline: Outline, number: int, profile: Profile, cite: Citations) -> PlanStep:
    guide = outline.steps[number]
    skill = STEP_SKILL.get(number)
    status = status_of(number, profile)
    why_citation = cite.cite(guide.chunk)
    notes: list[str] = []
    if skill:
        label = SKILLS[skill]
        stated = getattr(profile, skill)
        if stated is None:
            notes.append(f"You have not said your {label} level, so the whole step is kept.")
        elif status != "full":
            notes.append(f"You rated your {label} as '{stated}', so this step is {status}.")
    notes += _role_notes(outline, number, profile, cite)
    resources: tuple[PlanResource, ...] = ()
    if status != "skipped":
        cards = sorted(
            outline.cards.get(number, []), key=lambda c: (_LEVEL_ORDER.get(c.level, 3), c.title)
        )
        resources = tuple(
            PlanResource(c.title, c.url, c.cost, c.level, cite.cite(c.chunk)) for c in cards
        )
    return PlanStep(
        number=number,
        title=guide.title,
        status=status,
        why=guide.intro.rstrip(":").strip(),
        citation=why_citation,
        topics=guide.topics if status != "skipped" else (),
        resources=resources,
        notes=tuple(notes),
    )


def _role_notes(outline: Outline, number: int, profile: Profile, cite: Citations) -> list[str]:
    """Step 1 quotes the target role's focus; step 6 quotes what sets ML engineers apart."""
    role = profile.target_role
    if not role:
        return []
    quotes = {1: QUOTES.get((role, "Focus"), ()), 6: (MLOPS_QUOTE,)}.get(number, ())
    notes = []
    for quote in quotes:
        chunk = outline.find(quote)
        if chunk is not None:
            notes.append(f"For your target role ({role}): “{quote}” [{cite.cite(chunk)}]")
    return notes


def estimate_timeline(
    outline: Outline,
    profile: Profile,
    statuses: list[str],
    reference_hours: float,
    cite: Citations,
) -> Timeline:
    """Scale the guide's month range by the work left and the learner's weekly hours."""
    found = outline.sentence_with(_RANGE)
    if found is None:
        return Timeline(None, None, ("The sources state no month range for the path.",))
    sentence, chunk = found
    n = cite.cite(chunk)
    match = re.search(_RANGE, sentence)
    assert match is not None
    low, high = int(match.group(1)), int(match.group(2))
    assumptions = [f"The guide: “{sentence}” [{n}]"]
    faster = outline.sentence_with(r"move faster|faster")
    if faster is not None:
        assumptions.append(f"The guide: “{faster[0]}” [{cite.cite(faster[1])}]")
    share = sum(SHARE[s] for s in statuses) / max(1, len(statuses))
    left, short = statuses.count("full"), statuses.count("shortened")
    assumptions.append(
        f"Assumption (not from the guide): the {low}–{high} months are spread evenly over the "
        f"guide's {len(statuses)} steps; a step you know some of counts half, one you know well "
        f"counts nothing. You have {left} full and {short} shortened steps: "
        f"{share:.0%} of the path."
    )
    hours = profile.hours_per_week
    if hours is None:
        hours = reference_hours
        assumptions.append(
            f"You have not said your weekly hours; the estimate uses {reference_hours:g} hours "
            "a week (see the next assumption)."
        )
    pace = reference_hours / hours
    assumptions.append(
        f"Assumption (not from the guide): “dedicated learning” means {reference_hours:g} "
        f"hours a week; at {hours:g} hours a week the time scales by {pace:.2g}×."
    )
    lo = max(1, math.floor(round(low * share * pace, 6)))  # round first: 7.9999999 is 8
    hi = max(lo, math.ceil(round(high * share * pace, 6)))
    assumptions.append(f"{low}–{high} months × {share:.0%} × {pace:.2g} = {lo}–{hi} months.")
    return Timeline(lo, hi, tuple(assumptions))
