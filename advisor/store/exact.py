"""Exact nearest neighbours over a small collection: the same ranking in every process.

Chroma's HNSW search is approximate, and its graph is built anew, with random levels, in
each process that opens an embedded store for every record not yet synced to disk (all of
a collection under Chroma's sync threshold of 1,000 records: the bundled corpus has 465).
The 80 records nearest one vector then differed between fresh processes (a record at
0.0446 found in one, missed in the next), and so did the advisor's answers to the same
conversation. Up to `EXACT_RECORDS` records an embedded store holds every vector in
memory (1.5 KB each) and ranks them all exactly, equal similarities in id order; above
that, and on a Chroma server (whose one graph every app process shares), Chroma's
approximate search serves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np

EXACT_RECORDS = 20_000
"""Collections up to this many records are searched exactly (30 MB of float32 at most)."""


class ExactIndex:
    """Every record's unit vector, in id order, ranked by cosine similarity on demand."""

    def __init__(self, ids: Sequence[str], vectors: Any) -> None:
        order = sorted(range(len(ids)), key=lambda i: ids[i])
        self.ids = [ids[i] for i in order]
        matrix = np.asarray(vectors, dtype=np.float64)
        matrix = matrix.reshape(len(ids), -1)[order] if ids else np.zeros((0, 0))
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self._unit = matrix / np.where(norms > 0, norms, 1.0)

    @classmethod
    def of_pages(cls, pages: Iterable[tuple[Any, ...]]) -> ExactIndex:
        """The index of (ids, embeddings) pages as `Store._pages` reads them."""
        ids: list[str] = []
        rows: list[Any] = []
        for page_ids, vectors in pages:
            ids += page_ids
            rows += list(vectors)
        return cls(ids, np.asarray(rows, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(
        self, vector: Sequence[float], k: int, allowed: Collection[str] | None = None
    ) -> list[tuple[str, float]]:
        """The ids and cosine similarities of the `k` records nearest `vector` (among
        `allowed` when given), best first; equal similarities in id order."""
        if not self.ids or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float64)
        norm = float(np.linalg.norm(query))
        sims = self._unit @ (query / norm if norm > 0 else query)
        order: list[int] = np.argsort(-sims, kind="stable").tolist()  # ties stay in id order
        if allowed is not None:
            order = [i for i in order if self.ids[i] in allowed]
        return [(self.ids[i], float(sims[i])) for i in order[:k]]
