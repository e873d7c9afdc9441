"""Thumbs and comments of this browser session's answers, kept through `advisor.feedback`.

The first thumb click stores a row; a later click or a comment updates that same row, so a
changed mind is one rating, not two.
"""

from __future__ import annotations

import streamlit as st

from advisor import Answer
from advisor.feedback import FeedbackRecord, FeedbackStore
from ui.state import ChatTurn

_ROWS = "feedback_rows"


def _rows() -> dict[str, int]:
    """Stored row id by turn id (for this browser session)."""
    if _ROWS not in st.session_state:
        st.session_state[_ROWS] = {}
    value: dict[str, int] = st.session_state[_ROWS]
    return value


def save(db_path: str, turn: ChatTurn, answer: Answer, rating: int, comment: str = "") -> int:
    """Store the rating (and comment) of a turn's answer; update its row if already rated."""
    store = FeedbackStore(db_path)
    row = _rows().get(turn.id)
    if row is not None and store.update(row, rating=rating, comment=comment or None):
        return row
    row = store.add(
        FeedbackRecord(
            question=turn.question,
            answer=answer.text,
            backend=answer.backend,
            source_ids=[s.id for s in answer.sources],
            rating=rating,
            comment=comment,
        )
    )
    _rows()[turn.id] = row
    return row


def forget(turn_id: str) -> None:
    """A regenerated answer is a new answer: its rating starts a new row."""
    _rows().pop(turn_id, None)
