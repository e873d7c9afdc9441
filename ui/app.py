"""Career Advisor chat: `advisor app`, or `streamlit run path/to/ui/app.py` from any folder.

One run of the page: load the advisor, take a new question, draw the chat (ui.turns), save it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

if __package__ in (None, ""):  # run as a script by Streamlit: make `ui.*` importable
    _root = str(Path(__file__).resolve().parent.parent)
    if _root not in sys.path:
        sys.path.insert(0, _root)

from advisor import AdvisorError, CareerAdvisor, InputError
from advisor.planning.chat_reply import asks_something, profile_reply
from ui import answering, chats, components, landing, plan_view, service, state, theme, words
from ui.sidebar import sidebar
from ui.state import ChatTurn
from ui.turns import follow, show_suggestions, show_turn

PLACEHOLDER = "Ask about AI/ML careers…"  # short enough for a phone's input box

INTRO = (
    "Cited answers about becoming an AI/ML engineer, from Ryan Mitchell's guide "
    "*How to Become an AI and Machine Learning Engineer in 2026* and the resources it names."
)


def note_profile(turn: ChatTurn, advisor: CareerAdvisor) -> bool:
    """Fill the plan's profile from a message about the learner; True if there is more to answer."""
    try:
        update = advisor.read_profile(turn.question, state.profile())
    except InputError:
        return True  # answer_into reports the problem with the question
    if not update.changed:
        return True
    state.set_profile(update.profile)
    turn.note = profile_reply(update, advisor.plan)
    return asks_something(turn.question)


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
