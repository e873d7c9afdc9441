"""The Chroma adapter: the only module that sees raw Chroma results.

Embedded (`PersistentClient`) by default, a Chroma server (`HttpClient`) when
`CHROMA_HOST` is set. Writers are serialised with a file lock; readers notice an
ingest through a generation counter kept in the collection metadata.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from filelock import FileLock, Timeout

from advisor.errors import ConfigurationError, StoreUnavailable
from advisor.records import Chunk
from advisor.settings import Settings
from advisor.store_client import (
    forget_embedded_system,
    is_connection_error,
    make_client,
    unavailable,
)

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

_META_KEYS = ("embedding_model", "embedding_dim", "generation", "last_ingest")


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


class Store:
    """Chunks and their vectors in one Chroma collection."""

    def __init__(self, client: ClientAPI, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._collection: Collection | None = None
        self._mutex = threading.Lock()
        self._seen_generation: int | None = None

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """Open the store described by `settings` (creates the directory when embedded)."""
        return cls(make_client(settings), settings)

    @property
    def settings(self) -> Settings:
        """The settings this store was opened with."""
        return self._settings

    # --- collection -----------------------------------------------------------
    def _col(self) -> Collection:
        if self._collection is None:
            with self._mutex:
                if self._collection is None:
                    self._collection = self._call(
                        lambda: self._client.get_or_create_collection(
                            self._settings.collection,
                            embedding_function=None,
                            configuration={"hnsw": {"space": "cosine"}},
                        )
                    )
                    if self._seen_generation is None:  # what this client's index reflects
                        meta = self._collection.metadata or {}
                        self._seen_generation = int(meta.get("generation", 0))
        return self._collection

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except (ConfigurationError, StoreUnavailable):
            raise
        except Exception as exc:
            if is_connection_error(exc):
                self._collection = None  # reconnect on the next call
                raise StoreUnavailable(unavailable(self._settings, exc)) from None
            raise

    def metadata(self) -> dict[str, Any]:
        """The collection's own metadata (model id, dimension, generation, last ingest)."""
        col = self._call(lambda: self._client.get_collection(self._settings.collection))
        return dict(col.metadata or {})

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
        """Whether the collection has been created."""
        names = self._call(self._client.list_collections)
        return any(getattr(c, "name", c) == self._settings.collection for c in names)

    def count(self) -> int:
        """Number of records stored (chunks and their sentence units)."""
        return int(self._call(self._col().count))

    def count_chunks(self) -> int:
        """Number of passages (chunks) stored, sentence units not counted."""
        if not self.exists():
            return 0
        return sum(len(page[0]) for page in self._pages(include=[], where={"unit": "chunk"}))

    def generation(self) -> int:
        """A counter bumped by every ingest that changed something.

        When it moved since this store last looked, another writer changed the
        collection, and an embedded client is reopened (see `_reopen`).
        """
        gen = int(self.metadata().get("generation", 0)) if self.exists() else 0
        if self._seen_generation is not None and gen != self._seen_generation:
            self._reopen()
        self._seen_generation = gen
        return gen

    def _reopen(self) -> None:
        """Replace an embedded client with a fresh one so vector queries see other writers.

        Embedded Chroma keeps one system per path and process, and its vector index
        in that process only catches up with its own writes: `count` and `get` see
        another process's ingest, `query` does not. Dropping the cached system for
        this path makes the next client load the index from disk. Clients already
        handed out keep working on the old system (it is not stopped).
        """
        with self._mutex:
            self._collection = None  # it may have been dropped and recreated (--reset)
            if self._settings.remote_store:
                return  # a server holds one index for every client
            forget_embedded_system(self._client)
            self._client = make_client(self._settings)

    def mark_ingested(self, model: str, dim: int, changed: bool) -> None:
        """Record model, dimension and (when something changed) a new generation."""
        meta = {k: v for k, v in self.metadata().items() if k in _META_KEYS}
        meta["embedding_model"] = model
        meta["embedding_dim"] = dim
        meta["generation"] = int(meta.get("generation", 0)) + (1 if changed else 0)
        meta["last_ingest"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._call(lambda: self._col().modify(metadata=meta))
        self._seen_generation = meta["generation"]  # our own write: nothing to reopen

    def reset(self) -> None:
        """Drop the collection and everything in it (the generation keeps counting up)."""
        if not self.exists():
            return
        generation = int(self.metadata().get("generation", 0))
        self._call(lambda: self._client.delete_collection(self._settings.collection))
        self._collection = None
        if generation:  # so an open reader still sees the generation move
            self._call(lambda: self._col().modify(metadata={"generation": generation}))

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
        if not self.exists():
            return
        col = self._col()
        offset = 0
        while True:
            got = self._call(
                lambda o=offset: col.get(
                    include=cast(Any, include), where=where, limit=page, offset=o
                )
            )
            ids = got["ids"]
            if not ids:
                return
            yield (ids, *(got[name] for name in include))
            offset += len(ids)

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Write chunks with their vectors, in batches Chroma accepts."""
        col = self._col()
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
        col = self._col()
        step = 2000
        for start in range(0, len(ids), step):
            self._call(lambda s=start: col.delete(ids=list(ids[s : s + step])))

    # --- search -------------------------------------------------------------------
    def query(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[Chunk, float]]:
        """The k nearest chunks with their cosine similarity, best first."""
        col = self._col()
        if k <= 0:
            return []
        # Chroma returns fewer than n_results when fewer records (match), so no count()
        # first: counting costs ~45 ms per query at 370k records (bench/scale.py).
        got = self._call(
            lambda: col.query(
                query_embeddings=cast(Any, [list(vector)]),
                n_results=k,
                where=where or None,
                include=["metadatas", "documents", "distances"],
            )
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
        col = self._col()
        got = self._call(
            lambda: col.query(
                query_embeddings=cast(Any, [list(vector)]),
                n_results=k,
                where=where or None,
                include=["distances"],
            )
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

    # --- writers ------------------------------------------------------------------
    @contextlib.contextmanager
    def writer_lock(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the store's writer lock; another writer waits `wait` seconds, then stops."""
        self._settings.store_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self._settings.store_dir / "ingest.lock"))
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise StoreUnavailable(
                "another ingest is writing to this store; wait for it to finish "
                f"(lock: {self._settings.store_dir / 'ingest.lock'})"
            ) from None
        try:
            yield
        finally:
            lock.release()


def wait_for_generation(store: Store, after: int, timeout: float = 10.0) -> int:
    """Poll until the store's generation passes `after` (tests and scripts)."""
    deadline = time.monotonic() + timeout
    gen = store.generation()
    while gen <= after and time.monotonic() < deadline:
        time.sleep(0.05)
        gen = store.generation()
    return gen
