"""The writing side of `Store`: the writer lock, building aside, the swap, `doctor`.

An ingest calls `begin_write` under the lock. A reset (or a first build) creates a new
collection beside the live one and writes only there; `mark_ingested` then stores the
record count and canary vectors, and switches the pointer to it in one write. An ingest
that adds to the live collection marks it as being written first, so readers warn that
it is incomplete until `mark_ingested` (or a later ingest, after a `kill -9`) clears it.
Collections replaced by a reset are dropped at its end when no reader holds their folder
(advisor/store/folders.py), else by the next ingest; their folders go once nobody holds them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from advisor.errors import StoreUnavailable
from advisor.settings import Settings
from advisor.store import check as store_check
from advisor.store import folders, integrity
from advisor.store.pointer import Pointer, build_name, is_build, now, write_pointer

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

HNSW: Any = {"hnsw": {"space": "cosine"}}


class StoreWriter:
    """Mixed into `Store`: everything that changes which records or collection are served."""

    _client: ClientAPI
    _settings: Settings
    _collection: Collection | None
    _target: Collection | None
    _pointer: Pointer | None
    _seen_generation: int | None
    _marked: bool
    _mutex: threading.RLock
    _hold: folders.Hold

    def _state(self) -> Pointer:
        raise NotImplementedError  # provided by LiveCollection (advisor/store/live.py)

    def _col(self) -> Collection | None:
        raise NotImplementedError

    def _call(self, fn: Any) -> Any:
        raise NotImplementedError

    def _save(self, pointer: Pointer) -> None:
        collection = self._settings.collection
        self._pointer = self._call(lambda: write_pointer(self._client, collection, pointer))

    # --- one ingest ---------------------------------------------------------------
    def begin_write(self, rebuild: bool) -> None:
        """Start an ingest (under the writer lock): drop replaced collections; for a reset,
        or when nothing is live yet, create the collection to build aside."""
        pointer = self._state()
        self._drop_retired(pointer)
        pointer = pointer.with_(retired=())
        if not self._settings.remote_store:
            folders.sweep(self._settings.store_dir)  # dropped collections' folders, if free
        if rebuild or not pointer.live:
            name = build_name(self._settings.collection, pointer.generation + 1)
            self._drop(name)  # left by an interrupted build
            self._target = self._call(
                lambda: self._client.create_collection(
                    name, embedding_function=None, configuration=HNSW
                )
            )
            pointer = pointer.with_(writing=name, writing_since=now())
        self._save(pointer)

    def _write_col(self) -> Collection:
        """Where writes go: the collection built aside, else the live one (marked first)."""
        if self._target is None and self._col() is None:
            self.begin_write(rebuild=True)  # direct use on an empty store
        if self._target is not None:
            return self._target
        live = self._col()
        assert live is not None
        if not self._marked:  # readers warn until mark_ingested clears it
            self._save(self._state().with_(writing=live.name, writing_since=now()))
            self._marked = True
        return live

    def mark_ingested(self, model: str, dim: int, changed: bool) -> None:
        """Record model, dimension, record count and canaries; publish a collection built
        aside (switching readers to it); bump the generation when something changed."""
        col = self._target or self._col()
        if col is None:
            return
        count = int(self._call(col.count))
        meta = {
            "embedding_model": model,
            "embedding_dim": dim,
            "last_ingest": now(),
            "records": count,
            "canaries": self._call(lambda: store_check.pick_canaries(col, count)),
        }
        self._call(lambda: col.modify(metadata=meta))
        if not self._settings.remote_store:
            integrity.record_written(self._settings.store_dir, str(col.id))
        pointer = self._state()
        swap = self._target is not None and pointer.live != col.name
        retired = pointer.retired + ((pointer.live,) if swap and pointer.live else ())
        generation = pointer.generation + (1 if changed or swap else 0)
        self._save(
            pointer.with_(
                live=col.name, generation=generation, writing="", writing_since="", retired=retired
            )
        )
        with self._mutex:
            self._collection, self._target, self._marked = col, None, False
            self._seen_generation = generation  # our own write: nothing to reopen
            if not self._settings.remote_store:
                self._hold.take(integrity.vector_dir(self._settings.store_dir, str(col.id)))
        self._release_replaced()

    def _release_replaced(self) -> None:
        """Drop the collections a reset replaced that no reader holds, and remove the
        folders of dropped collections nobody holds (embedded; a later ingest retries)."""
        if self._settings.remote_store:
            return
        store_dir = self._settings.store_dir
        pointer = self._state()
        listed = folders.vector_folders(store_dir) or {}
        kept = []
        for name in pointer.retired:
            folder = listed.get(name)
            if folder is not None and folders.held(folder):
                kept.append(name)
            else:
                self._drop(name)
        if len(kept) != len(pointer.retired):
            self._save(pointer.with_(retired=tuple(kept)))
        folders.sweep(store_dir)

    def abandon_write(self) -> None:
        """After a failed build aside: drop it and clear the marker (the live one stays)."""
        target, self._target = self._target, None
        if target is None:
            return  # an in-place write keeps its marker: the live collection may be partial
        with contextlib.suppress(Exception):
            self._drop(target.name)
            pointer = self._state()
            if pointer.writing == target.name:
                self._save(pointer.with_(writing="", writing_since=""))

    def _drop_retired(self, pointer: Pointer) -> None:
        """Drop collections a reset replaced, and builds an interrupted ingest left behind."""
        names = {str(getattr(c, "name", c)) for c in self._call(self._client.list_collections)}
        collection = self._settings.collection
        doomed = (set(pointer.retired) | {n for n in names if is_build(collection, n)}) & names
        for name in doomed - {pointer.live}:
            self._drop(name)

    def _drop(self, name: str) -> None:
        with contextlib.suppress(Exception):  # missing, or too damaged to delete cleanly
            self._client.delete_collection(name)

    # --- writers and readers ------------------------------------------------------
    def _lock(self) -> FileLock:
        self._settings.store_dir.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self._settings.store_dir / "ingest.lock"))

    @contextlib.contextmanager
    def writer_lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the store's writer lock; another writer waits `wait` seconds, then stops."""
        lock = self._lock()
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise StoreUnavailable(
                "another ingest is writing to this store; wait for it to finish "
                f"(lock: {self._settings.store_dir / 'ingest.lock'})"
            ) from None
        try:
            yield
        except BaseException:
            self.abandon_write()  # a build aside is dropped; the served collection stays
            raise
        finally:
            lock.release()

    def building(self) -> bool:
        """Whether an ingest is running now (embedded: it holds the lock; server: its marker)."""
        if self._settings.remote_store:
            return bool(self._state().writing)
        lock = self._lock()
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        lock.release()
        return False

    def doctor(self) -> dict[str, Any]:
        """The full check of the served collection: every record readable, every vector
        finding its own record, counts as stored (`advisor doctor`)."""
        pointer = self._state()
        if not pointer.live:
            return {"ok": False, "records": 0, "problems": ["the store is empty: `advisor ingest`"]}
        if self._settings.remote_store:
            col = self._call(lambda: self._client.get_collection(pointer.live))
            report = store_check.full_check(col, dict(col.metadata or {}))
        else:
            report = self._full_check_in_child(pointer)
        problems: list[str] = report.setdefault("problems", [])
        if pointer.incomplete:
            problems.append(f"an ingest started at {pointer.writing_since} has not finished")
        report |= {"ok": not problems, "generation": pointer.generation}
        return report

    def _full_check_in_child(self, pointer: Pointer) -> dict[str, Any]:
        """`doctor`'s check of an embedded store, in a child; its verdict on the files as they
        are is recorded (advisor/store/integrity.py), so readers of files changed since the
        last ingest refuse or serve them as `doctor` said, without checking again."""
        store_dir = self._settings.store_dir
        outcome = store_check.run_child("full", store_dir, pointer.live)
        report = outcome.body or {"collection": pointer.live, "problems": [outcome.failure]}
        if outcome.conclusive and not pointer.incomplete:  # an unfinished ingest is not damage
            damage = store_check.first_problem(report.get("problems") or [])
            with contextlib.suppress(Exception):  # a catalogue too damaged to name the id
                col = self._client.get_collection(pointer.live)
                integrity.record_checked(store_dir, str(col.id), damage)
        return report


def wait_for_generation(store: Any, after: int, timeout: float = 10.0) -> int:
    """Poll until the store's generation passes `after` (tests and scripts)."""
    deadline = time.monotonic() + timeout
    gen = int(store.generation())
    while gen <= after and time.monotonic() < deadline:
        time.sleep(0.05)
        gen = int(store.generation())
    return gen
