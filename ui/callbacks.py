"""What the chat's buttons do (Streamlit callbacks): rate, comment, regenerate, edit, new chat.

Each runs before the next run of the page, so the page it draws already shows the change.
"""

from __future__ import annotations

import logging

import streamlit as st

from advisor import CareerAdvisor
from ui import answering, chats, ratings, state
from ui.state import ChatTurn

log = logging.getLogger(__name__)

EDITING = "editing_turn"
"""Session key: the turn whose question is being edited."""


def rate(turn_id: str, advisor: CareerAdvisor) -> None:
    """Thumbs callback: store the rating of one answer, or change the stored one."""
    turn = state.find(turn_id)
    value = st.session_state.get(turn.feedback_key) if turn else None
    if turn is None or turn.answer is None or value is None:
        return
    try:
        ratings.save(advisor, turn, int(value))
    except chats.FAILURES:
        log.exception("saving a rating failed")
        st.toast("Sorry, your rating could not be saved.", icon=":material/error:")
        return
    st.toast("Thanks — your rating was saved.", icon=":material/check_circle:")


def comment(turn_id: str, advisor: CareerAdvisor) -> None:
    """Comment callback: store the comment typed under a rated answer."""
    turn = state.find(turn_id)
    text = str(st.session_state.get(ratings.comment_key(turn_id)) or "").strip()
    if turn is None or turn.answer is None or turn.rating is None or not text:
        return
    try:
        ratings.save(advisor, turn, turn.rating, comment=text)
    except chats.FAILURES:
        log.exception("saving a comment failed")
        st.toast("Sorry, your comment could not be saved.", icon=":material/error:")
        return
    st.toast("Thanks — your comment was saved.", icon=":material/check_circle:")


def reset(turn: ChatTurn) -> None:
    """Forget a turn's answer and rating, to answer it again."""
    turn.answer, turn.error, turn.severe = None, None, False
    turn.can_answer_offline = turn.offline = turn.stopped = False
    ratings.forget(turn)
    st.session_state.pop(turn.feedback_key, None)
    st.session_state.pop(ratings.comment_key(turn.id), None)


def regenerate(turn_id: str) -> None:
    """Regenerate button: the same question again, with a fresh search."""
    turn = state.find(turn_id)
    if turn is not None and not answering.busy():
        reset(turn)
        answering.enqueue(turn)


def start_edit(turn_id: str) -> None:
    """Edit button: show the last question in an editable box."""
    st.session_state[EDITING] = turn_id


def cancel_edit() -> None:
    """Leave the edit box unchanged."""
    st.session_state.pop(EDITING, None)


def send_edit(turn_id: str) -> None:
    """Send the edited question: it replaces the last one and is answered afresh."""
    cancel_edit()
    turn = state.find(turn_id)
    text = str(st.session_state.get(f"edit_text_{turn_id}") or "").strip()
    if turn is None or not text or answering.busy():
        return
    turn.question, turn.note = text, None
    reset(turn)
    answering.enqueue(turn)


def new_chat() -> None:
    """New chat button: stop any answer being written, then start afresh."""
    answering.stop_all()
    cancel_edit()
    state.new_chat()
