"""Career Advisor chat: `streamlit run ui/app.py` from the repository root."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

if __package__ in (None, ""):  # run as a script by Streamlit: make `ui.*` importable
    _root = str(Path(__file__).resolve().parent.parent)
    if _root not in sys.path:
        sys.path.insert(0, _root)

from advisor import AdvisorError, CareerAdvisor, InputError, StoreUnavailable
from advisor.planning.profile import asks_something, profile_reply
from ui import (
    answering,
    callbacks,
    chats,
    components,
    landing,
    plan_view,
    service,
    state,
    theme,
    words,
)
from ui.sidebar import sidebar
from ui.state import ChatTurn
from ui.suggestions import follow_ups, starters_left

log = logging.getLogger("ui.app")

PLACEHOLDER = "Ask about AI/ML careers…"  # short enough for a phone's input box

INTRO = (
    "Cited answers about becoming an AI/ML engineer, from Ryan Mitchell's guide "
    "*How to Become an AI and Machine Learning Engineer in 2026* and the resources it names."
)


def explain(turn: ChatTurn, exc: Exception, advisor: CareerAdvisor) -> None:
    """Turn a failed answer into a message in plain words (and offer the offline answer)."""
    offer = advisor.backend != "extractive"  # no "answer offline" when already offline
    if isinstance(exc, InputError):
        turn.error = words.input_problem(exc, advisor.settings.max_question_chars)
    elif isinstance(exc, StoreUnavailable):
        turn.error, turn.severe = "The guide's index cannot be read right now.", True
    elif isinstance(exc, AdvisorError):
        turn.error = words.plain(service.friendly_error(exc, advisor.settings))
        turn.can_answer_offline = offer
    else:
        log.error("answering %r failed: %s", turn.question, type(exc).__name__)
        turn.error = "Something went wrong while answering."
        turn.can_answer_offline = offer


def settle(turn: ChatTurn, job: answering.AnswerJob, advisor: CareerAdvisor) -> None:
    """Move a finished (or stopped) job's result into its turn."""
    answering.jobs().pop(turn.id, None)
    if job.stopped:
        turn.stopped = True
        turn.answer = job.partial(advisor.backend, turn.question)
    elif job.error is not None:
        explain(turn, job.error, advisor)
    elif job.answer is not None:
        turn.answer = job.answer
    else:
        turn.error = "Something went wrong while answering."


def answer_offline(turn: ChatTurn, advisor: CareerAdvisor) -> None:
    """Replace a failed answer by the offline (extractive) one."""
    try:
        with st.spinner("Answering offline from the guide…"):
            turn.answer = advisor.offline_answer(turn.question, state.history(before=turn))
    except AdvisorError as exc:
        turn.error, turn.severe = words.plain(str(exc)), True
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


def show_turn(
    turn: ChatTurn, advisor: CareerAdvisor, offline_for: str | None, last: bool
) -> DeltaGenerator | None:
    """One question and its answer (waiting, failed or done), with actions.

    For an answer being written, the place its text goes (filled by `follow`).
    """
    if st.session_state.get(callbacks.EDITING) == turn.id and last:
        limit = advisor.settings.max_question_chars
        components.edit_box(turn, limit, callbacks.send_edit, callbacks.cancel_edit)
        return None
    components.user_message(turn.question)
    with st.chat_message("assistant", avatar=components.AVATAR):
        if turn.note:
            st.info(turn.note, icon=":material/person_edit:")
            pending = answering.waiting(turn) or turn.id in answering.jobs()
            if turn.answer is None and turn.error is None and not turn.stopped and not pending:
                return None  # a message about the learner only: nothing else to answer
        job = answering.jobs().get(turn.id)
        if job is not None:
            return components.live_frame(turn.id, job, answering.stop)
        if answering.waiting(turn):
            components.waiting_note(turn.id, answering.stop)
            return None
        if turn.id == offline_for:
            answer_offline(turn, advisor)
        busy = answering.busy()
        if turn.answer is None:
            show_problem(turn, busy)
            return None
        components.answer_body(turn, turn.answer, advisor)
        if not busy:
            components.actions(
                turn,
                editable=last,
                on_regenerate=callbacks.regenerate,
                on_edit=callbacks.start_edit,
            )
        if not turn.stopped:
            components.feedback(turn, callbacks.rate, callbacks.comment, (turn.id, advisor))
    return None


