"""Embeddings are pure functions of (model, text): remember them, in memory and optionally on disk.

`CachedEmbedder` wraps the process-wide model. A question asked again (a regenerate, a
benchmark that scores four retrievers on one question set, a test suite that ingests the same
corpus many times) is embedded once. The disk cache (ADVISOR_EMBEDDING_CACHE, a SQLite file)
is shared by processes, so pytest-xdist workers and repeated runs reuse each other's work.

Keys hash the model's fingerprint, the kind and the text: one question, or one whole batch of
documents (a document's vector differs in its last bits with its batch neighbours, so a batch is
reused only as a whole, which keeps every cached vector equal to a fresh one). Vectors are
stored as float32, which is what the model returns.
A cache that cannot be opened or written is logged once and skipped: it never fails an answer.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from advisor.embeddings import Embedder

log = logging.getLogger(__name__)

MEMORY_FLOATS = 4_000_000
"""Floats kept in memory per process (16 MB: about 10,000 MiniLM vectors)."""


class CachedEmbedder:
    """An `Embedder` that looks each (kind, text) up before asking the model."""

    def __init__(
        self,
        model: Embedder,
        fingerprint: str,
        path: Path | None = None,
        memory: int = MEMORY_FLOATS,
    ) -> None:
        self.model = model
        self.fingerprint = fingerprint
        self.path = path
        self.hits = 0
        self.misses = 0
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_floats = memory
        self._floats = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._db_failed = False

    # --- the Embedder protocol --------------------------------------------------------------

    def embed_query(self, text: str) -> list[float]:
        """The query vector of `text`, from the cache when it is there."""
        key = self._key("query", text)
        found = self._lookup([key])
        if key in found:
            return found[key].tolist()
        vector = _float32(self.model.embed_query(text))
        self._store({key: vector})
        return vector.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Document vectors, cached per batch: a batch's vectors depend (in the last bits) on
        what else is in it, so only the same batch may reuse them, and reuse is then exact."""
        key = self._key("documents", "\0".join(texts) + f"\0{len(texts)}")
        found = self._lookup([key])
        if key in found:
            return found[key].reshape(len(texts), -1).tolist()
        vectors = _float32(self.model.embed_documents(texts))
        self._store({key: vectors.reshape(-1)})
        return vectors.tolist()

    # --- the cache ----------------------------------------------------------------------------

    def _key(self, kind: str, text: str) -> str:
        return hashlib.sha256(f"{self.fingerprint}\0{kind}\0{text}".encode()).hexdigest()

    def _lookup(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for key in keys:
                if key in self._memory:
                    self._memory.move_to_end(key)
                    found[key] = self._memory[key]
            rest = [k for k in dict.fromkeys(keys) if k not in found]
            if rest:
                for key, blob in self._read(rest):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
                    self._remember(key, found[key])
            hits = sum(k in found for k in keys)
            self.hits += hits
            self.misses += len(keys) - hits
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            for key, vector in vectors.items():
                self._remember(key, vector)
            self._write(vectors)

    def _remember(self, key: str, vector: np.ndarray) -> None:
        if key in self._memory or vector.size > self._memory_floats:
            return
        self._memory[key] = vector
        self._floats += vector.size
        while self._floats > self._memory_floats:
            _, dropped = self._memory.popitem(last=False)
            self._floats -= dropped.size

    def _connection(self) -> sqlite3.Connection | None:
        if self.path is None or self._db_failed:
            return None
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, v BLOB)")
                db.commit()
                self._db = db
            except sqlite3.Error as exc:
                self._give_up(exc)
        return self._db

    def _read(self, keys: list[str]) -> list[tuple[str, bytes]]:
        db = self._connection()
        if db is None:
            return []
        rows: list[tuple[str, bytes]] = []
        try:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                rows += db.execute(f"SELECT key, v FROM vectors WHERE key IN ({marks})", part)
        except sqlite3.Error as exc:
            self._give_up(exc)
        return rows

    def _write(self, vectors: dict[str, np.ndarray]) -> None:
        db = self._connection()
        if db is None or not vectors:
            return
        rows = [(k, v.tobytes()) for k, v in vectors.items()]
        try:
            with db:
                db.executemany("INSERT OR IGNORE INTO vectors (key, v) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self._give_up(exc)

    def _give_up(self, exc: sqlite3.Error) -> None:
        log.warning("embedding cache %s unusable (%s); going on without it", self.path, exc)
        self._db_failed = True
        if self._db is not None:
            self._db.close()
            self._db = None


def _float32(vectors: object) -> np.ndarray:
    """The model's output as float32 (what it computes in; a list of floats holds it exactly)."""
    return np.asarray(vectors, dtype=np.float32)
