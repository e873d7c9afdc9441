"""One chat turn on the page: the question, its answer (being written, waiting, failed or
done) with its actions, and what to ask next."""

from __future__ import annotations

import logging

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from advisor import AdvisorError, CareerAdvisor, InputError, StoreUnavailable
from ui import answering, callbacks, chats, components, controls, service, state, words
from ui.state import ChatTurn
from ui.suggestions import follow_ups, starters_left

log = logging.getLogger(__name__)


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
            turn.answer = advisor.offline_answer(
                turn.question, state.history(before=turn), state.profile()
            )
    except AdvisorError as exc:
        turn.error, turn.severe = words.plain(str(exc)), True
        return
    turn.error, turn.can_answer_offline, turn.offline = None, False, True


def show_turn(
    turn: ChatTurn, advisor: CareerAdvisor, offline_for: str | None, last: bool
) -> DeltaGenerator | None:
    """One question and its answer (waiting, failed or done), with actions.

    For an answer being written, the place its text goes (filled by `follow`).
    """
    if st.session_state.get(callbacks.EDITING) == turn.id and last:
        limit = advisor.settings.max_question_chars
        controls.edit_box(turn, limit, callbacks.send_edit, callbacks.cancel_edit)
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
            controls.actions(
                turn,
                editable=last,
                on_regenerate=callbacks.regenerate,
                on_edit=callbacks.start_edit,
            )
        if not turn.stopped:
            controls.feedback(turn, callbacks.rate, callbacks.comment, (turn.id, advisor))
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
        controls.offline_button(turn)
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
