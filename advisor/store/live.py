"""The collection a `Store` serves: found through the pointer, checked, followed across resets.

Readers serve the collection a pointer record names (advisor/store/pointer.py): a reset
builds a new collection beside it and switches the pointer once the build is complete, so
readers never see an empty or missing collection, and they notice any ingest through the
generation the pointer keeps. A collection is served only after a cheap integrity check
(advisor/store/check.py). Chroma's errors become `StoreUnavailable` here, naming the fix.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.errors import ConfigurationError, StoreUnavailable
from advisor.settings import Settings
from advisor.store import check as store_check
from advisor.store import folders, integrity
from advisor.store.client import (
    damaged,
    forget_embedded_system,
    is_connection_error,
    is_damage,
    make_client,
    unavailable,
)
from advisor.store.pointer import Pointer, is_missing, read_pointer

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

T = TypeVar("T")


class LiveCollection:
    """Mixed into `Store`: the client, the live collection and the reads that go to it."""

    def __init__(self, client: ClientAPI, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._collection: Collection | None = None  # the live collection, checked
        self._target: Collection | None = None  # a collection this store is writing aside
        self._mutex = threading.RLock()
        self._seen_generation: int | None = None
        self._pointer: Pointer | None = None  # as last read
        self._marked = False  # this writer has marked its in-place write in the pointer
        self._hold = folders.Hold()  # the served collection's folder, kept from removal

    @property
    def settings(self) -> Settings:
        """The settings this store was opened with."""
        return self._settings

    def _state(self) -> Pointer:
        """Read the pointer record (which collection is live, the generation, writers)."""
        pointer: Pointer = self._call(lambda: read_pointer(self._client, self._settings.collection))
        self._pointer = pointer
        return pointer

    def _col(self) -> Collection | None:
        """The collection reads go to: this writer's own, else the live one (None: empty)."""
        if self._target is not None:
            return self._target
        if self._collection is None:
            with self._mutex:
                if self._collection is None:
                    self._collection = self._open_live(self._state())
        return self._collection

    def _open_live(self, pointer: Pointer, fresh_client: bool = False) -> Collection | None:
        """The live collection, once it passed the integrity check (else StoreUnavailable).

        An embedded client shares its process's cached Chroma system, whose vector index
        may predate another process's ingest; a failed canary is checked again on a fresh
        client before the store is called damaged.
        """
        if not pointer.live:
            self._check_catalogue(pointer)
            return None
        try:
            col: Collection = self._call(lambda: self._client.get_collection(pointer.live))
        except Exception as exc:
            if not is_missing(exc):
                raise
            fresh = self._state()  # dropped between reading the pointer and opening it?
            if fresh.live != pointer.live:
                return self._open_live(fresh)
            raise StoreUnavailable(
                damaged(self._settings, f"the collection {pointer.live} is missing")
            ) from None
        meta = dict(col.metadata or {})
        reason = None
        if not self._settings.remote_store:  # checked in a child unless proven unchanged
            folder = self._settings.store_dir
            self._hold.take(integrity.vector_dir(folder, str(col.id)))
            reason = integrity.vet(folder, str(col.id), pointer.live, pointer.incomplete)
            fresh = self._state() if reason else pointer
            if fresh.live != pointer.live:  # a reset replaced it while it was checked
                return self._open_live(fresh)
        skip_count = pointer.incomplete  # an unfinished ingest: the count cannot match
        if reason is None:
            reason = self._call(lambda: store_check.quick_check(col, meta, skip_count))
            if reason and not fresh_client and not self._settings.remote_store:
                self._reopen()
                return self._open_live(self._state(), fresh_client=True)
        if reason:
            raise StoreUnavailable(damaged(self._settings, reason))
        if self._seen_generation is None:  # what this client's index reflects
            self._seen_generation = pointer.generation
        return col

    def _check_catalogue(self, pointer: Pointer) -> None:
        """An embedded store with index folders but no collections lost its chroma.sqlite3."""
        if self._settings.remote_store or pointer.stored:
            return
        folder = self._settings.store_dir
        if any((d / "header.bin").exists() for d in folder.iterdir() if d.is_dir()):
            raise StoreUnavailable(
                damaged(self._settings, "chroma.sqlite3 is missing or was replaced")
            )

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except (ConfigurationError, StoreUnavailable):
            raise
        except Exception as exc:
            if is_connection_error(exc):
                self._collection = None  # reconnect on the next call
                raise StoreUnavailable(unavailable(self._settings, exc)) from None
            if is_damage(exc):
                self._collection = None
                raise StoreUnavailable(damaged(self._settings, store_check.describe(exc))) from None
            raise

    def _read(self, fn: Callable[[Collection], T], empty: T) -> T:
        """Run a read on the collection; follow the pointer once if it was swapped away."""
        for _ in range(2):
            col = self._col()
            if col is None:
                return empty
            try:
                return self._call(lambda c=col: fn(c))
            except Exception as exc:
                if not is_missing(exc) or self._target is not None:
                    raise
                self._reopen()  # a reset replaced the collection and dropped the old one
        raise StoreUnavailable(
            "the index was replaced twice while it was read; try again "
            "(is an `advisor ingest --reset` looping?)"
        )

    def generation(self) -> int:
        """A counter bumped by every ingest that changed something.

        When it moved (or a reset switched collections) since this store last looked,
        the client is reopened (see `_reopen`) and the new collection checked.
        """
        pointer = self._state()
        moved = self._seen_generation is not None and pointer.generation != self._seen_generation
        swapped = self._collection is not None and pointer.live != self._collection.name
        if moved or swapped:
            self._reopen()
        self._seen_generation = pointer.generation
        return pointer.generation

    @property
    def warning(self) -> str:
        """A note for answers when the served collection is incomplete ("" when it is not)."""
        pointer = self._pointer
        if pointer is None or not pointer.incomplete:
            return ""
        return (
            f"the index is incomplete: an ingest started at {pointer.writing_since} has not "
            "finished, so answers may miss documents (run `advisor ingest` again if it was "
            "interrupted)"
        )

    def _reopen(self) -> None:
        """Follow the pointer again; an embedded client is replaced so queries see other writers.

        Embedded Chroma keeps one system per path and process, and its vector index
        in that process only catches up with its own writes: `count` and `get` see
        another process's ingest, `query` does not. Dropping the cached system for
        this path makes the next client load the index from disk. Clients already
        handed out keep working on the old system (it is not stopped).
        """
        with self._mutex:
            self._collection = None  # a reset may have switched to another collection
            self._hold.release()
            if self._settings.remote_store:
                return  # a server holds one index for every client
            forget_embedded_system(self._client)
            self._client = make_client(self._settings)
