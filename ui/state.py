"""Per-browser-session chat state kept in `st.session_state`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import streamlit as st

from advisor import Answer

_TURNS = "turns"
_PENDING = "pending_question"
_OFFLINE = "offline_for"


@dataclass
class ChatTurn:
    """One question and what came back: an answer, or an error to explain."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    """A friendly message shown instead of an answer."""
    severe: bool = False
    """The error is the app's, not the question's: shown as an error, not a warning."""
    can_answer_offline: bool = False
    """The error leaves the offline (extractive) answer possible: offer it."""
    offline: bool = False
    """The answer came from the offline fallback after an error."""
    rating: int | None = None
    """1 = thumbs up, 0 = thumbs down, once the user rated the answer."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def feedback_key(self) -> str:
        """Widget key of this turn's thumbs."""
        return f"feedback_{self.id}"


def turns() -> list[ChatTurn]:
    """The conversation so far (created empty on first use)."""
    if _TURNS not in st.session_state:
        st.session_state[_TURNS] = []
    value: list[ChatTurn] = st.session_state[_TURNS]
    return value


def find(turn_id: str) -> ChatTurn | None:
    """The turn with this id, if it is still in the chat."""
    return next((t for t in turns() if t.id == turn_id), None)


def history(before: ChatTurn | None = None) -> list[tuple[str, str]]:
    """(role, content) pairs of the answered turns (up to, not including, `before`)."""
    pairs: list[tuple[str, str]] = []
    for turn in turns():
        if turn is before:
            break
        if turn.answer is not None:
            pairs += [("user", turn.question), ("assistant", turn.answer.text)]
    return pairs


def asked() -> list[str]:
    """Every question asked in this chat, oldest first."""
    return [t.question for t in turns()]


def ask(question: str) -> None:
    """Queue a question (button callback for starters and follow-ups)."""
    st.session_state[_PENDING] = question


def take_pending() -> str | None:
    """The queued question, once."""
    value: str | None = st.session_state.pop(_PENDING, None)
    return value


def request_offline(turn_id: str) -> None:
    """Ask for the offline answer of a failed turn (button callback)."""
    st.session_state[_OFFLINE] = turn_id


def take_offline() -> str | None:
    """The turn whose offline answer was requested, once."""
    value: str | None = st.session_state.pop(_OFFLINE, None)
    return value


def new_chat() -> None:
    """Forget the conversation and its widgets' state (the "New chat" button)."""
    for turn in turns():
        st.session_state.pop(turn.feedback_key, None)
    st.session_state[_TURNS] = []
    st.session_state.pop(_PENDING, None)
    st.session_state.pop(_OFFLINE, None)
