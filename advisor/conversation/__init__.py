"""The conversation layer: chat history, turn kinds, follow-up rewriting, answer composition."""

from advisor.conversation.history import (
    Turn,
    normalize_history,
    render,
    to_messages,
    trim,
)
from advisor.conversation.rewrite import Resolution, replay, resolve, rewrite_follow_up
from advisor.conversation.state import ConversationState
from advisor.conversation.turns import TurnInfo, TurnKind, classify
from advisor.conversation.vocabulary import Vocabulary

__all__ = [
    "ConversationState",
    "Resolution",
    "Turn",
    "TurnInfo",
    "TurnKind",
    "Vocabulary",
    "classify",
    "normalize_history",
    "render",
    "replay",
    "resolve",
    "rewrite_follow_up",
    "to_messages",
    "trim",
]
