"""The chat database's tables as SQLAlchemy Core sees them (Alembic's migrations make them).

Times are ISO 8601 text in UTC (compared as text: one format everywhere); answers, extras,
profiles and plans are JSON text, so SQLite and PostgreSQL hold the same bytes.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, Table, Text

metadata = MetaData()

browsers = Table(
    "browsers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("issued_at", Text, nullable=False),
    Column("profile", Text),  # profile (JSON) of the browser's chat not started yet
    Column("plan", Text),  # plan progress (JSON) of that chat
)

chats = Table(
    "chats",
    metadata,
    Column("id", Text, primary_key=True),
    Column("browser", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("profile", Text),
    Column("plan", Text),
    Index("chats_by_browser", "browser", "seq"),
)

messages = Table(
    "chat_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reply_to", Integer),
    Column("answer", Text),
    Column("extra", Text, nullable=False),
    Index("chat_messages_by_chat", "chat_id", "id"),
    sqlite_autoincrement=True,
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("backend", Text, nullable=False),
    Column("source_ids", Text, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("chat_id", Text),  # the rated answer's chat (NULL: outside a chat, or deleted)
    Column("message_id", Integer),  # the rated answer's message id in that chat
    Column("updated_at", Text),
    Column("answer_id", Text),  # the rated answer's id given over HTTP (POST /v1/feedback)
    Index("feedback_by_message", "chat_id", "message_id", unique=True),
    Index("feedback_by_answer", "answer_id", unique=True),
    sqlite_autoincrement=True,
)
