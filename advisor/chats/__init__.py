"""Saved conversations, per anonymous browser id, in the advisor's SQLite file.

store = ChatStore.from_settings(settings)
chat, question = store.start(browser, ChatMessage(role="user", text="PyTorch first?"))
store.append(browser, chat.id, ChatMessage(role="assistant", text=answer.text,
                                           answer=answer, reply_to=question.id))
"""

from advisor.chats.records import (
    STATUSES,
    ChatMessage,
    ChatNotFound,
    ChatRating,
    ChatSummary,
    is_browser_id,
    is_chat_id,
    new_browser_id,
)
from advisor.chats.store import ChatStore

__all__ = [
    "STATUSES",
    "ChatMessage",
    "ChatNotFound",
    "ChatRating",
    "ChatStore",
    "ChatSummary",
    "is_browser_id",
    "is_chat_id",
    "new_browser_id",
]
