"""The chat database's schema comes from Alembic: a file written by the sqlite3 version of
the app is migrated on open with every row kept, and the shipped scripts end at HEAD."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from advisor import ConfigurationError, Settings
from advisor.chats import ChatMessage, ChatStore, Database, PlanProgress, database_url
from advisor.chats.database import HEAD, MIGRATIONS
from advisor.feedback import FeedbackStore
from advisor.planning.profile import Profile

OLD_SCHEMA = (  # what advisor/chats/rows.py and advisor/feedback.py created before SQLAlchemy
    "CREATE TABLE chats (id TEXT PRIMARY KEY, browser TEXT NOT NULL, title TEXT NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, seq INTEGER NOT NULL)",
    "CREATE INDEX chats_by_browser ON chats (browser, seq)",
    "CREATE TABLE chat_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_id TEXT NOT NULL,"
    " created_at TEXT NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, status TEXT NOT NULL,"
    " reply_to INTEGER, answer TEXT, extra TEXT NOT NULL)",
    "CREATE INDEX chat_messages_by_chat ON chat_messages (chat_id, id)",
    "CREATE TABLE browsers (id TEXT PRIMARY KEY, issued_at TEXT NOT NULL)",
    "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
    " question TEXT NOT NULL, answer TEXT NOT NULL, backend TEXT NOT NULL,"
    " source_ids TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating IN (0, 1)),"
    " comment TEXT NOT NULL DEFAULT '')",
)
BROWSER = "old-browser-id-0001"
T0 = "2026-01-01T00:00:00+00:00"


def old_file(path: Path) -> Path:
    """A database as the sqlite3 version left it: one browser, one answered chat, a rating."""
    with sqlite3.connect(path) as conn:
        for statement in OLD_SCHEMA:
            conn.execute(statement)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("INSERT INTO browsers VALUES (?, ?)", (BROWSER, T0))
        conn.execute(
            "INSERT INTO chats VALUES ('chat-0001', ?, 'PyTorch first?', ?, ?, 2)",
            (BROWSER, T0, T0),
        )
        conn.execute(
            "INSERT INTO chat_messages (chat_id, created_at, role, text, status, reply_to,"
            " answer, extra) VALUES ('chat-0001', ?, 'user', 'PyTorch first?', 'complete',"
            " NULL, NULL, '{}'), ('chat-0001', ?, 'assistant', 'Yes. [1]', 'complete', 1,"
            ' NULL, \'{"note": "n"}\')',
            (T0, T0),
        )
        conn.execute(
            "INSERT INTO feedback (created_at, question, answer, backend, source_ids, rating,"
            " comment) VALUES (?, 'PyTorch first?', 'Yes. [1]', 'extractive', '[\"g-1\"]', 1,"
            " 'clear')",
            (T0,),
        )
    conn.close()
    return path


def test_an_old_file_is_migrated_and_keeps_every_row(tmp_path: Path) -> None:
    path = old_file(tmp_path / "feedback.sqlite3")
    store = ChatStore(path, max_days=10_000)
    assert store.issued(BROWSER)
    (chat,) = store.chats(BROWSER)
    assert (chat.id, chat.title, chat.messages) == ("chat-0001", "PyTorch first?", 2)
    question, answer = store.messages(BROWSER, "chat-0001")
    assert (question.text, answer.text, answer.reply_to, answer.extra) == (
        "PyTorch first?",
        "Yes. [1]",
        question.id,
        {"note": "n"},
    )
    assert Database(path).revision() == HEAD
    (old,) = FeedbackStore(path).list()  # a rating from before keeps its row and comment
    assert (old.question, old.rating, old.comment, old.source_ids) == (
        "PyTorch first?",
        1,
        "clear",
        ["g-1"],
    )

    assert answer.id is not None  # the new columns work on the migrated file
    store.rate(BROWSER, "chat-0001", answer.id, 0, comment="too short")
    store.set_profile(BROWSER, "chat-0001", Profile(math="some"))
    store.set_plan(BROWSER, "chat-0001", PlanProgress(done=frozenset({1})))
    reopened = ChatStore(path)  # a second open finds HEAD and migrates nothing
    assert reopened.profile(BROWSER, "chat-0001") == Profile(math="some")
    assert reopened.ratings(BROWSER, "chat-0001")[answer.id].comment == "too short"
    assert len(FeedbackStore(path).list()) == 2
    assert [m.id for m in reopened.messages(BROWSER, "chat-0001")] == [1, 2]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM chat_messages").fetchone() == (2,)


def test_replicas_opening_a_new_database_at_once_migrate_it_once(chat_db: str) -> None:
    stores = [ChatStore(chat_db) for _ in range(4)]  # four processes' stores, say
    start = threading.Barrier(len(stores))
    issued: list[str] = []

    def first_call(store: ChatStore) -> None:
        start.wait()
        issued.append(store.issue_browser())  # each migrates first, if nobody did yet

    threads = [threading.Thread(target=first_call, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(issued) == 4 and all(s.issued(b) for s in stores for b in issued)
    assert Database(chat_db).revision() == HEAD
    for store in stores:
        store.close()


def test_the_shipped_scripts_end_at_head() -> None:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [HEAD]
    assert [r.revision for r in script.walk_revisions()][-1] == "0001"


def test_a_new_file_starts_at_head_and_listing_creates_none(tmp_path: Path) -> None:
    path = tmp_path / "none" / "chats.sqlite3"
    assert ChatStore(path).all_chats() == [] and not path.parent.exists()
    ChatStore(path).start(new_id := "b" * 22, ChatMessage(role="user", text="q"))
    assert Database(path).revision() == HEAD and ChatStore(path).issued(new_id)


def test_the_url_setting(tmp_path: Path) -> None:
    default = Settings.from_env(env={"ADVISOR_FEEDBACK_DB": str(tmp_path / "f.sqlite3")})
    assert default.database == f"sqlite:///{tmp_path / 'f.sqlite3'}"
    assert ChatStore.from_settings(default).path == tmp_path / "f.sqlite3"
    url = "postgresql://advisor:secret@db.internal:5432/advisor"
    server = Settings.from_env(env={"ADVISOR_DATABASE_URL": url})
    assert server.database == url and "secret" not in repr(server)
    store = ChatStore.from_settings(server)  # nothing is connected until the first call
    assert store.path is None and "secret" not in repr(store)
    assert database_url(url).drivername == "postgresql+psycopg"  # psycopg 3, not psycopg2
    for bad in ("mysql://x/y", "sqlite://", "advisor.db"):
        with pytest.raises(ConfigurationError, match="ADVISOR_DATABASE_URL"):
            Settings.from_env(env={"ADVISOR_DATABASE_URL": bad})
