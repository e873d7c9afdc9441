"""The sidebar's past chats: newest first, titled by their first question; open, rename,
delete (after a confirmation) and start a new chat."""

from __future__ import annotations

import logging
import re

import streamlit as st

from advisor import CareerAdvisor, InputError
from advisor.chats import ChatNotFound, ChatStore, ChatSummary
from ui import answering, callbacks, chats, state

log = logging.getLogger(__name__)

SHOWN = 15
"""Chats listed at once; older ones wait in an "Older chats" expander."""
CONFIRM_DELETE = "confirm_delete_chat"
"""Session key: the chat whose Delete was clicked and awaits confirmation."""
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def plain_label(text: str) -> str:
    """User text as a widget label: Markdown, links and icon codes shown as typed."""
    return _MARKDOWN.sub(r"\\\1", text)


def rename_chat(store: ChatStore, browser: str, chat: str, key: str) -> None:
    """Rename callback: the new title comes from the text box `key`."""
    try:
        store.rename(browser, chat, str(st.session_state.get(key, "")))
    except InputError as exc:
        message = str(exc)
        st.toast(message[:1].upper() + message[1:], icon=":material/error:")
    except chats.FAILURES:
        log.exception("renaming chat %s failed", chat)
        st.toast("Sorry, the chat could not be renamed.", icon=":material/error:")


def confirm_delete(chat: str | None) -> None:
    """Delete (or Cancel) callback: show, or drop, the confirmation for one chat."""
    if chat is None:
        st.session_state.pop(CONFIRM_DELETE, None)
    else:
        st.session_state[CONFIRM_DELETE] = chat


def delete_chat(store: ChatStore, browser: str, chat: str) -> None:
    """Confirmed delete callback; when the open chat goes, a new chat takes its place."""
    st.session_state.pop(CONFIRM_DELETE, None)
    try:
        store.delete(browser, chat)
    except ChatNotFound:
        pass  # already deleted, in another tab
    except chats.FAILURES:
        log.exception("deleting chat %s failed", chat)
        st.toast("Sorry, the chat could not be deleted.", icon=":material/error:")
        return
    if state.chat_id() == chat:
        state.new_chat()
    st.toast("Chat deleted.", icon=":material/delete:")


def _open_chat(store: ChatStore, browser: str, chat: str) -> None:
    """Stop an answer being written, then open a saved chat."""
    answering.stop_all()
    chats.open_chat(store, browser, chat)


def chat_row(store: ChatStore, browser: str, chat: ChatSummary) -> None:
    """One past chat: its title opens it; a menu renames or deletes it."""
    title, menu = st.columns([4, 1], gap="xsmall", vertical_alignment="center")
    title.button(
        plain_label(chat.title),
        key=f"open_{chat.id}",
        help=f"Last message {chat.updated_at.replace('T', ' ')[:16]} UTC",
        type="secondary" if chat.id == state.chat_id() else "tertiary",
        width="stretch",
        on_click=_open_chat,
        args=(store, browser, chat.id),
    )
    with menu.popover(":material/more_vert:", help="Rename or delete"):
        key = f"title_{chat.id}"
        st.text_input("Name", value=chat.title, key=key, max_chars=80)
        st.button(
            "Rename",
            key=f"rename_{chat.id}",
            icon=":material/edit:",
            on_click=rename_chat,
            args=(store, browser, chat.id, key),
        )
        st.button(
            "Delete…",
            key=f"delete_{chat.id}",
            icon=":material/delete:",
            on_click=confirm_delete,
            args=(chat.id,),
        )
    if st.session_state.get(CONFIRM_DELETE) == chat.id:
        with st.container(border=True):
            st.warning(f"Delete “{plain_label(chat.title)}”? This cannot be undone.")
            yes, no = st.columns(2)
            yes.button(
                "Delete",
                key="confirm_delete",
                type="primary",
                on_click=delete_chat,
                args=(store, browser, chat.id),
            )
            no.button("Cancel", key="cancel_delete", on_click=confirm_delete, args=(None,))


def past_chats(advisor: CareerAdvisor) -> None:
    """New chat, then this browser's saved chats (only this browser's)."""
    st.button(
        "New chat",
        key="sidebar_new_chat",
        icon=":material/add:",
        width="stretch",
        on_click=callbacks.new_chat,
    )
    store = chats.store(advisor)
    browser = chats.browser_id(store)
    try:
        listed = store.chats(browser)
    except chats.FAILURES:
        log.exception("listing saved chats from %s failed", store.path)
        st.caption("Your saved chats cannot be read right now.")
        return
    if not listed:
        st.caption("Your chats are saved as you go. Bookmark this page to find them again.")
        return
    st.markdown("**Your chats**")
    for chat in listed[:SHOWN]:
        chat_row(store, browser, chat)
    if len(listed) > SHOWN:
        with st.expander(f"Older chats ({len(listed) - SHOWN})"):
            for chat in listed[SHOWN:]:
                chat_row(store, browser, chat)
