"""Per-browser-session chat state kept in `st.session_state`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import streamlit as st

from advisor import Answer, Profile
from advisor.chats import PlanProgress

_TURNS = "turns"
_PROFILE = "plan_profile"
_DONE = "plan_done"
_PENDING = "pending_question"
_OFFLINE = "offline_for"
_CHAT = "chat_id"
_KNOWN = "chat_known"
CHAT_PARAM = "chat"
"""The URL query parameter naming the open saved chat (so a reload reopens it)."""


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
    stopped: bool = False
    """The user stopped the answer: `answer` holds what was shown by then (if anything)."""
    rating: int | None = None
    """1 = thumbs up, 0 = thumbs down, once the user rated the answer."""
    comment: str = ""
    """What the user wrote under their rating."""
    feedback_row: int | None = None
    """The rating's feedback row when the answer is not saved in a chat (else the chat's
    store keeps the one rating of `reply_id`)."""
    reply_id: int | None = None
    """The saved reply's id in the chat store (what a rating is kept with)."""
    note: str | None = None
    """What the advisor noted for the learning plan from this message, if anything."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    message_id: int | None = None
    """The saved question's id in the chat store, once saved."""
    asked: str | None = None
    """The question as saved (an edited question is saved again, replacing it)."""
    saved: tuple[object, ...] | None = field(default=None, repr=False, compare=False)
    """What was last saved as this turn's reply (see `reply_state`)."""

    def reply_state(self) -> tuple[object, ...]:
        """What a saved reply must match: the answer object, the error, the note, stopped."""
        return (self.answer, self.error, self.note, self.stopped)

    @property
    def reply_saved(self) -> bool:
        """Whether the turn's current reply (or its lack of one) is already saved."""
        now = self.reply_state()
        return self.saved is not None and self.saved[0] is now[0] and self.saved[1:] == now[1:]

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
    """(role, content) pairs of the answered turns (up to, not including, `before`); a message
    only about the learner counts with its note, so a later plan answer still reads it."""
    pairs: list[tuple[str, str]] = []
    for turn in turns():
        if turn is before:
            break
        reply = turn.answer.text if turn.answer is not None else turn.note
        if reply is not None:
            pairs += [("user", turn.question), ("assistant", reply)]
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


def chat_id() -> str | None:
    """The id of the saved chat on screen; None until its first question is saved."""
    value: str | None = st.session_state.get(_CHAT)
    return value


def known_ids() -> set[int]:
    """Ids of the stored messages this session has on screen (or saved itself)."""
    if _KNOWN not in st.session_state:
        st.session_state[_KNOWN] = set()
    value: set[int] = st.session_state[_KNOWN]
    return value


def show_chat(chat: str | None, shown: list[ChatTurn], known: set[int]) -> None:
    """Put a chat on screen (None: a new, empty one), replacing the one shown; the URL follows."""
    for turn in turns():
        st.session_state.pop(turn.feedback_key, None)
    st.session_state[_TURNS] = shown
    st.session_state[_KNOWN] = known
    for key in (_PENDING, _OFFLINE):
        st.session_state.pop(key, None)
    if chat is None:
        st.session_state.pop(_CHAT, None)
        if CHAT_PARAM in st.query_params:
            del st.query_params[CHAT_PARAM]
    else:
        set_chat_id(chat)


def set_chat_id(chat: str) -> None:
    """Name the saved chat on screen (in the session and in the URL)."""
    st.session_state[_CHAT] = chat
    if st.query_params.get(CHAT_PARAM) != chat:
        st.query_params[CHAT_PARAM] = chat


def new_chat() -> None:
    """Start an empty chat (the "New chat" button), with an empty profile and plan; saved
    chats stay in the sidebar."""
    show_chat(None, [], set())
    set_kept(Profile(), PlanProgress())
    mark_kept_saved(False)  # the browser's next chat starts with them empty


_KEPT = "chat_kept"


def kept() -> tuple[Profile, PlanProgress]:
    """The learner's profile and plan progress, as kept with the chat."""
    return profile(), PlanProgress(done=frozenset(done_steps()))


def set_kept(value: Profile, plan: PlanProgress) -> None:
    """Show a chat's kept profile and plan progress."""
    set_profile(value)
    st.session_state[_DONE] = set(plan.done)
    for key in [k for k in st.session_state if str(k).startswith("plan_step_")]:
        del st.session_state[key]  # the checkboxes are drawn again from the kept steps
    mark_kept_saved()


def mark_kept_saved(saved: bool = True) -> None:
    """Remember what is now kept with the chat, so it is only saved again when it changes
    (`saved` False: save it at the next chance, whatever it is)."""
    st.session_state[_KEPT] = kept() if saved else None


def kept_changed() -> bool:
    """Whether the profile or the plan progress changed since it was last kept."""
    return bool(st.session_state.get(_KEPT) != kept())


def profile() -> Profile:
    """The learner's profile for "My plan" (from the form and from chat), empty at first."""
    value: Profile = st.session_state.get(_PROFILE) or Profile()
    return value


def set_profile(value: Profile) -> None:
    """Replace the profile; the form's widgets are re-created with its values."""
    st.session_state[_PROFILE] = value
    st.session_state["plan_form_version"] = st.session_state.get("plan_form_version", 0) + 1


def done_steps() -> set[int]:
    """Plan steps the learner ticked as done (kept for the whole browser session)."""
    if _DONE not in st.session_state:
        st.session_state[_DONE] = set()
    value: set[int] = st.session_state[_DONE]
    return value


def toggle_step(number: int, key: str) -> None:
    """Checkbox callback: remember a step as done or not done."""
    (done_steps().add if st.session_state.get(key) else done_steps().discard)(number)
