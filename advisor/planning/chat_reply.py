"""What the chat says after a message about the learner, and whether that message also asks."""

from __future__ import annotations

import re

from advisor.planning.profile import SKILLS, ProfileUpdate
from advisor.planning.timeline import Timeline


def profile_reply(update: ProfileUpdate, timeline: Timeline | None = None) -> str:
    """What the advisor says back after a message about the learner: what it noted, the plan's
    estimate when the message gave the weekly hours (from `timeline`, the plan's), what's next."""
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
    if isinstance(hours, float) and timeline is not None and timeline.covered:
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


_QUESTION_WORD = (
    r"(?:(?:how|what|where|who)(?:'?s)?|which|when|why|should|can|could|do|does|is|are|will"
    r"|would|am)"
)
_FILLER = r"(?:(?:hi|hey|hello|ok|okay|so|and|but|well|also|anyway|btw|then|now|honestly)\b[\s,]*)*"
_SENTENCE_ASKS = re.compile(rf"^\s*{_FILLER}{_QUESTION_WORD}\b", re.I)
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
        if _SENTENCE_ASKS.search(sentence):
            return True
        if any(_CLAUSE_ASKS.search(clause) for clause in sentence.split(",")[1:]):
            return True
    return False
