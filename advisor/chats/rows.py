"""The SQLite side of saved chats: tables, and rows turned into records."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from advisor.chats.records import ChatMessage, ChatSummary, answer_from_json

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS chats (
        id TEXT PRIMARY KEY,
        browser TEXT NOT NULL,
        title TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS chats_by_browser ON chats (browser, seq)",
    """CREATE TABLE IF NOT EXISTS chat_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        reply_to INTEGER,
        answer TEXT,
        extra TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS chat_messages_by_chat ON chat_messages (chat_id, id)",
)
SUMMARY = (
    "SELECT c.id, c.browser, c.title, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM chat_messages m WHERE m.chat_id = c.id) FROM chats c"
)
MESSAGE = "SELECT id, created_at, role, text, status, reply_to, answer, extra FROM chat_messages"


def delete(conn: sqlite3.Connection, chat_ids: list[str]) -> None:
    """Delete these chats and their messages (inside the caller's transaction)."""
    for chat_id in chat_ids:
        conn.execute("DELETE FROM chat_messages WHERE chat_id = ?", (chat_id,))
        conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))


def summary_of(row: tuple[Any, ...]) -> ChatSummary:
    """A SUMMARY row as a ChatSummary."""
    chat_id, browser, title, created_at, updated_at, messages = row
    return ChatSummary(
        id=chat_id,
        browser=browser,
        title=title,
        created_at=created_at,
        updated_at=updated_at,
        messages=int(messages),
    )


def message_of(row: tuple[Any, ...]) -> ChatMessage:
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
