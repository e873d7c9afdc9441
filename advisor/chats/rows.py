"""Statements shared by the store's calls, and rows turned into records."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    FromClause,
    Select,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from advisor.chats.records import ChatMessage, ChatSummary, answer_from_json
from advisor.chats.schema import browsers, chats, feedback, messages

SUMMARY: Select[Any] = select(
    chats.c.id,
    chats.c.browser,
    chats.c.title,
    chats.c.created_at,
    chats.c.updated_at,
    select(func.count())
    .select_from(messages)
    .where(messages.c.chat_id == chats.c.id)
    .scalar_subquery(),
)
MESSAGE: Select[Any] = select(
    messages.c.id,
    messages.c.created_at,
    messages.c.role,
    messages.c.text,
    messages.c.status,
    messages.c.reply_to,
    messages.c.answer,
    messages.c.extra,
)


def new_id(result: CursorResult[Any]) -> int:
    """The id the database gave the row just inserted."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_new(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert a row unless one with its primary key exists (either database's dialect)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(values).on_conflict_do_nothing())


def drop(conn: Connection, chat_ids: list[str]) -> None:
    """Delete these chats and their messages; their ratings stay, no longer tied to a chat
    (so `advisor feedback` keeps them)."""
    for chat_id in chat_ids:
        conn.execute(
            update(feedback)
            .where(feedback.c.chat_id == chat_id)
            .values(chat_id=None, message_id=None)
        )
        conn.execute(delete(messages).where(messages.c.chat_id == chat_id))
        conn.execute(delete(chats).where(chats.c.id == chat_id))


def issue(conn: Connection, browser: str, now: str) -> None:
    """Record a browser id as issued."""
    insert_new(conn, browsers, {"id": browser, "issued_at": now})


def forget_idle_browsers(conn: Connection, cutoff: str, keep: int) -> None:
    """Drop issued ids without chats: those issued before `cutoff`, and all but the newest
    `keep` (a page that is reloaded without its id gets a new one each time)."""
    conn.execute(delete(browsers).where(browsers.c.issued_at < cutoff, _idle(browsers)))
    other = browsers.alias("other")
    newest = select(other.c.id).where(_idle(other)).order_by(other.c.issued_at.desc()).limit(keep)
    conn.execute(delete(browsers).where(_idle(browsers), browsers.c.id.not_in(newest)))


def _idle(table: FromClause) -> ColumnElement[bool]:
    """The browser id in `table` has no chat."""
    return ~select(chats.c.id).where(chats.c.browser == table.c.id).exists()


def summary_of(row: Any) -> ChatSummary:
    """A SUMMARY row as a ChatSummary."""
    chat_id, browser, title, created_at, updated_at, count = row
    return ChatSummary(
        id=chat_id,
        browser=browser,
        title=title,
        created_at=created_at,
        updated_at=updated_at,
        messages=int(count),
    )


def message_of(row: Any) -> ChatMessage:
    """A MESSAGE row as a ChatMessage."""
    row_id, created_at, role, text, status, reply_to, answer, extra = row
    return ChatMessage(
        id=int(row_id),
        created_at=created_at,
        role=role,
        text=text,
        status=status,
        reply_to=None if reply_to is None else int(reply_to),
        answer=answer_from_json(json.loads(answer)) if answer else None,
        extra=json.loads(extra),
    )
