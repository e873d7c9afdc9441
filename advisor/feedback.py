"""Ratings of answers (thumbs up/down from the UI, with an optional comment), in the chat
database (`advisor.chats`): a SQLite file, or PostgreSQL.

`FeedbackStore(settings.database)` is safe to share between threads and processes. Ratings
given in a saved chat are written with `ChatStore.rate` (one row per answer); this module
lists them all for `advisor feedback`, and stores ratings given outside a chat (one row per
answer id for those given over HTTP: `rate_answer`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from advisor.chats.database import Database
from advisor.chats.learner import clip
from advisor.chats.records import MAX_COMMENT_CHARS, DatabaseUnavailable
from advisor.chats.rows import new_id
from advisor.chats.schema import feedback

__all__ = ["MAX_COMMENT_CHARS", "FeedbackRecord", "FeedbackStore"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class FeedbackRecord:
    """One rating of one answer: 1 = thumbs up, 0 = thumbs down."""

    id: int | None = None
    """Row id, set once stored."""
    created_at: str = field(default_factory=_now)
    """ISO 8601 time (UTC) the rating was given."""
    question: str
    """The question as the user asked it."""
    answer: str
    backend: str
    """The answerer that produced the answer: extractive, openai or fake."""
    source_ids: list[str]
    """Chunk ids of the sources shown with the answer, in order."""
    rating: int
    """1 = thumbs up, 0 = thumbs down."""
    comment: str = ""
    """What the user wrote about the answer, if anything."""

    def __post_init__(self) -> None:
        if self.rating not in (0, 1):
            raise ValueError(f"rating must be 1 (up) or 0 (down), not {self.rating!r}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `advisor feedback --json`."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "question": self.question,
            "answer": self.answer,
            "backend": self.backend,
            "source_ids": list(self.source_ids),
            "rating": self.rating,
            "comment": self.comment,
        }


class FeedbackStore:
    """FeedbackRecords in the database at `target` (a URL or a SQLite file path); rating
    and comment can change later."""

    def __init__(self, target: str | Path | Database, timeout: float = 30.0) -> None:
        self.db = target if isinstance(target, Database) else Database(target, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Any) -> FeedbackStore:
        """The store in ADVISOR_DATABASE_URL, else the ADVISOR_FEEDBACK_DB file."""
        return cls(settings.database)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None when the database is a server."""
        return self.db.path

    def add(self, record: FeedbackRecord, answer_id: str | None = None) -> int:
        """Store a rating (of the answer `answer_id`, when given); return its row id."""
        with self.db.connect(write=True) as conn:
            result = conn.execute(
                insert(feedback).values(
                    created_at=record.created_at,
                    question=record.question,
                    answer=record.answer,
                    backend=record.backend,
                    source_ids=json.dumps(list(record.source_ids)),
                    rating=int(record.rating),
                    comment=clip(record.comment),
                    answer_id=answer_id,
                )
            )
        return new_id(result)

    def rerate(
        self, answer_id: str, *, rating: int | None = None, comment: str | None = None
    ) -> int | None:
        """Change the rating and/or comment stored for the answer `answer_id`; its row id,
        or None when that answer has no row yet."""
        values = _changes(rating, comment)
        with self.db.connect(write=True) as conn:
            found = conn.execute(
                update(feedback)
                .where(feedback.c.answer_id == answer_id)
                .values(values)
                .returning(feedback.c.id)
            ).first()
        return None if found is None else int(found[0])

    def rate_answer(self, answer_id: str, record: FeedbackRecord) -> tuple[int, bool]:
        """Store `record` as the rating of the answer `answer_id`, or, when that answer has a
        row already, change its rating (and its comment, if `record` has one): one row per
        answer id, whichever process rates it. Returns (row id, whether a row was changed)."""
        comment = record.comment or None
        for attempt in range(2):
            row = self.rerate(answer_id, rating=record.rating, comment=comment)
            if row is not None:
                return row, True
            try:
                return self.add(record, answer_id), False
            except DatabaseUnavailable as exc:  # another process added it just now: change it
                if attempt or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    def update(self, row_id: int, *, rating: int | None = None, comment: str | None = None) -> bool:
        """Change the rating and/or the comment of a stored row; False if there is no such row."""
        values = _changes(rating, comment)
        with self.db.connect(write=True) as conn:
            done = conn.execute(update(feedback).where(feedback.c.id == int(row_id)).values(values))
            return done.rowcount == 1

    def list(self) -> list[FeedbackRecord]:
        """Every stored rating, oldest first (empty when nothing was rated yet)."""
        if not self.db.exists():
            return []
        columns = [feedback.c[name] for name in _COLUMNS]
        with self.db.connect() as conn:
            found = conn.execute(select(*columns).order_by(feedback.c.id)).all()
        return [_to_record(row) for row in found]


def _changes(rating: int | None, comment: str | None) -> dict[str, Any]:
    """The columns a changed rating sets (a None leaves its column as it is)."""
    if rating is not None and rating not in (0, 1):
        raise ValueError(f"rating must be 1 (up) or 0 (down), not {rating!r}")
    values: dict[str, Any] = {"updated_at": _now()}
    if rating is not None:
        values["rating"] = rating
    if comment is not None:
        values["comment"] = clip(comment)
    return values


_COLUMNS = ("id", "created_at", "question", "answer", "backend", "source_ids", "rating", "comment")


def _to_record(row: Any) -> FeedbackRecord:
    row_id, created_at, question, answer, backend, source_ids, rating, comment = row
    return FeedbackRecord(
        id=int(row_id),
        created_at=created_at,
        question=question,
        answer=answer,
        backend=backend,
        source_ids=[str(s) for s in json.loads(source_ids)],
        rating=int(rating),
        comment=str(comment or ""),
    )
