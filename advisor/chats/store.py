"""Saved chats, scoped by browser id, in the chat database (SQLite file or PostgreSQL).

Every call is one transaction on a pooled connection, so one `ChatStore` may be shared by
threads, and any number of processes (app replicas) may share the database. Messages are
only ever appended; a chat is deleted whole. Every query names the browser id, so a chat
id guessed from another browser is refused like an unknown one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from advisor.chats import learner
from advisor.chats import rows as sql
from advisor.chats.database import Database
from advisor.chats.records import (
    ChatMessage,
    ChatNotFound,
    ChatSummary,
    PlanProgress,
    Rating,
    answer_to_json,
    check_browser,
    check_chat,
    is_browser_id,
    make_title,
    new_browser_id,
    new_chat_id,
)
from advisor.chats.schema import browsers, chats, messages
from advisor.errors import InputError
from advisor.planning.profile import Profile


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class ChatStore:
    """Chats and their messages, profiles, plans and ratings in the database at `target`
    (a `sqlite:///` or `postgresql://` URL, or a SQLite file path), at most `max_chats` per
    browser and `max_total` in all, none older than `max_days` since their last message."""

    def __init__(
        self,
        target: str | Path | Database,
        *,
        max_chats: int = 100,
        max_total: int = 10_000,
        max_days: float = 90.0,
        timeout: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = target if isinstance(target, Database) else Database(target, timeout=timeout)
        self.max_chats = max_chats
        self.max_total = max_total
        self.max_days = max_days
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Any) -> ChatStore:
        """The store in ADVISOR_DATABASE_URL (else the ADVISOR_FEEDBACK_DB file), capped by
        ADVISOR_MAX_CHATS, ADVISOR_MAX_CHATS_TOTAL and ADVISOR_CHAT_DAYS."""
        return cls(
            settings.database,
            max_chats=settings.max_chats,
            max_total=settings.max_chats_total,
            max_days=settings.chat_days,
        )

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None when the database is a server."""
        return self.db.path

    def __repr__(self) -> str:
        return f"ChatStore({self.db.describe()!r})"

    def close(self) -> None:
        """Close pooled connections (the store opens new ones if used again)."""
        self.db.close()

    def _cutoff(self, days: float) -> str:
        return _iso(self.clock() - timedelta(days=days))

    # --- browser ids -------------------------------------------------------------------

    def issue_browser(self) -> str:
        """A new browser id, recorded as issued (ids nobody saved a chat under are forgotten
        after `max_days`, and beyond the newest `max_total`)."""
        browser, now = new_browser_id(), _iso(self.clock())
        with self.db.connect(write=True) as conn:
            sql.forget_idle_browsers(conn, self._cutoff(self.max_days), self.max_total)
            sql.issue(conn, browser, now)
        return browser

    def issued(self, browser: object) -> bool:
        """Whether this store issued the browser id (a well-formed id it never issued is not)."""
        if not is_browser_id(browser):
            return False
        with self.db.connect() as conn:
            found = conn.execute(select(browsers.c.id).where(browsers.c.id == browser)).first()
        return found is not None

    # --- one browser's chats -----------------------------------------------------------

    def start(self, browser: str, first: ChatMessage) -> tuple[ChatSummary, ChatMessage]:
        """A new chat titled by its first question, saved with it and with the profile and
        plan saved for the browser's unstarted chat (`chat_id=None`), which then start
        empty again. Drops chats past the caps: the browser's oldest beyond `max_chats`,
        anyone's least recently used beyond `max_total`, and those older than `max_days`."""
        check_browser(browser)
        if first.role != "user":
            raise InputError("a chat starts with a question")
        chat_id, now = new_chat_id(), _iso(self.clock())
        with self.db.connect(write=True) as conn:
            sql.issue(conn, browser, now)  # a browser id a chat is saved under is issued
            profile, plan = learner.take_draft(conn, browser)
            conn.execute(
                insert(chats).values(
                    id=chat_id,
                    browser=browser,
                    title=make_title(first.text),
                    created_at=now,
                    updated_at=now,
                    seq=0,
                    profile=profile,
                    plan=plan,
                )
            )
            saved = self._insert(conn, chat_id, first, now)
            self._prune(conn, browser)
            summary = self._summary(conn, browser, chat_id)
        return summary, saved

    def append(self, browser: str, chat_id: str, message: ChatMessage) -> ChatMessage:
        """Add a message at the end of a chat of this browser; returns it with its id."""
        check_browser(browser)
        check_chat(chat_id)
        now = _iso(self.clock())
        with self.db.connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            if message.reply_to is not None:
                asked = conn.execute(
                    select(messages.c.id).where(
                        messages.c.id == message.reply_to,
                        messages.c.chat_id == chat_id,
                        messages.c.role == "user",
                    )
                ).first()
                if asked is None:
                    raise InputError(f"message {message.reply_to} is not a question in this chat")
            return self._insert(conn, chat_id, message, now)

    def messages(self, browser: str, chat_id: str) -> list[ChatMessage]:
        """Every message of a chat of this browser, in the order they were saved."""
        check_browser(browser)
        check_chat(chat_id)
        with self.db.connect() as conn:
            self._owned(conn, browser, chat_id)
            found = conn.execute(
                sql.MESSAGE.where(messages.c.chat_id == chat_id).order_by(messages.c.id)
            ).all()
        return [sql.message_of(row) for row in found]

    def version(self, browser: str, chat_id: str) -> tuple[int, int]:
        """(message count, last message id) of a chat: cheap to compare to see new messages."""
        check_browser(browser)
        check_chat(chat_id)
        with self.db.connect() as conn:
            self._owned(conn, browser, chat_id)
            count, last = conn.execute(
                select(func.count(), func.coalesce(func.max(messages.c.id), 0)).where(
                    messages.c.chat_id == chat_id
                )
            ).one()
        return int(count), int(last)

    def get(self, browser: str, chat_id: str) -> ChatSummary:
        """One chat of this browser (ChatNotFound when it has none by that id)."""
        check_browser(browser)
        check_chat(chat_id)
        with self.db.connect() as conn:
            return self._summary(conn, browser, chat_id)

    def chats(self, browser: str) -> list[ChatSummary]:
        """This browser's chats, newest activity first (none older than `max_days`)."""
        check_browser(browser)
        with self.db.connect() as conn:
            found = conn.execute(
                sql.SUMMARY.where(
                    chats.c.browser == browser, chats.c.updated_at >= self._cutoff(self.max_days)
                ).order_by(chats.c.seq.desc())
            ).all()
        return [sql.summary_of(row) for row in found]

    def rename(self, browser: str, chat_id: str, title: str) -> ChatSummary:
        """Give a chat of this browser a new title (one line, at most TITLE_CHARS)."""
        check_browser(browser)
        check_chat(chat_id)
        new_title = make_title(title)
        with self.db.connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            conn.execute(update(chats).where(chats.c.id == chat_id).values(title=new_title))
            return self._summary(conn, browser, chat_id)

    def delete(self, browser: str, chat_id: str) -> None:
        """Delete a chat of this browser, its messages, profile and plan (its ratings are
        kept for `advisor feedback`, no longer tied to it)."""
        check_browser(browser)
        check_chat(chat_id)
        with self.db.connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            sql.drop(conn, [chat_id])

    # --- what a chat keeps beside its messages ---------------------------------------------

    def profile(self, browser: str, chat_id: str | None) -> Profile:
        """The learner profile kept with a chat (None: the browser's unstarted chat);
        an empty Profile when none was saved."""
        with self.db.connect() as conn:
            return learner.read_profile(conn, browser, chat_id)

    def set_profile(self, browser: str, chat_id: str | None, profile: Profile) -> None:
        """Keep this learner profile with a chat (None: with the browser's unstarted chat)."""
        with self.db.connect(write=True) as conn:
            learner.write(conn, browser, chat_id, profile=profile, now=_iso(self.clock()))

    def plan(self, browser: str, chat_id: str | None) -> PlanProgress:
        """The plan progress kept with a chat (None: the browser's unstarted chat)."""
        with self.db.connect() as conn:
            return learner.read_plan(conn, browser, chat_id)

    def set_plan(self, browser: str, chat_id: str | None, plan: PlanProgress) -> None:
        """Keep this plan progress with a chat (None: with the browser's unstarted chat)."""
        with self.db.connect(write=True) as conn:
            learner.write(conn, browser, chat_id, plan=plan, now=_iso(self.clock()))

    def rate(
        self,
        browser: str,
        chat_id: str,
        message_id: int,
        rating: int,
        comment: str | None = None,
    ) -> Rating:
        """Rate a saved answer of a chat of this browser: 1 up, 0 down. Rating it again
        changes the one stored rating; `comment` None keeps the comment there is."""
        check_browser(browser)
        check_chat(chat_id)
        with self.db.connect(write=True) as conn:
            self._owned(conn, browser, chat_id)
            return learner.rate(conn, chat_id, message_id, rating, comment, _iso(self.clock()))

    def ratings(self, browser: str, chat_id: str) -> dict[int, Rating]:
        """The ratings of a chat of this browser, by rated message id."""
        check_browser(browser)
        check_chat(chat_id)
        with self.db.connect() as conn:
            self._owned(conn, browser, chat_id)
            return learner.ratings(conn, chat_id)

    # --- every browser (the `advisor chats` command) -------------------------------------

    def all_chats(self) -> list[ChatSummary]:
        """Every chat of every browser, newest activity first (empty when none was saved)."""
        if not self.db.exists():
            return []
        with self.db.connect() as conn:
            found = conn.execute(sql.SUMMARY.order_by(chats.c.seq.desc())).all()
        return [sql.summary_of(row) for row in found]

    def delete_older_than(self, days: float) -> int:
        """Delete every chat whose last message is more than `days` old; how many went."""
        if not days >= 0:
            raise InputError("the age to delete must be 0 or more days")
        if not self.db.exists():
            return 0
        with self.db.connect(write=True) as conn:
            old = conn.execute(select(chats.c.id).where(chats.c.updated_at < self._cutoff(days)))
            ids = [str(row[0]) for row in old]
            sql.drop(conn, ids)
        return len(ids)

    # --- inside a transaction ----------------------------------------------------------

    def _owned(self, conn: Connection, browser: str, chat_id: str) -> None:
        if not learner.owned(conn, browser, chat_id):
            raise ChatNotFound("no such chat in this browser: it may have been deleted")

    def _summary(self, conn: Connection, browser: str, chat_id: str) -> ChatSummary:
        row = conn.execute(
            sql.SUMMARY.where(chats.c.id == chat_id, chats.c.browser == browser)
        ).first()
        if row is None:
            raise ChatNotFound("no such chat in this browser: it may have been deleted")
        return sql.summary_of(row)

    def _insert(
        self, conn: Connection, chat_id: str, message: ChatMessage, now: str
    ) -> ChatMessage:
        answer = json.dumps(answer_to_json(message.answer)) if message.answer else None
        result = conn.execute(
            insert(messages).values(
                chat_id=chat_id,
                created_at=now,
                role=message.role,
                text=message.text,
                status=message.status,
                reply_to=message.reply_to,
                answer=answer,
                extra=json.dumps(message.extra),
            )
        )
        row_id = sql.new_id(result)
        latest = case((chats.c.seq < row_id, row_id), else_=chats.c.seq)  # commits may cross
        conn.execute(update(chats).where(chats.c.id == chat_id).values(updated_at=now, seq=latest))
        return replace(message, id=row_id, created_at=now)

    def _prune(self, conn: Connection, browser: str) -> None:
        """Drop this browser's chats past the age cap and beyond its newest `max_chats`, and
        anyone's beyond the newest `max_total`."""
        recent = chats.alias("recent")
        mine = (
            select(recent.c.id)
            .where(recent.c.browser == browser)
            .order_by(recent.c.seq.desc())
            .limit(self.max_chats)
        )
        everyone = select(recent.c.id).order_by(recent.c.seq.desc()).limit(self.max_total)
        expired = chats.c.updated_at < self._cutoff(self.max_days)
        old: Iterable[Any] = conn.execute(
            select(chats.c.id).where(chats.c.browser == browser, expired | chats.c.id.not_in(mine))
        ).all()
        old = [*old, *conn.execute(select(chats.c.id).where(chats.c.id.not_in(everyone))).all()]
        sql.drop(conn, sorted({str(row[0]) for row in old}))
