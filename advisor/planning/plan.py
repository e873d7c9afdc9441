"""A learning plan and a timeline, computed from the guide's steps and the resource cards.

Deterministic: the steps are the guide's numbered sections in order, each kept,
shortened or skipped by what the learner says they know; resources are the cards
whose `guide_step` names the step. Every reason is a verbatim guide passage, cited.
The timeline scales the guide's own month range; each factor is stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.planning.markdown import render
from advisor.planning.outline import Citations, Outline
from advisor.planning.profile import SKILLS, Profile
from advisor.planning.roles import MLOPS_QUOTE, QUOTES, RoleComparison, compare_roles
from advisor.planning.timeline import StepCut, Timeline, estimate_timeline
from advisor.records import Source

if TYPE_CHECKING:
    from collections.abc import Iterable

STEP_SKILL = {2: "math", 3: "python", 4: "classical_ml", 5: "deep_learning", 6: "mlops"}
"""Which profile skill each guide step teaches; steps 1 (roles) and 7 (portfolio) stay."""
STATUS = {"none": "full", "some": "shortened", "solid": "skipped"}
_LEVEL_ORDER = {"beginner": 0, "intermediate": 1, "advanced": 2}
PROGRAMMER_REASON = "the guide's step 3 is mostly new syntax and libraries for you"
"""Why a professional programmer in another language gets the Python step shortened."""


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
                "drivers": list(self.timeline.drivers),
                "assumptions": list(self.timeline.assumptions),
            },
            "sources": [s.to_dict() for s in self.sources],
        }

    def to_markdown(
        self, done: frozenset[int] = frozenset(), roles: RoleComparison | None = None
    ) -> str:
        """The plan as a Markdown document with checkboxes (`done`: step numbers ticked);
        with `roles` (from `plan_and_roles`), the role table too, over one source list."""
        return render(self, done, roles)


def build_plan(
    outline: Outline, profile: Profile, reference_hours: float, cite: Citations | None = None
) -> Plan:
    """The learner's plan: the guide's steps, kept, shortened or skipped, with cited reasons."""
    cite = cite or Citations()  # numbered in reading order: timeline first, then the steps
    numbers = sorted(outline.steps)
    statuses = [status_of(n, profile) for n in numbers]
    cuts = [_cut(outline, n, profile) for n in numbers if status_of(n, profile) != "full"]
    timeline = estimate_timeline(outline, profile, statuses, cuts, reference_hours, cite)
    steps = [_step(outline, n, profile, cite) for n in numbers]
    return Plan(profile, tuple(steps), timeline, cite.sources)


def plan_and_roles(
    outline: Outline, profile: Profile, reference_hours: float
) -> tuple[Plan, RoleComparison]:
    """A plan and the role table for one page: one numbering, so [n] means one source on it.

    Both share `sources` (the plan's passages first, then the table's new ones)."""
    cite = Citations()
    plan = build_plan(outline, profile, reference_hours, cite)
    return plan, compare_roles(outline, cite)


def status_of(number: int, profile: Profile) -> str:
    """ "full", "shortened" or "skipped": what the learner's stated level leaves of a step."""
    skill = STEP_SKILL.get(number)
    if not skill:
        return "full"
    status = STATUS[profile.level(skill)]
    if skill == "python" and status == "full":
        if profile.programs_professionally_in_another_language():
            return "shortened"
        if profile.python is None and profile.programming == "professional":
            return "skipped"  # a professional Python programmer who left the level blank
    return status


def _cut(outline: Outline, number: int, profile: Profile) -> StepCut:
    """Why a step is not needed in full, in a few words (for the timeline's drivers)."""
    skill = STEP_SKILL[number]
    status = status_of(number, profile)
    stated = getattr(profile, skill)
    if skill == "python" and STATUS[profile.level("python")] == "full":
        reason = f"you already program{_where(profile)}"
    else:
        reason = f"you rated your {SKILLS[skill]} as '{stated}'"
    return StepCut(number, SKILLS[skill], status, reason)


def _where(profile: Profile) -> str:
    language = profile.programming_language
    return " professionally" + (f" in {language}" if language else "")


def _skill_notes(skill: str, status: str, profile: Profile) -> Iterable[str]:
    """Why a step is kept, shortened or skipped, from what the learner said."""
    label, stated = SKILLS[skill], getattr(profile, skill)
    programmer = skill == "python" and STATUS[profile.level("python")] == "full"
    if programmer and status == "shortened":
        rated = f"You rated your Python as '{stated}', but you" if stated else "You"
        yield f"{rated} already program{_where(profile)}; {PROGRAMMER_REASON}, so it is shortened."
    elif programmer and status == "skipped":
        yield "You program professionally in Python, so this step is skipped."
    elif stated is None:
        yield f"You have not said your {label} level, so the whole step is kept."
    elif status != "full":
        yield f"You rated your {label} as '{stated}', so this step is {status}."
    if skill == "python" and status == "full" and profile.programming == "none":
        yield (
            "You have not programmed before, so the whole step is kept: it is where you learn "
            "to program."
        )


def _step(outline: Outline, number: int, profile: Profile, cite: Citations) -> PlanStep:
    guide = outline.steps[number]
    skill = STEP_SKILL.get(number)
    status = status_of(number, profile)
    why_citation = cite.cite(guide.chunk)
    notes = list(_skill_notes(skill, status, profile)) if skill else []
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
