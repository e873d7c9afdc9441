"""An answer in the terminal: streamed text, then its numbered sources."""

from __future__ import annotations

import sys
from typing import Any

from advisor.terminal import echo


def print_streamed(
    advisor: Any, question: str, history: list[tuple[str, str]], profile: Any = None
) -> Any:
    """Print an answer as it streams (deltas are already safe), then its numbered sources;
    `profile`: the learner the chat has gathered (for plan answers)."""
    answer = None
    for item in advisor.stream(question, history, profile=profile):
        if isinstance(item, str):
            echo(item, end="")
        else:
            answer = item
    echo()
    if answer is not None:
        echo(format_sources(answer))
        if answer.warning:
            echo(f"advisor: note: {answer.warning}", file=sys.stderr)
    return answer


def format_sources(answer: Any) -> str:
    """The numbered source list printed under an answer."""
    if answer.refused or not answer.sources:
        return ""
    lines = ["", "Sources:"]
    for n, s in enumerate(answer.sources, start=1):
        where = f" — {s.section}" if s.section else ""
        link = f" <{s.url}>" if s.url else ""
        mark = "" if s.cited else " (not cited)"
        lines.append(f"  [{n}] {s.title}{where}{link}{mark}")
    if answer.incomplete:
        lines.append("  (the answer was cut off before it finished)")
    return "\n".join(lines)
