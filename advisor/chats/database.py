"""The chat database: one engine for a `sqlite:///` or `postgresql://` URL, migrated on open.

SQLite runs in WAL mode (readers never wait for a writer) and a write transaction starts
with `BEGIN IMMEDIATE`, so two writers queue instead of failing half-way. PostgreSQL needs
neither: its rows lock themselves. On first use a `Database` brings the schema to the
newest Alembic revision, under a lock so that two replicas starting at once migrate once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from advisor.chats.records import DatabaseUnavailable
from advisor.errors import ConfigurationError

HEAD = "0003"
"""The newest migration (tests check it against the scripts in `migrations/versions`)."""
MIGRATIONS = "advisor.chats:migrations"
"""Alembic's script location, inside the installed package."""
_MIGRATION_LOCK = 7_243_911
"""PostgreSQL advisory lock key held while migrating (any constant the app alone uses)."""
_BEGIN = "advisor_sqlite_begin"


def database_url(target: str | Path) -> URL:
    """The SQLAlchemy URL of a database URL or a SQLite file path (psycopg 3 for PostgreSQL)."""
    if isinstance(target, Path) or "://" not in target:
        return URL.create("sqlite+pysqlite", database=str(Path(target).expanduser()))
    try:
        url = make_url(target)
    except ArgumentError:
        raise ConfigurationError("ADVISOR_DATABASE_URL is not a database URL") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        return url.set(drivername="sqlite+pysqlite")
    raise ConfigurationError("ADVISOR_DATABASE_URL must be sqlite:///PATH or postgresql://…")


class Database:
    """A lazily opened engine on one database; `connect()` yields a connection in a
    transaction, and turns driver failures into DatabaseUnavailable."""

    def __init__(self, target: str | Path, *, timeout: float = 30.0) -> None:
        self.url = database_url(target)
        self.timeout = timeout
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.path = Path(str(self.url.database)) if self.sqlite else None
        """The SQLite file, or None for a server database."""
        self._engine: Engine | None = None
        self._ready = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Database({self.describe()!r})"

    def describe(self) -> str:
        """The URL without its password, for logs and messages."""
        return self.url.render_as_string(hide_password=True)

    def exists(self) -> bool:
        """Whether there can be anything to read (False for a SQLite file not made yet)."""
        return self.path is None or self.path.exists()

    @property
    def engine(self) -> Engine:
        """The engine (made on first use; a SQLite file's folder is made with it)."""
        with self._lock:
            if self._engine is None:
                self._engine = self._create()
            return self._engine

    def _create(self) -> Engine:
        if not self.sqlite:
            return create_engine(
                self.url, pool_pre_ping=True, connect_args={"connect_timeout": self.timeout}
            )
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            self.url, connect_args={"timeout": self.timeout, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin)
        return engine

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[Connection]:
        """A connection inside one transaction, committed when the block ends without error."""
        try:
            if not self._ready:
                self.migrate()
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(
                f"the chat database cannot be used right now ({_reason(exc)})"
            ) from exc

    def migrate(self) -> None:
        """Bring the schema to HEAD (once per process and database; a no-op when it is)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_BEGIN: "BEGIN IMMEDIATE"})
            with conn.begin():
                if not self.sqlite:
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                if MigrationContext.configure(conn).get_current_revision() != HEAD:
                    config = Config()
                    config.set_main_option("script_location", MIGRATIONS)
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
        self._ready = True

    def revision(self) -> str | None:
        """The schema revision the database is at (None before any migration)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        """Close the pooled connections (the next call opens new ones)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's error class name only: its message may name hosts or users."""
    original = getattr(exc, "orig", None)
    return type(original if original is not None else exc).__name__


def _sqlite_connected(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """Leave transactions to `_sqlite_begin`; WAL; a commit waits for no fsync."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql(conn.get_execution_options().get(_BEGIN, "BEGIN"))
