"""Ratings of answers (thumbs up/down from the UI, with an optional comment), kept in SQLite.

`FeedbackStore(settings.feedback_db)` is safe to share between threads and
processes: every call opens its own connection and SQLite serialises writers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    backend TEXT NOT NULL,
    source_ids TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (0, 1)),
    comment TEXT NOT NULL DEFAULT ''
)
"""
_COLUMNS = "id, created_at, question, answer, backend, source_ids, rating, comment"
MAX_COMMENT_CHARS = 2_000
"""A longer comment is cut to this many characters."""


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
    """FeedbackRecords in the SQLite file at `path`; rating and comment can change later."""

    def __init__(self, path: str | Path, timeout: float = 30.0) -> None:
        self.path = Path(path).expanduser()
        self.timeout = timeout
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection inside a transaction; the file and table are made on first use."""
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=self.timeout)) as conn, conn:
            if not self._ready:
                conn.execute(_SCHEMA)
                _add_comment_column(conn)
                self._ready = True
            yield conn

    def add(self, record: FeedbackRecord) -> int:
        """Store a rating; return its row id."""
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback "
                "(created_at, question, answer, backend, source_ids, rating, comment) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.created_at,
                    record.question,
                    record.answer,
                    record.backend,
                    json.dumps(list(record.source_ids)),
                    int(record.rating),
                    _clip(record.comment),
                ),
            )
            row_id = cursor.lastrowid
        assert row_id is not None
        return row_id

    def update(self, row_id: int, *, rating: int | None = None, comment: str | None = None) -> bool:
        """Change the rating and/or the comment of a stored row; False if there is no such row."""
        if rating is not None and rating not in (0, 1):
            raise ValueError(f"rating must be 1 (up) or 0 (down), not {rating!r}")
        with self._connect() as conn:
            cursor = conn.execute(
                "UPDATE feedback SET rating = COALESCE(?, rating), comment = COALESCE(?, comment) "
                "WHERE id = ?",
                (rating, None if comment is None else _clip(comment), int(row_id)),
            )
            return cursor.rowcount == 1

    def list(self) -> list[FeedbackRecord]:
        """Every stored rating, oldest first (empty when nothing was rated yet)."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM feedback ORDER BY id").fetchall()
        return [_to_record(row) for row in rows]


def _clip(comment: str) -> str:
    return comment.strip()[:MAX_COMMENT_CHARS]


def _add_comment_column(conn: sqlite3.Connection) -> None:
    """Give a file written before comments existed its comment column."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
    if "comment" not in columns:
        conn.execute("ALTER TABLE feedback ADD COLUMN comment TEXT NOT NULL DEFAULT ''")


def _to_record(row: tuple[Any, ...]) -> FeedbackRecord:
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
