"""A store that answers nearest-neighbour queries exactly, for tests that compare two ways
of filtering and must not see HNSW's approximation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor import Store
from advisor.store.client import make_client


class ExactStore(Store):
    """The real store searched exactly: every record's cosine similarity, best first, with a
    `where` applied by Chroma's own `get`. HNSW is approximate and its graph differs from
    build to build, so two approximate searches may each miss a different record near the
    end of a top four (a clean clone's CI once saw 0.2179 found by one and missed by the
    other); over an exact search the two ways of filtering must agree exactly."""

    def __init__(self, store_dir: Path, settings_from: Store) -> None:
        settings = settings_from.settings.with_(store_dir=store_dir)
        super().__init__(make_client(settings), settings)
        self.wheres: list[dict[str, Any] | None] = []
        raw = self._col()
        assert raw is not None
        got = raw.get(include=["embeddings"])
        self._ids: list[str] = list(got["ids"])
        vectors = np.asarray(got["embeddings"], dtype=np.float64)
        self._vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self._passing: dict[str, np.ndarray] = {}

    def _mask(self, where: dict[str, Any] | None) -> np.ndarray:
        key = repr(where)
        if key not in self._passing:
            raw = self._col()
            assert raw is not None
            allowed = set(raw.get(where=where, include=[])["ids"]) if where else set(self._ids)
            self._passing[key] = np.array([i in allowed for i in self._ids])
        return self._passing[key]

    def query_ids(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        self.wheres.append(where)
        query = np.asarray(vector, dtype=np.float64)
        sims = self._vectors @ (query / np.linalg.norm(query))
        order = sorted(np.flatnonzero(self._mask(where)), key=lambda i: (-sims[i], self._ids[i]))
        return [(self._ids[i], float(sims[i])) for i in order[:k]]
