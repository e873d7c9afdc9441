"""Thumbs and comments of answers, kept with the saved chat's reply (`ChatStore.rate`,
which also writes the row `advisor feedback` lists), so a reload shows them.

A reply has one rating: rating again, or adding a comment, changes that rating instead of
adding one. An answer not saved in a chat (the chat database failed) is rated through
`FeedbackStore`, its row changed in place the same way.
"""

from __future__ import annotations

from advisor import CareerAdvisor
from advisor.feedback import FeedbackRecord, FeedbackStore
from ui import chats, state
from ui.state import ChatTurn


def comment_key(turn_id: str) -> str:
    """Widget key of the comment box under a rated answer."""
    return f"comment_{turn_id}"


def save(advisor: CareerAdvisor, turn: ChatTurn, rating: int, comment: str | None = None) -> None:
    """Store the rating (and comment, None: keep it) of a turn's answer, replacing any it
    had; raises `chats.FAILURES` when it cannot be stored."""
    chat = state.chat_id()
    if chat is not None and turn.reply_id is not None:
        store = chats.store(advisor)
        kept = store.rate(chats.browser_id(store), chat, turn.reply_id, rating, comment)
        turn.rating, turn.comment = kept.rating, kept.comment
        return
    answer = turn.answer
    assert answer is not None
    feedback = FeedbackStore.from_settings(advisor.settings)
    row = turn.feedback_row
    if row is None or not feedback.update(row, rating=rating, comment=comment):
        row = feedback.add(
            FeedbackRecord(
                question=turn.question,
                answer=answer.text,
                backend=answer.backend,
                source_ids=[s.id for s in answer.sources],
                rating=rating,
                comment=comment if comment is not None else turn.comment,
            )
        )
    turn.feedback_row, turn.rating = row, rating
    turn.comment = comment if comment is not None else turn.comment


def forget(turn: ChatTurn) -> None:
    """A regenerated answer is a new answer: it starts unrated."""
    turn.rating, turn.comment, turn.feedback_row = None, "", None
