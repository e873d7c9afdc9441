"""Saved chats in the app: the browser's anonymous id, restoring and saving the open chat.

The browser id lives in the URL (`?browser=…&chat=…`): `st.query_params` is the only
per-browser state Streamlit itself both writes and gets back after a reload (cookies are
read-only to a script; setting one needs JavaScript). The chats themselves are stored by
`advisor.chats.ChatStore` in the chat database (ADVISOR_DATABASE_URL), never in the app.
"""

from __future__ import annotations

import logging

import streamlit as st

from advisor import AdvisorError, CareerAdvisor, Settings
from advisor.chats import (
    ChatMessage,
    ChatNotFound,
    ChatStore,
    Rating,
    is_browser_id,
    is_chat_id,
    new_browser_id,
)
from ui import state
from ui.state import CHAT_PARAM, ChatTurn

log = logging.getLogger(__name__)

BROWSER_PARAM = "browser"
"""The URL query parameter holding the browser's anonymous id."""
FAILURES = (OSError, AdvisorError)
"""What reading or writing saved chats may raise; the app logs it and carries on."""


@st.cache_resource(show_spinner=False)
def _store(_settings: Settings, key: tuple[object, ...]) -> ChatStore:
    """One store per database and caps (`key`), shared by this process's sessions."""
    return ChatStore.from_settings(_settings)


def store(advisor: CareerAdvisor) -> ChatStore:
    """The chat store of this server process (ADVISOR_DATABASE_URL, else ADVISOR_FEEDBACK_DB)."""
    s = advisor.settings
    return _store(s, (s.database, s.max_chats, s.max_chats_total, s.chat_days))


_ISSUED = "browser_issued"
"""The browser id this session checked (or was issued), so the store is asked once."""


def browser_id(chats: ChatStore) -> str:
    """This browser's anonymous id, from the URL when the store issued it; otherwise a new
    one, issued and put in the URL (so a link carrying someone else's made-up id starts an
    empty list instead of one its author could read)."""
    value = st.query_params.get(BROWSER_PARAM)
    if isinstance(value, str) and value == st.session_state.get(_ISSUED):
        return value
    try:
        if not (is_browser_id(value) and chats.issued(value)):
            value = chats.issue_browser()
            st.query_params[BROWSER_PARAM] = value
    except FAILURES:
        log.exception("checking the browser id in %r failed", chats)
        return new_browser_id()  # nothing can be saved now: no id goes in the URL
    assert isinstance(value, str)
    st.session_state[_ISSUED] = value
    return value


# --- stored messages <-> turns ---------------------------------------------------------


def reply_message(turn: ChatTurn) -> ChatMessage | None:
    """What to save as the turn's reply; None while it has none (a cut answer)."""
    if turn.answer is None and turn.error is None and turn.note is None and not turn.stopped:
        return None
    if turn.answer is not None:
        status, text = ("stopped" if turn.stopped else "complete"), turn.answer.text
    elif turn.error is not None:
        status, text = "error", turn.error
    elif turn.stopped:
        status, text = "stopped", ""
    else:
        status, text = "complete", turn.note or ""
    extra = {
        name: value
        for name, value in (
            ("note", turn.note),
            ("severe", turn.severe),
            ("can_answer_offline", turn.can_answer_offline),
            ("offline", turn.offline),
        )
        if value
    }
    return ChatMessage(
        role="assistant",
        text=text,
        status=status,
        reply_to=turn.message_id,
        answer=turn.answer,
        extra=extra,
    )


def apply_reply(turn: ChatTurn, message: ChatMessage) -> None:
    """Show a saved reply on its turn (the latest reply to a question wins)."""
    extra = message.extra
    turn.answer = message.answer
    turn.error = message.text if message.status == "error" else None
    turn.note = str(extra["note"]) if extra.get("note") else None
    turn.severe = bool(extra.get("severe"))
    turn.can_answer_offline = bool(extra.get("can_answer_offline"))
    turn.offline = bool(extra.get("offline"))
    turn.stopped = message.status == "stopped"
    turn.reply_id = message.id
    turn.rating, turn.comment, turn.feedback_row = None, "", None  # a new reply: unrated
    turn.saved = turn.reply_state()


def apply_ratings(turns: list[ChatTurn], ratings: dict[int, Rating]) -> None:
    """Show the stored thumbs and comments on the replies they were given to."""
    for turn in turns:
        rating = ratings.get(turn.reply_id) if turn.reply_id is not None else None
        if rating is not None:
            turn.rating, turn.comment, turn.feedback_row = rating.rating, rating.comment, None


