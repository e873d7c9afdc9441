"""Chat history: normalising and trimming to a budget (rewriting follow-ups is rewrite.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from advisor.errors import InputError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

Turn = tuple[str, str]
"""(role, content) with role "user" or "assistant"."""

_ROLES = {"user": "user", "human": "user", "assistant": "assistant", "ai": "assistant"}


def normalize_history(history: Iterable[Any]) -> list[Turn]:
    """Accept (role, content) pairs or LangChain messages; reject anything else clearly."""
    turns: list[Turn] = []
    # A LangChain message exists only if its module was imported: no import needed to check.
    messages = sys.modules.get("langchain_core.messages")
    for item in history:
        if messages is not None and isinstance(item, messages.BaseMessage):
            if isinstance(item, messages.SystemMessage):
                continue
            role = "user" if isinstance(item, messages.HumanMessage) else "assistant"
            turns.append((role, item.text if hasattr(item, "text") else str(item.content)))
            continue
        if isinstance(item, dict):
            item = (item.get("role"), item.get("content"))
        if (
            isinstance(item, Sequence)
            and not isinstance(item, str)
            and len(item) == 2
            and str(item[0]).lower() in _ROLES
            and isinstance(item[1], str)
        ):
            turns.append((_ROLES[str(item[0]).lower()], item[1]))
            continue
        raise InputError(
            "history must be a list of (role, content) pairs with role 'user' or 'assistant'"
        )
    return turns


def trim(history: Sequence[Turn], budget_chars: int) -> list[Turn]:
    """The most recent turns that fit in `budget_chars` (a long turn is cut, not dropped)."""
    kept: list[Turn] = []
    used = 0
    for role, content in reversed(history):
        room = budget_chars - used
        if room <= 0:
            break
        text = content if len(content) <= room else content[: max(0, room - 1)] + "…"
        kept.append((role, text))
        used += len(text)
    kept.reverse()
    return kept


def to_messages(history: Sequence[Turn]) -> list[BaseMessage]:
    """LangChain messages for a prompt."""
    from langchain_core.messages import AIMessage, HumanMessage

    return [HumanMessage(c) if r == "user" else AIMessage(c) for r, c in history]


def render(history: Sequence[Turn]) -> str:
    """Plain-text transcript for the condense prompt."""
    return "\n".join(f"{role}: {content}" for role, content in history)
