"""The "My plan" view: profile form, the plan with progress checkboxes, timeline, role table."""

from __future__ import annotations

from typing import Any

import streamlit as st

from advisor import AdvisorError, CareerAdvisor, InputError, Plan, Profile, Source
from advisor.planning.plan import PlanStep, plan_and_roles
from advisor.planning.profile import LEVELS, PROGRAMMING, SKILLS
from advisor.planning.roles import ROLES
from advisor.safety import safe_markdown
from ui import state
from ui.citations import anchor, link_citations, where
from ui.landing import ENTRY_PREFIX

NOT_SAID = "not said"
_STATUS_ICON = {"full": "", "shortened": " · shortened", "skipped": " · skipped"}
_PROGRAMMING_LABELS = {
    NOT_SAID: NOT_SAID,
    **dict(
        zip(
            PROGRAMMING,
            ("none: never programmed", "some: courses or hobby code", "professional: my job"),
            strict=True,
        )
    ),
}
PHONE_CSS = """
<style>
.st-key-plan_page table { display: block; overflow-x: auto; max-width: 100%; }
.st-key-plan_page [data-testid="stMarkdownContainer"] { overflow-wrap: anywhere; }
.st-key-plan_page [data-testid="stMetricValue"] > div { white-space: normal; }
@media (max-width: 640px) {
  .st-key-plan_page table { font-size: 0.85rem; }
  .st-key-plan_page th, .st-key-plan_page td { min-width: 9rem; }
}
</style>
"""
"""Plan styles (a constant, never user or document text; added like ui/theme.py's): tables
scroll in their own box, long links wrap, and the estimate wraps, so the page never scrolls
sideways on a 390 px phone."""


def show(advisor: CareerAdvisor) -> None:
    """Render the whole view."""
    st.caption(
        "Tell me what you know and how much time you have: the plan follows the guide's seven "
        "steps, skips what you know, and every reason and resource is cited. You can also "
        'describe yourself in the chat ("I\'m a Java developer with no math").'
    )
    st.html(PHONE_CSS)  # a <style> block only: Streamlit adds it without taking space
    with st.container(key="plan_page"):
        page(advisor)


def page(advisor: CareerAdvisor) -> None:
    """The form, then the plan and the role table over one numbered source list."""
    profile_form()
    try:
        outline = advisor.outline()
        plan, table = plan_and_roles(
            outline, state.profile(), advisor.settings.plan_reference_hours
        )
    except AdvisorError as exc:
        st.error(f"The plan cannot be built right now: {exc}")
        return
    if not plan.steps:
        st.warning("The index holds no numbered guide steps, so there is no plan to build.")
        return
    if plan.missing:
        st.info(
            "Not said yet (the plan assumes none / the reference hours): " + ", ".join(plan.missing)
        )
    timeline(plan)
    st.subheader("Your steps", anchor=False)
    for step in plan.steps:
        show_step(step, len(plan.sources))
    st.subheader("The three roles side by side", anchor=False)
    st.markdown(linked(table.to_markdown(sources=False), len(plan.sources)))
    with st.expander(f"Sources on this page ({len(plan.sources)})", icon=":material/menu_book:"):
        for n, source in enumerate(plan.sources, start=1):
            source_entry(n, source)
    document = plan.to_markdown(frozenset(state.done_steps()), roles=table)
    st.download_button(
        "Download my plan (Markdown)",
        document,
        file_name="my-ai-ml-learning-plan.md",
        mime="text/markdown",
        icon=":material/download:",
        key="plan_download",
    )


