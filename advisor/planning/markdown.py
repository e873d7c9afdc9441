"""A plan as a Markdown document: profile, timeline, steps with checkboxes, sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from advisor.planning.profile import SKILLS
from advisor.planning.roles import source_lines
from advisor.safety import safe_markdown

if TYPE_CHECKING:
    from advisor.planning.plan import Plan, PlanStep
    from advisor.planning.roles import RoleComparison


def render(
    plan: Plan, done: frozenset[int] = frozenset(), roles: RoleComparison | None = None
) -> str:
    """The whole plan; steps whose number is in `done` are ticked; `roles` (sharing the plan's
    source list) goes before the one list of sources."""
    profile = plan.profile
    skills = ", ".join(f"{label}: {profile.level(name)}" for name, label in SKILLS.items())
    hours = f"{profile.hours_per_week:g}" if profile.hours_per_week else "not said"
    lines = [
        "# My learning plan",
        "",
        f"- Target role: {profile.target_role or 'not said'}",
        f"- Skills: {skills}",
        f"- Hours per week: {hours}",
        "",
        "## Timeline",
        "",
        f"**{plan.timeline.text()}**",
        "",
        *_listed("What drives it:", plan.timeline.drivers),
        *_listed("How it is computed:", plan.timeline.assumptions),
        "## Steps",
    ]
    for step in plan.steps:
        lines += ["", *_step(step, step.number in done)]
    if roles is not None:
        if roles.sources is not plan.sources:
            raise ValueError("the role table must share the plan's sources (plan_and_roles)")
        lines += ["", "## The three roles side by side", "", roles.to_markdown(sources=False)]
    text = "\n".join([*lines, "", *source_lines(plan.sources), ""])
    return safe_markdown(text)  # titles and links come from ingested files: keep them inert


def _listed(title: str, items: tuple[str, ...]) -> list[str]:
    return [title, "", *(f"- {item}" for item in items), ""] if items else []


def _step(step: PlanStep, ticked: bool) -> list[str]:
    box = "[x]" if ticked else "[ ]"
    status = "" if step.status == "full" else f" ({step.status})"
    lines = [f"### {box} Step {step.number}. {step.title}{status}", ""]
    if step.why:
        lines += [f"{step.why} [{step.citation}]", ""]
    lines += [f"> {note}" for note in step.notes]
    if step.notes:
        lines.append("")
    if step.topics:
        lines += ["What to learn:", *(f"- {t}" for t in step.topics), ""]
    if step.resources:
        lines.append("Resources:")
        for r in step.resources:
            facts = ", ".join(x for x in (r.level, r.cost) if x)
            lines.append(f"- [{r.title}]({r.url}){f' — {facts}' if facts else ''} [{r.citation}]")
    return lines
