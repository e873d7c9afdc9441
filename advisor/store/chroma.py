"""The Chroma adapter: the only module that sees raw Chroma results.

Embedded (`PersistentClient`) by default, a Chroma server (`HttpClient`) when
`CHROMA_HOST` is set. Readers serve the collection a pointer record names
(advisor/store_pointer.py): a reset builds a new collection beside it and switches the
pointer once the build is complete, so readers never see an empty or missing collection,
and they notice any ingest through the generation the pointer keeps. A collection is
served only after a cheap integrity check (advisor/store/check.py). Writers are
serialised with a file lock (advisor/store_writer.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from advisor.errors import ConfigurationError, StoreUnavailable
from advisor.records import Chunk
from advisor.settings import Settings
from advisor.store import check as store_check
from advisor.store import folders, integrity
from advisor.store.client import (
    damaged,
    forget_embedded_path,
    forget_embedded_system,
    is_connection_error,
    is_damage,
    make_client,
    quarantine,
    unavailable,
)
from advisor.store.pointer import Pointer, is_missing, read_pointer
from advisor.store.writer import StoreWriter, wait_for_generation

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

__all__ = ["DocState", "Store", "wait_for_generation"]
T = TypeVar("T")


@dataclass(frozen=True)
class DocState:
    """What the store holds for one document: enough to decide whether it changed."""

    doc_key: str
    hashes: frozenset[str]
    expected_chunks: int
    ids: tuple[str, ...]

    def is_complete(self, doc_hash: str) -> bool:
        """True when every chunk of exactly this version is present (no interrupted write)."""
        return self.hashes == {doc_hash} and len(self.ids) == self.expected_chunks


class Store(StoreWriter):
    """Chunks and their vectors in the live Chroma collection."""

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

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """Open the store described by `settings` (creates the directory when embedded)."""
        return cls(make_client(settings), settings)

    @classmethod
    def open_for_reset(cls, settings: Settings) -> Store:
        """Open a store about to be rebuilt; an embedded one whose Chroma database cannot
        be opened at all is moved aside first (into `damaged-<time>/` in the store folder)."""
        try:
            return cls.open(settings)
        except StoreUnavailable:
            if settings.remote_store or not (settings.store_dir / "chroma.sqlite3").exists():
                raise
            with cls(cast(Any, None), settings).writer_lock(wait=600):
                quarantine(settings)
            forget_embedded_path(settings)  # Chroma cached the system that failed to open
            return cls.open(settings)

    @property
    def settings(self) -> Settings:
        """The settings this store was opened with."""
        return self._settings

    # --- the live collection ----------------------------------------------------
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

    def metadata(self) -> dict[str, Any]:
        """The served collection's metadata (model id, dimension, last ingest, records),
        with the pointer's generation."""
        meta: dict[str, Any] = self._read(
            lambda c: dict(self._client.get_collection(c.name).metadata or {}), {}
        )
        meta.pop("canaries", None)
        if self._pointer is not None:
            meta["generation"] = self._pointer.generation
        return meta

    def check_model(self, model: str, dim: int | None = None) -> None:
        """Stop with a clear message when the collection was built with another model."""
        meta = self.metadata() if self.exists() else {}
        stored = meta.get("embedding_model")
        if stored and stored != model:
            raise ConfigurationError(
                f"the index was built with embedding model {stored!r} but "
                f"{model!r} is configured (ADVISOR_EMBEDDING_MODEL); "
                "re-ingest with `advisor ingest --reset`"
            )
        stored_dim = meta.get("embedding_dim")
        if dim is not None and stored_dim and int(stored_dim) != dim:
            raise ConfigurationError(
                f"the index holds {stored_dim}-dimensional vectors but the model makes {dim}; "
                "re-ingest with `advisor ingest --reset`"
            )

    def exists(self) -> bool:
        """Whether there is a collection to serve (checked before it is served)."""
        return self._col() is not None

    def count(self) -> int:
        """Number of records stored (chunks and their sentence units)."""
        return self._read(lambda c: int(c.count()), 0)

    def count_chunks(self) -> int:
        """Number of passages (chunks) stored, sentence units not counted."""
        return sum(len(page[0]) for page in self._pages(include=[], where={"unit": "chunk"}))

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

    # --- documents ------------------------------------------------------------
    def documents(self) -> dict[str, DocState]:
        """Per document: the hashes and chunk ids stored."""
        seen: dict[str, tuple[set[str], int, list[str]]] = {}
        for ids, metas in self._pages(include=["metadatas"]):
            for cid, meta in zip(ids, metas, strict=True):
                key = str(meta.get("doc_key", ""))
                hashes, _, members = seen.setdefault(key, (set(), 0, []))
                hashes.add(str(meta.get("doc_hash", "")))
                members.append(cid)
                seen[key] = (hashes, int(meta.get("doc_chunks", 0)), members)
        return {
            key: DocState(key, frozenset(h), n, tuple(ids)) for key, (h, n, ids) in seen.items()
        }

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk, text included (for the BM25 index)."""
        chunks: list[Chunk] = []
        pages = self._pages(include=["metadatas", "documents"], where={"unit": "chunk"})
        for ids, metas, docs in pages:
            for cid, meta, doc in zip(ids, metas, docs, strict=True):
                chunks.append(Chunk.from_stored(cid, doc, meta))
        return chunks

    def _pages(
        self, include: list[str], where: dict[str, Any] | None = None, page: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        offset = 0
        while True:
            got: Any = self._read(
                lambda col, o=offset: col.get(  # type: ignore[misc]
                    include=cast(Any, include), where=where, limit=page, offset=o
                ),
                {"ids": []},
            )
            ids = got["ids"]
            if not ids:
                return
            yield (ids, *(got[name] for name in include))
            offset += len(ids)

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Write chunks with their vectors, in batches Chroma accepts."""
        col = self._write_col()
        step = max(1, min(self._call(self._client.get_max_batch_size), 2000))
        for start in range(0, len(chunks), step):
            part = chunks[start : start + step]
            self._call(
                lambda p=part, s=start: col.upsert(
                    ids=[c.id for c in p],
                    documents=[c.text for c in p],
                    metadatas=cast(Any, [c.metadata() for c in p]),
                    embeddings=cast(Any, [list(v) for v in vectors[s : s + len(p)]]),
                )
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove chunks by id, in batches."""
        col = self._write_col()
        step = 2000
        for start in range(0, len(ids), step):
            self._call(lambda s=start: col.delete(ids=list(ids[s : s + step])))

    # --- search -------------------------------------------------------------------
    def query(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with their cosine similarity, best first."""
        if k <= 0:
            return []
        # Chroma returns fewer than n_results when fewer records (match), so no count()
        # first: counting costs ~45 ms per query at 370k records (bench/scale.py).
        got = self._read(
            lambda col: col.query(
                query_embeddings=cast(Any, [list(vector)]),
                n_results=k,
                where=where or None,
                include=["metadatas", "documents", "distances"],
            ),
            _NO_HITS,
        )
        rows = zip(
            got["ids"][0],
            got["documents"][0],
            got["metadatas"][0],
            got["distances"][0],
            strict=True,
        )
        return [
            (Chunk.from_stored(cid, doc, meta), 1.0 - float(dist)) for cid, doc, meta, dist in rows
        ]

    def query_ids(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """The ids of the k nearest records with their cosine similarity, best first.

        No documents or metadata are read: for a few dozen results that is 2-3 ms instead
        of 12-16 ms, and callers that hold the passages in memory need nothing more.
        """
        if k <= 0:
            return []
        got = self._read(
            lambda col: col.query(
                query_embeddings=cast(Any, [list(vector)]),
                n_results=k,
                where=where or None,
                include=["distances"],
            ),
            _NO_HITS,
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]

    def stats(self) -> dict[str, Any]:
        """Documents, chunks and the time of the last ingest (for the UI sidebar and the API)."""
        if not self.exists():
            return {"documents": 0, "chunks": 0, "last_ingest": None}
        meta = self.metadata()
        return {
            "documents": len(self.documents()),
            "chunks": self.count_chunks(),
            "last_ingest": meta.get("last_ingest"),
        }


_NO_HITS: Any = {"ids": [[]], "documents": [[]], "metadatas": [[]], "distances": [[]]}
