"""Starter questions for an empty chat and follow-ups drawn from an answer's sources."""

from __future__ import annotations

import re
from collections.abc import Iterable

from advisor import Answer, Source
from advisor.text import tokens

STARTERS: tuple[str, ...] = (
    "PyTorch or TensorFlow first?",
    "How long does it take to become job-ready?",
    "What does an Applied AI Engineer do?",
    "How much do entry-level ML engineers earn?",
)
"""Shown on an empty chat; each is answered well by the bundled guide."""

_STEP = re.compile(r"^(\d+)\.\s+(.+)$")
_ROLE = re.compile(r"\b(Engineer|Scientist|Analyst|Developer|Researcher)$")


def same_question(a: str, b: str) -> bool:
    """True when two questions ask about the same thing (half their content words shared)."""
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    return len(ta & tb) / len(ta | tb) >= 0.5


def question_for(source: Source) -> str | None:
    """A natural next question about a source, or None when it offers none."""
    heading = source.section.split(" > ")[-1].strip() if source.section else ""
    if heading.endswith("?"):
        return heading  # FAQ headings are questions already
    if source.kind and source.kind != "guide" and source.title:
        return f"What is {source.title}?"
    if not heading:
        return None
    if heading.lower() == "about the author":
        return "Who wrote the guide?"
    if _ROLE.search(heading):
        article = "an" if heading[0].lower() in "aeiou" else "a"
        return f"What does {article} {heading} do?"
    step = _STEP.match(heading)
    if step:
        return f"What does step {step.group(1)}, {step.group(2)}, involve?"
    return None


def follow_ups(answer: Answer, asked: Iterable[str], limit: int = 3) -> list[str]:
    """Up to `limit` follow-up questions from the answer's sources, cited ones first.

    Nothing already asked in the chat (or a rewording of it) is suggested.
    """
    previous = [q for q in asked if q]
    if answer.question:
        previous.append(answer.question)
    ordered = sorted(answer.sources, key=lambda s: not s.cited)  # stable: cited first
    found: list[str] = []
    for source in ordered:
        question = question_for(source)
        if question is None:
            continue
        if any(same_question(question, other) for other in [*previous, *found]):
            continue
        found.append(question)
        if len(found) == limit:
            break
    return found


def starters_left(asked: Iterable[str], limit: int = 3) -> list[str]:
    """Starter questions not asked yet (offered after a refusal)."""
    previous = list(asked)
    fresh = [s for s in STARTERS if not any(same_question(s, q) for q in previous)]
    return fresh[:limit]
