"""Thumbs and comments of answers, kept with the chat (so a reload shows them) and in
`advisor.feedback`'s file (what `advisor feedback` lists).

A reply has one rating: rating again, or adding a comment, changes that rating (in both
places) instead of adding one.
"""

from __future__ import annotations

from advisor import CareerAdvisor
from advisor.chats import ChatRating
from advisor.feedback import FeedbackRecord, FeedbackStore
from ui import chats, state
from ui.state import ChatTurn


def comment_key(turn_id: str) -> str:
    """Widget key of the comment box under a rated answer."""
    return f"comment_{turn_id}"


def save(advisor: CareerAdvisor, turn: ChatTurn, rating: int, comment: str | None = None) -> None:
    """Store the rating (and comment) of a turn's answer, replacing any it had; raises
    `chats.FAILURES` when it cannot be stored."""
    answer = turn.answer
    assert answer is not None
    feedback = FeedbackStore(advisor.settings.feedback_db)
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
    chat = state.chat_id()
    if chat is not None and turn.reply_id is not None:
        store = chats.store(advisor)
        kept = ChatRating(
            message_id=turn.reply_id, rating=rating, comment=turn.comment, feedback_id=row
        )
        store.rate(chats.browser_id(store), chat, kept)


def forget(turn: ChatTurn) -> None:
    """A regenerated answer is a new answer: it starts unrated."""
    turn.rating, turn.comment, turn.feedback_row = None, "", None
