"""The Chroma adapter: the only module that sees raw Chroma results.

Embedded (`PersistentClient`) by default, a Chroma server (`HttpClient`) when
`CHROMA_HOST` is set. `Store` reads, writes and searches the records of the collection
it serves; which collection that is, and its checks, live in `advisor/store/live.py`.
Writers are serialised with a file lock (advisor/store/writer.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from advisor.errors import ConfigurationError, StoreUnavailable
from advisor.records import Chunk
from advisor.settings import Settings
from advisor.store.client import forget_embedded_path, make_client, quarantine
from advisor.store.exact import EXACT_RECORDS, ExactIndex
from advisor.store.live import LiveCollection
from advisor.store.writer import StoreWriter, wait_for_generation

__all__ = ["DocState", "Store", "wait_for_generation"]


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


class Store(LiveCollection, StoreWriter):
    """Chunks and their vectors in the live Chroma collection."""

    def __init__(self, client: Any, settings: Settings) -> None:
        super().__init__(client, settings)
        self._exact: tuple[object, ExactIndex | None] | None = None
        """The collection searched, and its exact index (None: too large, Chroma searches)."""
        self._exact_lock = threading.Lock()

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
        self._exact = None  # read again at the next search
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
        self._exact = None
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
        of 12-16 ms, and callers that hold the passages in memory need nothing more. A
        collection of up to EXACT_RECORDS records is searched exactly (advisor/store/exact.py),
        so every process ranks the same records for the same vector.
        """
        if k <= 0:
            return []
        exact = self._exact_index()
        if exact is not None:
            allowed = None
            if where:
                allowed = {i for page in self._pages(include=[], where=where) for i in page[0]}
            return exact.nearest(vector, k, allowed)
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

    def _exact_index(self) -> ExactIndex | None:
        """The served collection's exact index, read once per collection opened (a reopen
        after another process's ingest, or a write here, reads it again); None when the
        collection is empty or larger than EXACT_RECORDS, or on a Chroma server (one graph
        serves every process there, and each answer still reaches the server)."""
        if self._settings.remote_store:
            return None
        col = self._col()
        with self._exact_lock:
            cached = self._exact
            if cached is None or cached[0] is not col:
                index = None
                if col is not None and 0 < self.count() <= EXACT_RECORDS:
                    index = ExactIndex.of_pages(self._pages(include=["embeddings"]))
                cached = (col, index)
                self._exact = cached
            return cached[1]

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
