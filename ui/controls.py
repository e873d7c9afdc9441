"""The controls under a turn: Copy, Regenerate, Edit question, the thumbs and comment box,
and the offline-answer button."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from advisor.feedback import MAX_COMMENT_CHARS
from ui import state
from ui.state import ChatTurn


def copy_box(text: str, key: str) -> None:
    """A "Copy" popover: the answer as plain text with the code block's copy icon."""
    with st.popover("Copy", icon=":material/content_copy:", key=key):
        st.caption("Use the copy icon at the top right of the box.")
        st.code(text, language=None, wrap_lines=True)


def feedback(
    turn: ChatTurn,
    on_rate: Callable[..., None],
    on_comment: Callable[..., None],
    args: tuple[object, ...],
) -> None:
    """Thumbs that show the choice made (also after a reload) and can change it, then an
    optional comment; the callbacks get `args`."""
    st.feedback("thumbs", key=turn.feedback_key, on_change=on_rate, args=args, default=turn.rating)
    if turn.rating is not None:
        st.text_input(
            "Comment (optional)",
            value=turn.comment,
            key=f"comment_{turn.id}",
            placeholder="What was good or missing?",
            max_chars=MAX_COMMENT_CHARS,
            on_change=on_comment,
            args=args,
            label_visibility="collapsed",
        )


def actions(
    turn: ChatTurn,
    *,
    editable: bool,
    on_regenerate: Callable[[str], None],
    on_edit: Callable[[str], None],
) -> None:
    """Copy and Regenerate under an answer, and Edit under the last question."""
    with st.container(horizontal=True, gap="small"):
        if turn.answer is not None and turn.answer.text.strip():
            copy_box(turn.answer.text, key=f"copy_{turn.id}")
        st.button(
            "Regenerate",
            key=f"regenerate_{turn.id}",
            icon=":material/refresh:",
            on_click=on_regenerate,
            args=(turn.id,),
            help="Ask the same question again, with a fresh search",
        )
        if editable:
            st.button(
                "Edit question",
                key=f"edit_{turn.id}",
                icon=":material/edit:",
                on_click=on_edit,
                args=(turn.id,),
            )


def edit_box(
    turn: ChatTurn,
    limit: int,
    on_send: Callable[[str], None],
    on_cancel: Callable[[], None],
) -> None:
    """The last question in an editable box, with Send and Cancel."""
    with st.chat_message("user"):
        st.text_area(
            "Edit your question",
            value=turn.question,
            key=f"edit_text_{turn.id}",
            max_chars=limit,
            label_visibility="collapsed",
        )
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Send",
                key=f"edit_send_{turn.id}",
                type="primary",
                on_click=on_send,
                args=(turn.id,),
                icon=":material/send:",
            )
            st.button("Cancel", key=f"edit_cancel_{turn.id}", on_click=on_cancel)


def offline_button(turn: ChatTurn) -> None:
    """The button that replaces a failed answer by the offline one."""
    st.button(
        "Answer offline from the guide",
        key=f"offline_{turn.id}",
        icon=":material/menu_book:",
        on_click=state.request_offline,
        args=(turn.id,),
    )