def follow(turn: ChatTurn, box: DeltaGenerator, advisor: CareerAdvisor) -> None:
    """Show the answer being written until it ends, then redraw the finished chat."""
    job = answering.jobs().get(turn.id)
    if job is None:
        return
    components.follow(job, box)
    settle(turn, job, advisor)
    chats.save(advisor)
    st.rerun()  # draw the finished answer with its sources, actions and follow-ups


def show_problem(turn: ChatTurn, busy: bool) -> None:
    """A turn without an answer: stopped early, failed, or cut off (e.g. by a reload)."""
    if turn.stopped:
        st.caption(":material/stop_circle: Stopped before the answer began.")
    else:
        message = turn.error or "This answer was cut off before it finished."
        (st.error if turn.severe else st.warning)(message)
    if turn.can_answer_offline:
        components.offline_button(turn)
    if not busy:
        st.button(
            "Regenerate",
            key=f"regenerate_{turn.id}",
            icon=":material/refresh:",
            on_click=callbacks.regenerate,
            args=(turn.id,),
        )


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


def header() -> None:
    """Title and the one-line intro (New chat is the sidebar's first button)."""
    st.title(":material/explore: Career Advisor", anchor=False)
    st.caption(INTRO)


def load() -> tuple[CareerAdvisor, dict[str, object]] | None:
    """The shared advisor (index built) and its stats; None, after a message, if unusable."""
    try:
        advisor = service.get_advisor(service.load_settings())
        service.build_index(advisor)
        return advisor, service.index_stats(advisor, advisor.settings)
    except AdvisorError as exc:
        st.error(f"The advisor cannot start: {words.plain(str(exc))}")
        return None


def take_question(typed: object, advisor: CareerAdvisor) -> ChatTurn | None:
    """A new question (typed or clicked) as a turn in the chat, queued for its answer."""
    question = (typed if isinstance(typed, str) else None) or state.take_pending()
    if not question or not question.strip():
        return None
    turn = ChatTurn(question=question.strip())
    state.turns().append(turn)
    limit = advisor.settings.max_question_chars
    if len(turn.question) > limit:  # the box caps typing; anything else gets told plainly
        turn.error = words.too_long(len(turn.question), limit)
        return turn
    if note_profile(turn, advisor):
        answering.enqueue(turn)
    return turn


def main() -> None:
    """One run of the page."""
    st.set_page_config(page_title="Career Advisor — AI/ML engineering", page_icon="🧭")
    theme.apply()
    landing.install()  # [n] links open, scroll to and light up their source
    loaded = load()
    if loaded is None:
        return
    advisor, stats = loaded
    warm = service.warmup(advisor, advisor.settings)
    warm.start()  # the search model loads in the background while the user reads or types
    chats.restore(advisor)  # the saved chat named in the URL, and what other tabs added
    chats.keep(advisor)  # a plan form sent, a step ticked: kept with the chat
    sidebar(advisor, stats)
    turns = state.turns()
    header()
    view = st.radio(
        "View", ["Chat", "My plan"], horizontal=True, key="view", label_visibility="collapsed"
    )
    if view == "My plan":
        plan_view.show(advisor)
        return
    typed = st.chat_input(
        PLACEHOLDER, key="question", max_chars=advisor.settings.max_question_chars
    )
    take_question(typed, advisor)
    chats.save(advisor)  # saved before answering: a reload mid-answer keeps the question
    if (turn := answering.next_to_start()) is not None:
        answering.start(advisor, turn, warm.done)  # it waits for the model, not the page
    offline_for = state.take_offline()
    writing: tuple[ChatTurn, DeltaGenerator] | None = None
    for i, turn in enumerate(turns):
        box = show_turn(turn, advisor, offline_for, last=i == len(turns) - 1)
        writing = (turn, box) if box is not None else writing
    if writing is not None:
        follow(*writing, advisor)
    if turns and not answering.busy():
        show_suggestions(turns[-1])
    elif not turns:
        components.starters()
    chats.save(advisor)  # e.g. an offline answer given above


main()
