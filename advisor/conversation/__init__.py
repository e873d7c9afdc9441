"""The conversation layer: chat history, turn kinds, follow-up rewriting, answer composition."""

from advisor.conversation.history import (
    Turn,
    condense_heuristic,
    needs_context,
    normalize_history,
    render,
    to_messages,
    trim,
)

__all__ = [
    "Turn",
    "condense_heuristic",
    "needs_context",
    "normalize_history",
    "render",
    "to_messages",
    "trim",
]
