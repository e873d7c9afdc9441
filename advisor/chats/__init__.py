"""Saved conversations, per anonymous browser id, with each chat's learner profile, plan
progress and ratings, in one database (a SQLite file, or PostgreSQL for many replicas).

store = ChatStore.from_settings(settings)
chat, question = store.start(browser, ChatMessage(role="user", text="PyTorch first?"))
reply = store.append(browser, chat.id, ChatMessage(role="assistant", text=answer.text,
                                                   answer=answer, reply_to=question.id))
store.rate(browser, chat.id, reply.id, 1, comment="Clear, thanks")
"""

from advisor.chats.database import Database, database_url
from advisor.chats.records import (
    MAX_COMMENT_CHARS,
    STATUSES,
    ChatMessage,
    ChatNotFound,
    ChatSummary,
    DatabaseUnavailable,
    PlanProgress,
    Rating,
    is_browser_id,
    is_chat_id,
    new_browser_id,
)
from advisor.chats.store import ChatStore

__all__ = [
    "MAX_COMMENT_CHARS",
    "STATUSES",
    "ChatMessage",
    "ChatNotFound",
    "ChatStore",
    "ChatSummary",
    "Database",
    "DatabaseUnavailable",
    "PlanProgress",
    "Rating",
    "database_url",
    "is_browser_id",
    "is_chat_id",
    "new_browser_id",
]