def merge(turns: list[ChatTurn], messages: list[ChatMessage], known: set[int]) -> list[ChatTurn]:
    """`turns` with the messages not yet `known` added in saved order (known gains them)."""
    by_question = {t.message_id: t for t in turns if t.message_id is not None}
    for message in messages:
        if message.id is None or message.id in known:
            continue
        known.add(message.id)
        if message.role == "user":
            replaces = message.extra.get("replaces")  # an edited question takes its place
            turn = by_question.pop(replaces, None) if isinstance(replaces, int) else None
            if turn is None:
                turn = ChatTurn(question=message.text, id=f"m{message.id}")
                turns.append(turn)
            turn.question, turn.asked, turn.message_id = message.text, message.text, message.id
            turn.answer, turn.error, turn.note, turn.stopped = None, None, None, False
            turn.saved = turn.reply_state()  # no reply yet: nothing to save for it
            by_question[message.id] = turn
        elif message.reply_to in by_question:
            apply_reply(by_question[message.reply_to], message)
    big = float("inf")
    turns.sort(key=lambda t: big if t.message_id is None else t.message_id)
    return turns


# --- once per run ------------------------------------------------------------------------


_RESTORED = "chat_restored"


def restore(advisor: CareerAdvisor) -> None:
    """Before the chat is drawn: reopen the chat named in the URL after a reload, or take in
    messages another tab added to the open chat."""
    chats = store(advisor)
    browser = browser_id(chats)
    try:
        if not st.session_state.get(_RESTORED):
            st.session_state[_RESTORED] = True
            wanted = st.query_params.get(CHAT_PARAM)
            if wanted:
                open_chat(chats, browser, str(wanted))
            else:  # the profile and plan given before a first question, kept for the browser
                draft = chats.profile(browser, None), chats.plan(browser, None)
                if draft != state.kept():
                    state.set_kept(*draft)
                state.mark_kept_saved()
            return
        chat = state.chat_id()
        if chat is None:
            return
        known = state.known_ids()
        count, last = chats.version(browser, chat)
        if (count, last) != (len(known), max(known, default=0)):
            merge(state.turns(), chats.messages(browser, chat), known)
    except ChatNotFound:
        state.new_chat()
        st.toast("This chat was deleted.", icon=":material/delete:")
    except FAILURES:
        log.exception("reading saved chats from %r failed", chats)


def open_chat(chats: ChatStore, browser: str, chat: str) -> None:
    """Put a saved chat of this browser on screen (refused, with a note, if it is not one)."""
    try:
        if not is_chat_id(chat):
            raise ChatNotFound(chat)
        known: set[int] = set()
        shown = merge([], chats.messages(browser, chat), known)
        apply_ratings(shown, chats.ratings(browser, chat))
        profile, plan = chats.profile(browser, chat), chats.plan(browser, chat)
    except ChatNotFound:
        state.new_chat()
        st.toast("That chat is not saved in this browser.", icon=":material/block:")
        return
    except FAILURES:
        log.exception("opening saved chat %s failed", chat)
        st.toast("Sorry, that chat cannot be opened right now.", icon=":material/error:")
        return
    state.show_chat(chat, shown, known)
    state.set_kept(profile, plan)  # the chat's learner profile and plan progress


def save(advisor: CareerAdvisor) -> None:
    """Save what is new in the chat on screen: questions first, then their replies."""
    chats = store(advisor)
    browser = browser_id(chats)
    try:
        _save_turns(chats, browser)
        keep(advisor)
    except ChatNotFound:  # deleted in another tab meanwhile: keep it as a new chat
        for turn in state.turns():
            turn.message_id, turn.saved = None, None
        state.show_chat(None, state.turns(), set())
        try:
            _save_turns(chats, browser)
        except FAILURES:
            _unsaved(chats)
    except FAILURES:
        _unsaved(chats)


def keep(advisor: CareerAdvisor) -> None:
    """Keep the profile and plan progress with the open chat when they changed (with the
    browser's chat not started yet, which its first question takes them into)."""
    if not state.kept_changed():
        return
    chat = state.chat_id()
    chats = store(advisor)
    browser = browser_id(chats)
    profile, plan = state.kept()
    try:
        chats.set_profile(browser, chat, profile)
        chats.set_plan(browser, chat, plan)
    except FAILURES:
        log.exception("keeping the plan with chat %s failed", chat)
        st.toast("Sorry, your plan could not be saved.", icon=":material/error:")
        return
    state.mark_kept_saved()


def _unsaved(chats: ChatStore) -> None:
    log.exception("saving the chat to %r failed", chats)
    st.toast("Sorry, this chat could not be saved.", icon=":material/error:")


def _save_turns(chats: ChatStore, browser: str) -> None:
    known = state.known_ids()
    for turn in state.turns():
        if turn.message_id is None or turn.question != turn.asked:
            replaces = {} if turn.message_id is None else {"replaces": turn.message_id}
            question = ChatMessage(role="user", text=turn.question, extra=replaces)
            chat = state.chat_id()
            if chat is None:
                summary, saved = chats.start(browser, question)
                state.set_chat_id(summary.id)
            else:
                saved = chats.append(browser, chat, question)
            turn.message_id, turn.asked = saved.id, turn.question
            known.add(int(saved.id or 0))
        if turn.reply_saved:
            continue
        reply = reply_message(turn)
        chat = state.chat_id()
        if reply is not None and chat is not None:
            turn.reply_id = chats.append(browser, chat, reply).id
            known.add(int(turn.reply_id or 0))
        turn.saved = turn.reply_state()