def profile_form() -> None:
    """Skills, hours and target role; submitting replaces the session's profile."""
    current = state.profile()
    version = st.session_state.get("plan_form_version", 0)
    with st.form(f"profile_form_{version}", border=True):
        st.markdown("**About you**")
        columns = st.columns(len(SKILLS))
        chosen: dict[str, Any] = {}
        options = [NOT_SAID, *LEVELS]
        for column, (name, label) in zip(columns, SKILLS.items(), strict=True):
            value = getattr(current, name) or NOT_SAID
            chosen[name] = column.selectbox(
                label, options, index=options.index(value), key=f"skill_{name}_{version}"
            )
        chosen |= programming_fields(current, version)
        hours_col, role_col = st.columns([1, 2])
        hours = hours_col.number_input(
            "Hours per week",
            min_value=1,
            max_value=112,
            value=round(current.hours_per_week) if current.hours_per_week else None,
            step=1,
            placeholder=NOT_SAID,
            key=f"hours_{version}",
        )
        roles = [NOT_SAID, *ROLES]
        role = role_col.selectbox(
            "Target role",
            roles,
            index=roles.index(current.target_role or NOT_SAID),
            key=f"role_{version}",
        )
        if st.form_submit_button("Update my plan", icon=":material/refresh:"):
            try:
                profile = Profile.from_dict(
                    {k: (None if v in (NOT_SAID, "") else v) for k, v in chosen.items()}
                    | {"hours_per_week": float(hours) if hours else None}
                    | {"target_role": None if role == NOT_SAID else role}
                )
            except InputError as exc:
                st.error(f"Please check the form: {exc}")
                return
            state.set_profile(profile)
            st.rerun()


def programming_fields(current: Profile, version: int) -> dict[str, Any]:
    """General programming experience (any language) and the language, on one row."""
    level_col, language_col = st.columns([1, 1])
    options = list(_PROGRAMMING_LABELS)
    level = level_col.selectbox(
        "Programming experience (any language)",
        options,
        index=options.index(current.programming or NOT_SAID),
        format_func=_PROGRAMMING_LABELS.__getitem__,
        key=f"programming_{version}",
        help="Years of Java, C# or JavaScript count: the Python step is then shortened.",
    )
    language = language_col.text_input(
        "Language you program in most",
        value=current.programming_language or "",
        max_chars=30,
        placeholder="e.g. Java",
        key=f"programming_language_{version}",
    )
    return {"programming": level, "programming_language": language.strip() or None}


def timeline(plan: Plan) -> None:
    """The month range with the arithmetic and every assumption behind it."""
    st.metric("Estimated time to entry-level readiness", plan.timeline.text())
    if plan.timeline.drivers:
        drivers = "\n".join(f"- {d}" for d in plan.timeline.drivers)
        st.markdown(linked(f"**What drives it**\n\n{drivers}", len(plan.sources)))
    with st.expander("How this estimate is computed", icon=":material/calculate:"):
        assumptions = "\n".join(f"- {a}" for a in plan.timeline.assumptions)
        st.markdown(linked(assumptions, len(plan.sources)))


def show_step(step: PlanStep, n_sources: int) -> None:
    """One step: a done checkbox, the guide's reason, topics and resources."""
    key = f"plan_step_{step.number}"
    with st.container(border=True):
        st.checkbox(
            f"**Step {step.number}. {step.title}**{_STATUS_ICON[step.status]}",
            value=step.number in state.done_steps(),
            key=key,
            on_change=state.toggle_step,
            args=(step.number, key),
        )
        lines = [f"{step.why} [{step.citation}]"] if step.why else []
        lines += [f"> {note}" for note in step.notes]
        if step.topics:
            lines += ["", "**What to learn**", *(f"- {t}" for t in step.topics)]
        if step.resources:
            lines += ["", "**Resources**"]
            for r in step.resources:
                facts = ", ".join(x for x in (r.level, r.cost) if x)
                lines.append(
                    f"- [{r.title}]({r.url}){f' — {facts}' if facts else ''} [{r.citation}]"
                )
        st.markdown(linked("\n".join(lines), n_sources))


PLAN = "plan"
"""The id the plan's [n] anchors are built from (a chat's answers use their turn ids)."""


def linked(markdown: str, n_sources: int) -> str:
    """Safe Markdown with each [n] linked to source n of the page, as in the chat."""
    return link_citations(markdown, PLAN, n_sources)


def source_entry(n: int, source: Source) -> None:
    """One numbered source of the plan: the target of its [n] links."""
    with st.container(key=f"{ENTRY_PREFIX}{anchor(PLAN, n)}"):
        title = f"[{source.title}]({source.url})" if source.url else source.title
        heading = safe_markdown(f"[{n}] {title}").replace(f"[{n}]", f"\\[{n}\\]", 1)
        st.subheader(heading, anchor=anchor(PLAN, n))
        if line := where(source):
            st.caption(safe_markdown(line))
