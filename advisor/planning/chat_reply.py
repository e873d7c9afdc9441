"""What the chat says after a message about the learner, and whether that message also asks."""

from __future__ import annotations

import re
from collections.abc import Callable

from advisor.planning.plan import Plan
from advisor.planning.profile import SKILLS, Profile, ProfileUpdate
from advisor.text import QUESTION_OPENER


def profile_reply(update: ProfileUpdate, plan_for: Callable[[Profile], Plan] | None = None) -> str:
    """What the advisor says back after a message about the learner: what it noted, the plan's
    estimate when the message gave the weekly hours (`plan_for`, built only then), what's next."""
    labels = {**SKILLS, "hours_per_week": "Hours per week", "target_role": "Target role"}
    labels |= {"programming": "Programming", "programming_language": "Language"}
    found = dict(update.found)
    if "programming" in found and "programming_language" in found:
        found["programming"] = f"{found['programming']} ({found.pop('programming_language')})"
    noted = []
    for name, value in found.items():
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        why = f" ({update.inferred[name]})" if name in update.inferred else ""
        noted.append(f"{labels[name]}: {shown}{why}")
    lines = ["Noted for your learning plan — " + "; ".join(noted) + "."]
    hours = update.found.get("hours_per_week")
    timeline = plan_for(update.profile).timeline if plan_for and isinstance(hours, float) else None
    if timeline is not None and timeline.covered:
        lines.append(
            f"At {hours:g} hours a week, the estimate is about {timeline.low_months}–"
            f"{timeline.high_months} months; **My plan** shows how it follows from the guide."
        )
    missing = update.profile.missing()
    if missing:
        lines.append("To make the plan fit you, tell me " + ", ".join(missing) + ".")
        lines.append("Correct anything I got wrong in **My plan**.")
    else:
        lines.append("Your profile is complete: open **My plan** for your steps and timeline.")
    return " ".join(lines)


_LEAD = re.compile(
    r"^\s*(?:(?:hi|hey|hello|ok|okay|so|and|but|well|also|anyway|btw|then|now|honestly)\b[\s,]*)*",
    re.I,
)
"""Greetings and discourse words a question may open with ("hi", "ok so")."""
_CLAUSE_ASKS = re.compile(
    r"^\s*(?:(?:can|could|should|would|will|do|does|is|am|are)\s+(?:i|it|you|someone|we|my|a|an)"
    r"|(?:how|what|which|when|where|who|why)\s+(?:do|does|did|is|are|can|could|should|would"
    r"|will|long|much|many))\b",
    re.I,
)
"""A clause after a comma that asks: "..., could i do it" (not "..., where i use excel")."""


def asks_something(text: str) -> bool:
    """True when a message is (also) a question to answer, not only a statement about oneself:
    a question mark, a sentence that opens with a question word ("hi im a nurse. could i
    become an ml engineer"), or a clause that asks after a comma."""
    if "?" in text:
        return True
    for sentence in re.split(r"[.!;:\n]+", text):
        if QUESTION_OPENER.match(_LEAD.sub("", sentence)):
            return True
        if any(_CLAUSE_ASKS.search(clause) for clause in sentence.split(",")[1:]):
            return True
    return False
