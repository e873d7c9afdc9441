"""Saved chats in the advisor's SQLite file (the feedback database), scoped by browser id.

Every call opens its own connection, so one `ChatStore` may be shared by threads and
processes. The file runs in WAL mode (readers never wait for a writer) and every write
is one `BEGIN IMMEDIATE` transaction, so two tabs appending to one chat at once both
land. Messages are only ever appended; a chat is deleted whole. Every query names the
browser id, so a chat id guessed from another browser is refused like an unknown one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from advisor.chats import rows as sql
from advisor.chats.records import (
    ChatMessage,
    ChatNotFound,
    ChatRating,
    ChatSummary,
    answer_to_json,
    check_browser,
    check_chat,
    is_browser_id,
    make_title,
    new_browser_id,
    new_chat_id,
)
from advisor.errors import InputError


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class ChatStore:
    """Chats and their messages in the SQLite file at `path`, at most `max_chats` per
    browser and `max_total` in all, none older than `max_days` since their last message."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_chats: int = 100,
        max_total: int = 10_000,
        max_days: float = 90.0,
        timeout: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = Path(path).expanduser()
        self.max_chats = max_chats
        self.max_total = max_total
        self.max_days = max_days
        self.timeout = timeout
        self.clock = clock
        self._ready = False

    @classmethod
    def from_settings(cls, settings: Any) -> ChatStore:
        """The store in ADVISOR_FEEDBACK_DB, capped by ADVISOR_MAX_CHATS,
        ADVISOR_MAX_CHATS_TOTAL and ADVISOR_CHAT_DAYS."""
        return cls(
            settings.feedback_db,
            max_chats=settings.max_chats,
            max_total=settings.max_chats_total,
            max_days=settings.chat_days,
        )

    # --- connections ------------------------------------------------------------------

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction (IMMEDIATE when writing); committed on success."""
        if not self._ready:
            self._create()
        with closing(
            sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        ) as conn:
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit waits for no fsync
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _open(self) -> sqlite3.Connection:
        """A connection that leaves transactions to us (BEGIN ... COMMIT written out)."""
        return sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(
            sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        ) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in sql.SCHEMA:
                conn.execute(statement)
            conn.execute("COMMIT")
        self._ready = True

    def _cutoff(self, days: float) -> str:
        return _iso(self.clock() - timedelta(days=days))

    # --- browser ids -------------------------------------------------------------------------

    def issue_browser(self) -> str:
        """A new browser id, recorded as issued (ids nobody saved a chat under are forgotten
        after `max_days`, and beyond the newest `max_total`)."""
        browser, now = new_browser_id(), _iso(self.clock())
        with self._connect(write=True) as conn:
            sql.forget_idle_browsers(conn, self._cutoff(self.max_days), self.max_total)
            sql.issue(conn, browser, now)
        return browser

    def issued(self, browser: object) -> bool:
        """Whether this store issued the browser id (a well-formed id it never issued is not)."""
        if not is_browser_id(browser):
            return False
        with self._connect() as conn:
            found = conn.execute("SELECT 1 FROM browsers WHERE id = ?", (browser,)).fetchone()
        return found is not None

    # --- one browser's chats -------------------------------------------------------------

    def start(self, browser: str, first: ChatMessage) -> tuple[ChatSummary, ChatMessage]:
        """A new chat titled by its first question, saved with it; drops chats past the caps:
        the browser's oldest beyond `max_chats`, anyone's least recently used beyond
        `max_total`, and those older than `max_days`."""
        check_browser(browser)
        if first.role != "user":
            raise InputError("a chat starts with a question")
        chat_id, now = new_chat_id(), _iso(self.clock())
        with self._connect(write=True) as conn:
            conn.execute(
                "INSERT INTO chats (id, browser, title, created_at, updated_at, seq) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                (chat_id, browser, make_title(first.text), now, now),
            )
            saved = self._insert(conn, chat_id, first, now)
            sql.issue(conn, browser, now)  # a browser id a chat is saved under is issued
            self._prune(conn, browser)
            summary = self._summary(conn, browser, chat_id)
        return summary, saved

    def append(self, browser: str, chat_id: str, message: ChatMessage) -> ChatMessage:
        """Add a message at the end of a chat of this browser; returns it with its id."""
        check_browser(browser)
        check_chat(chat_id)
        now = _iso(self.clock())
        with self._connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            if message.reply_to is not None:
                asked = conn.execute(
                    "SELECT 1 FROM chat_messages WHERE id = ? AND chat_id = ? AND role = 'user'",
                    (message.reply_to, chat_id),
                ).fetchone()
                if asked is None:
                    raise InputError(f"message {message.reply_to} is not a question in this chat")
            return self._insert(conn, chat_id, message, now)

    def messages(self, browser: str, chat_id: str) -> list[ChatMessage]:
        """Every message of a chat of this browser, in the order they were saved."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect() as conn:
            self._owned(conn, browser, chat_id)
            rows = conn.execute(
                f"{sql.MESSAGE} WHERE chat_id = ? ORDER BY id", (chat_id,)
            ).fetchall()
        return [sql.message_of(row) for row in rows]

    def version(self, browser: str, chat_id: str) -> tuple[int, int]:
        """(message count, last message id) of a chat: cheap to compare to see new messages."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect() as conn:
            self._owned(conn, browser, chat_id)
            count, last = conn.execute(
                "SELECT count(*), coalesce(max(id), 0) FROM chat_messages WHERE chat_id = ?",
                (chat_id,),
            ).fetchone()
        return int(count), int(last)

    def get(self, browser: str, chat_id: str) -> ChatSummary:
        """One chat of this browser (ChatNotFound when it has none by that id)."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect() as conn:
            return self._summary(conn, browser, chat_id)

    def chats(self, browser: str) -> list[ChatSummary]:
        """This browser's chats, newest activity first (none older than `max_days`)."""
        check_browser(browser)
        with self._connect() as conn:
            rows = conn.execute(
                f"{sql.SUMMARY} WHERE c.browser = ? AND c.updated_at >= ? ORDER BY c.seq DESC",
                (browser, self._cutoff(self.max_days)),
            ).fetchall()
        return [sql.summary_of(row) for row in rows]

    def rename(self, browser: str, chat_id: str, title: str) -> ChatSummary:
        """Give a chat of this browser a new title (one line, at most TITLE_CHARS)."""
        check_browser(browser)
        check_chat(chat_id)
        new_title = make_title(title)
        with self._connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            conn.execute("UPDATE chats SET title = ? WHERE id = ?", (new_title, chat_id))
            return self._summary(conn, browser, chat_id)

    def delete(self, browser: str, chat_id: str) -> None:
        """Delete a chat of this browser and all its messages."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            sql.delete(conn, [chat_id])

    # --- what the app keeps with a chat: ratings, the learner's profile, plan progress ----

    def rate(self, browser: str, chat_id: str, rating: ChatRating) -> None:
        """Store the rating of a reply of a chat of this browser (rating again replaces it)."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            sql.rate(conn, chat_id, rating, _iso(self.clock()))

    def ratings(self, browser: str, chat_id: str) -> dict[int, ChatRating]:
        """The ratings of a chat of this browser, by the id of the rated reply."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect() as conn:
            self._owned(conn, browser, chat_id)
            return sql.ratings(conn, chat_id)

    def save_state(self, browser: str, chat_id: str, name: str, value: Any) -> None:
        """Keep a named, JSON-serialisable value with a chat (e.g. "profile", "plan_done")."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            sql.put_state(conn, chat_id, name, value, _iso(self.clock()))

    def state(self, browser: str, chat_id: str) -> dict[str, Any]:
        """Every value kept with a chat of this browser, by name."""
        check_browser(browser)
        check_chat(chat_id)
        with self._connect() as conn:
            self._owned(conn, browser, chat_id)
            return sql.state(conn, chat_id)

    # --- every browser (the `advisor chats` command) -----------------------------------------

    def all_chats(self) -> list[ChatSummary]:
        """Every chat of every browser, newest activity first (empty when none was saved)."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute(f"{sql.SUMMARY} ORDER BY c.seq DESC").fetchall()
        return [sql.summary_of(row) for row in rows]

    def delete_older_than(self, days: float) -> int:
        """Delete every chat whose last message is more than `days` old; how many went."""
        if not days >= 0:
            raise InputError("the age to delete must be 0 or more days")
        if not self.path.exists():
            return 0
        with self._connect(write=True) as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM chats WHERE updated_at < ?", (self._cutoff(days),)
                )
            ]
            sql.delete(conn, ids)
        return len(ids)

    # --- inside a transaction -------------------------------------------------------------

    def _owned(self, conn: sqlite3.Connection, browser: str, chat_id: str) -> None:
        found = conn.execute(
            "SELECT 1 FROM chats WHERE id = ? AND browser = ?", (chat_id, browser)
        ).fetchone()
        if found is None:
            raise ChatNotFound("no such chat in this browser: it may have been deleted")

    def _summary(self, conn: sqlite3.Connection, browser: str, chat_id: str) -> ChatSummary:
        row = conn.execute(
            f"{sql.SUMMARY} WHERE c.id = ? AND c.browser = ?", (chat_id, browser)
        ).fetchone()
        if row is None:
            raise ChatNotFound("no such chat in this browser: it may have been deleted")
        return sql.summary_of(row)

    def _insert(
        self, conn: sqlite3.Connection, chat_id: str, message: ChatMessage, now: str
    ) -> ChatMessage:
        answer = json.dumps(answer_to_json(message.answer)) if message.answer else None
        cursor = conn.execute(
            "INSERT INTO chat_messages "
            "(chat_id, created_at, role, text, status, reply_to, answer, extra) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chat_id,
                now,
                message.role,
                message.text,
                message.status,
                message.reply_to,
                answer,
                json.dumps(message.extra),
            ),
        )
        row_id = int(cursor.lastrowid or 0)
        conn.execute(
            "UPDATE chats SET updated_at = ?, seq = ? WHERE id = ?", (now, row_id, chat_id)
        )
        return replace(message, id=row_id, created_at=now)

    def _prune(self, conn: sqlite3.Connection, browser: str) -> None:
        """Drop this browser's chats past the age cap and beyond its newest `max_chats`, and
        anyone's beyond the newest `max_total`."""
        old = conn.execute(
            "SELECT id FROM chats WHERE browser = ? AND (updated_at < ? OR id NOT IN "
            "(SELECT id FROM chats WHERE browser = ? ORDER BY seq DESC LIMIT ?))",
            (browser, self._cutoff(self.max_days), browser, self.max_chats),
        ).fetchall()
        old += conn.execute(
            "SELECT id FROM chats WHERE id NOT IN (SELECT id FROM chats ORDER BY seq DESC LIMIT ?)",
            (self.max_total,),
        ).fetchall()
        sql.delete(conn, sorted({row[0] for row in old}))
