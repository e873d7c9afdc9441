"""The SQLite side of saved chats: tables, and rows turned into records."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from advisor.chats.records import ChatMessage, ChatRating, ChatSummary, answer_from_json
from advisor.errors import InputError

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
    """CREATE TABLE IF NOT EXISTS browsers (
        id TEXT PRIMARY KEY,
        issued_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS chat_ratings (
        message_id INTEGER PRIMARY KEY,
        chat_id TEXT NOT NULL,
        rating INTEGER NOT NULL CHECK (rating IN (0, 1)),
        comment TEXT NOT NULL,
        feedback_id INTEGER,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS chat_ratings_by_chat ON chat_ratings (chat_id)",
    """CREATE TABLE IF NOT EXISTS chat_state (
        chat_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, name)
    )""",
    # browsers that saved chats before ids were recorded keep their lists
    "INSERT OR IGNORE INTO browsers (id, issued_at) "
    "SELECT browser, min(created_at) FROM chats GROUP BY browser",
)
SUMMARY = (
    "SELECT c.id, c.browser, c.title, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM chat_messages m WHERE m.chat_id = c.id) FROM chats c"
)
MESSAGE = "SELECT id, created_at, role, text, status, reply_to, answer, extra FROM chat_messages"


def delete(conn: sqlite3.Connection, chat_ids: list[str]) -> None:
    """Delete these chats, their messages, ratings and state (inside the caller's transaction)."""
    for chat_id in chat_ids:
        conn.execute("DELETE FROM chat_messages WHERE chat_id = ?", (chat_id,))
        conn.execute("DELETE FROM chat_ratings WHERE chat_id = ?", (chat_id,))
        conn.execute("DELETE FROM chat_state WHERE chat_id = ?", (chat_id,))
        conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))


def issue(conn: sqlite3.Connection, browser: str, now: str) -> None:
    """Record a browser id as issued (inside the caller's transaction)."""
    conn.execute("INSERT OR IGNORE INTO browsers (id, issued_at) VALUES (?, ?)", (browser, now))


def forget_idle_browsers(conn: sqlite3.Connection, cutoff: str, keep: int) -> None:
    """Drop issued ids without chats: those issued before `cutoff`, and all but the newest
    `keep` (a page that is reloaded without its id gets a new one each time)."""
    idle = "NOT EXISTS (SELECT 1 FROM chats c WHERE c.browser = browsers.id)"
    conn.execute(f"DELETE FROM browsers WHERE issued_at < ? AND {idle}", (cutoff,))
    conn.execute(
        f"DELETE FROM browsers WHERE {idle} AND id NOT IN "
        f"(SELECT id FROM browsers WHERE {idle} ORDER BY issued_at DESC LIMIT ?)",
        (keep,),
    )


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


def rate(conn: sqlite3.Connection, chat_id: str, rating: ChatRating, now: str) -> None:
    """Store the rating of a reply of `chat_id`, replacing the one it had."""
    reply = conn.execute(
        "SELECT 1 FROM chat_messages WHERE id = ? AND chat_id = ? AND role = 'assistant'",
        (rating.message_id, chat_id),
    ).fetchone()
    if reply is None:
        raise InputError(f"message {rating.message_id} is not a reply in this chat")
    conn.execute(
        "INSERT INTO chat_ratings (message_id, chat_id, rating, comment, feedback_id, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO UPDATE SET "
        "rating = excluded.rating, comment = excluded.comment, "
        "feedback_id = coalesce(excluded.feedback_id, feedback_id), "
        "updated_at = excluded.updated_at",
        (rating.message_id, chat_id, rating.rating, rating.comment, rating.feedback_id, now),
    )


def ratings(conn: sqlite3.Connection, chat_id: str) -> dict[int, ChatRating]:
    """The ratings of a chat's replies, by reply id."""
    rows = conn.execute(
        "SELECT message_id, rating, comment, feedback_id FROM chat_ratings WHERE chat_id = ?",
        (chat_id,),
    ).fetchall()
    return {
        int(m): ChatRating(message_id=int(m), rating=int(r), comment=c, feedback_id=f)
        for m, r, c, f in rows
    }


def put_state(conn: sqlite3.Connection, chat_id: str, name: str, value: Any, now: str) -> None:
    """Keep one named piece of a chat's state (JSON), replacing its previous value."""
    conn.execute(
        "INSERT INTO chat_state (chat_id, name, value, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, name) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        (chat_id, name, json.dumps(value), now),
    )


def state(conn: sqlite3.Connection, chat_id: str) -> dict[str, Any]:
    """Every named piece of a chat's state."""
    rows = conn.execute("SELECT name, value FROM chat_state WHERE chat_id = ?", (chat_id,))
    return {name: json.loads(value) for name, value in rows.fetchall()}
