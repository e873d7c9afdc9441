"""Career Advisor chat: `streamlit run ui/app.py` from the repository root."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import streamlit as st

if __package__ in (None, ""):  # run as a script by Streamlit: make `ui.*` importable
    _root = str(Path(__file__).resolve().parent.parent)
    if _root not in sys.path:
        sys.path.insert(0, _root)

from advisor import AdvisorError, Answer, CareerAdvisor, InputError, StoreUnavailable
from advisor.planning.profile import asks_something, profile_reply
from ui import chats, components, plan_view, service, state
from ui.sidebar import sidebar
from ui.state import ChatTurn
from ui.suggestions import follow_ups, starters_left

log = logging.getLogger("ui.app")

INTRO = (
    "Cited answers about becoming an AI/ML engineer, from Ryan Mitchell's guide "
    "*How to Become an AI and Machine Learning Engineer in 2026* and the resources it names."
)


def rate(turn_id: str, db_path: str) -> None:
    """Feedback callback: store the thumbs of one answer."""
    turn = state.find(turn_id)
    value = st.session_state.get(turn.feedback_key) if turn else None
    if turn is None or turn.answer is None or value is None:
        return
    try:
        service.save_rating(db_path, turn.question, turn.answer, int(value))
    except (OSError, sqlite3.Error):
        log.exception("saving feedback to %s failed", db_path)
        st.toast("Sorry, your rating could not be saved.", icon=":material/error:")
        return
    turn.rating = int(value)
    st.toast("Thanks — your rating was saved.", icon=":material/check_circle:")


def answer_into(turn: ChatTurn, advisor: CareerAdvisor, history: list[tuple[str, str]]) -> None:
    """Stream a new answer for `turn` into the current chat message (errors become messages)."""
    got: list[Answer] = []
    status = st.empty()
    status.caption("Searching the guide…")
    try:
        deltas = components.answer_deltas(advisor.stream(turn.question, history), got)
        st.write_stream(components.paced(deltas, on_first=status.empty))
    except InputError as exc:
        message = str(exc)
        turn.error = message[:1].upper() + message[1:]
    except StoreUnavailable as exc:
        turn.error, turn.severe = f"The index cannot be read right now: {exc}", True
    except AdvisorError as exc:
        turn.error = service.friendly_error(exc, advisor.settings)
        turn.can_answer_offline = True
    except Exception:
        log.exception("answering %r failed", turn.question)
        turn.error = "Something went wrong while answering. You can try the offline answer."
        turn.can_answer_offline = True
    status.empty()
    if got:
        turn.answer = got[-1]


def answer_offline(turn: ChatTurn, advisor: CareerAdvisor) -> None:
    """Replace a failed answer by the offline (extractive) one."""
    try:
        with st.spinner("Answering offline from the guide…"):
            turn.answer = advisor.offline_answer(turn.question, state.history(before=turn))
    except AdvisorError as exc:
        turn.error, turn.severe = str(exc), True
        return
    turn.error, turn.can_answer_offline, turn.offline = None, False, True


def note_profile(turn: ChatTurn, advisor: CareerAdvisor) -> bool:
    """Fill the plan's profile from a message about the learner; True if there is more to answer."""
    try:
        update = advisor.read_profile(turn.question, state.profile())
    except InputError:
        return True  # answer_into reports the problem with the question
    if not update.changed:
        return True
    state.set_profile(update.profile)
    turn.note = profile_reply(update)
    return asks_something(turn.question)


def show_turn(turn: ChatTurn, advisor: CareerAdvisor, offline_for: str | None) -> None:
    """One question and its answer (or its error), with feedback."""
    components.user_message(turn.question)
    with st.chat_message("assistant", avatar=components.AVATAR):
        if turn.note:
            st.info(turn.note, icon=":material/person_edit:")
            if turn.answer is None and turn.error is None:
                return  # a message about the learner only: nothing else to answer
        if turn.id == offline_for:
            answer_offline(turn, advisor)
        if state.take_regenerate(turn.id):
            answer_into(turn, advisor, state.history(before=turn))
            chats.save(advisor)
            st.rerun()
        if turn.answer is None:
            interrupted = turn.error is None
            message = turn.error or "This answer was interrupted before it finished."
            (st.error if turn.severe else st.warning)(message)
            if turn.can_answer_offline:
                components.offline_button(turn)
            if interrupted:
                chats.regenerate_button(turn)
            return
        components.answer_body(turn, turn.answer)
        components.feedback(turn, rate, str(advisor.settings.feedback_db))


def show_suggestions(turn: ChatTurn) -> None:
    """Follow-up questions under the last answer (starters again after a refusal)."""
    if turn.answer is None:
        return
    asked = state.asked()
    if turn.answer.refused:
        questions, label = starters_left(asked), "Questions I can answer:"
    else:
        questions, label = follow_ups(turn.answer, asked), "Ask next:"
    if questions:
        st.caption(label)
        components.question_buttons(questions, key=f"next_{turn.id}")


def header(has_turns: bool) -> None:
    """Title, the one-line intro and (once there is a chat) the New chat button."""
    title, action = st.columns([4, 1], vertical_alignment="bottom")
    title.title(":material/explore: Career Advisor", anchor=False)
    if has_turns:
        action.button("New chat", key="new_chat", icon=":material/add:", on_click=state.new_chat)
    st.caption(INTRO)


def load() -> tuple[CareerAdvisor, dict[str, object]] | None:
    """The shared advisor (index built) and its stats; None, after a message, if unusable."""
    try:
        advisor = service.get_advisor(service.load_settings())
        service.build_index(advisor)
        return advisor, advisor.stats()
    except AdvisorError as exc:
        st.error(f"The advisor cannot start: {exc}")
        return None


def main() -> None:
    """One run of the page."""
    st.set_page_config(page_title="Career Advisor — AI/ML engineering", page_icon="🧭")
    loaded = load()
    if loaded is None:
        return
    advisor, stats = loaded
    chats.restore(advisor)  # the saved chat named in the URL, and what other tabs added
    sidebar(advisor, stats)
    turns = state.turns()
    header(bool(turns))
    view = st.radio(
        "View", ["Chat", "My plan"], horizontal=True, key="view", label_visibility="collapsed"
    )
    if view == "My plan":
        plan_view.show(advisor)
        return
    typed = st.chat_input("Ask about AI/ML careers or tell me about yourself…")
    question = (typed if isinstance(typed, str) else None) or state.take_pending()
    offline_for = state.take_offline()
    for turn in turns:
        show_turn(turn, advisor, offline_for)
    if question and question.strip():
        history = state.history()
        turn = ChatTurn(question=question.strip())
        turns.append(turn)  # kept even if the user interrupts the answer
        chats.save(advisor)  # saved before answering: a reload mid-answer keeps the question
        components.user_message(turn.question)
        with st.chat_message("assistant", avatar=components.AVATAR):
            if note_profile(turn, advisor):
                service.warm_up(advisor)
                answer_into(turn, advisor, history)
        chats.save(advisor)
        st.rerun()
    if turns:
        show_suggestions(turns[-1])
    else:
        components.starters()
    chats.save(advisor)  # e.g. an offline answer given above
    service.warm_up(advisor)  # once the page is drawn: load the model while the user reads


main()
