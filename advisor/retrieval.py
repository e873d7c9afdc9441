"""Hybrid retrieval: dense (Chroma, passages and their sentences) + BM25, fused.

Fusion is a convex combination of cosine similarity and saturated BM25 plus a prior
for the guide (`weighted`, the default) or reciprocal rank fusion (ADVISOR_FUSION=rrf).
RRF is kept as the alternative because on the project's question set it ranks lower:
0.805 hit@1 against 0.857, and no RRF over more lists (sentence units, heading paths,
a guide-only list, resource names) reached the weighted fusion on held-out questions.
The BM25 index is built once per store generation and rebuilt only when an ingest
bumps the generation (checked at most every `store_refresh_seconds`).
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from advisor.embeddings import Embedder
from advisor.errors import InputError
from advisor.filters import CARD_FIELDS, Filter, chroma_where, fields_of, passes
from advisor.filters import matches as matches
from advisor.filters import normalize as normalize_filter
from advisor.keyword import KeywordIndex
from advisor.records import Source, parse_unit_id
from advisor.settings import Settings
from advisor.store import Store
from advisor.text import normalize, sentences

CANDIDATES = 20
OVERFETCH = 4
"""A filtered dense query reads this many times the records it needs from Chroma, unfiltered,
and filters them in memory (`Retriever._nearest`): filters that pass a quarter of the
records near a question never need Chroma's slow pre-filtering `where` query."""
DENSE_WEIGHT = 0.7
"""Weighted fusion: share of the dense cosine similarity; BM25 gets the rest."""
BM25_SATURATION = 5.0
"""BM25 scores are divided by (best score + this): weak keyword evidence counts less."""
PRIMARY_KINDS = frozenset({"guide"})
PRIMARY_PRIOR = 0.15
"""Weighted fusion: added to passages of the primary source (the guide) over resource cards."""
RRF_K = 8
RRF_BM25_WEIGHT = 0.6
RRF_PRIOR = 0.2
"""RRF fusion (ADVISOR_FUSION=rrf): k, BM25 list weight and relative guide boost."""


@dataclass(frozen=True)
class Retrieval:
    """Ranked sources plus the evidence used to decide whether to refuse."""

    sources: list[Source]
    best_similarity: float
    """Cosine similarity of the best dense match (0 when the store is empty)."""


class Retriever:
    """Finds the passages that answer a question; owns the keyword index."""

    def __init__(
        self, store: Store, embeddings: Embedder | Callable[[], Embedder], settings: Settings
    ) -> None:
        self._store = store
        self._embeddings = embeddings
        self._settings = settings
        self._lock = threading.Lock()
        self._index: KeywordIndex | None = None
        self._generation = -1
        self._checked = 0.0
        self._card_fields: tuple[KeywordIndex, frozenset[str]] | None = None
        self.rebuilds = 0

    @property
    def embeddings(self) -> Embedder:
        """The embedding model (resolved lazily when a factory was given)."""
        if not hasattr(self._embeddings, "embed_query"):
            self._embeddings = cast(Callable[[], Embedder], self._embeddings)()
        return cast(Embedder, self._embeddings)

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index for the store's current generation."""
        now = time.monotonic()
        if self._index is not None and now - self._checked < self._settings.store_refresh_seconds:
            return self._index
        with self._lock:
            generation = self._store.generation()
            self._checked = time.monotonic()
            if self._index is None or generation != self._generation:
                self._index = KeywordIndex(self._store.all_chunks())
                self._generation = generation
                self.rebuilds += 1
                _return_freed_memory()
            return self._index

    def retrieve(
        self, question: str, k: int = 4, filters: Mapping[str, Any] | None = None
    ) -> Retrieval:
        """The k best passages for `question`, fused, filtered and de-duplicated.

        `filters` follows advisor/filters.py (fields, operators, $and/$or); a bad one
        raises InputError naming what is allowed.
        """
        index = self.keyword_index()
        vector = self.embeddings.embed_query(question)
        return self._retrieve(index, question, vector, k, filters)

    def retrieve_vector(
        self,
        question: str,
        vector: Sequence[float],
        k: int = 4,
        filters: Mapping[str, Any] | None = None,
    ) -> Retrieval:
        """Like `retrieve`, with the question's embedding supplied (batch jobs, benchmarks)."""
        return self._retrieve(self.keyword_index(), question, vector, k, filters)

    def _retrieve(
        self,
        index: KeywordIndex,
        question: str,
        vector: Sequence[float],
        k: int,
        filters: Mapping[str, Any] | None,
    ) -> Retrieval:
        """Dense candidates, keyword candidates, then fusion (the stages bench/scale.py times)."""
        canonical = normalize_filter(filters)
        self._check_card_fields(canonical, index)
        pool = max(CANDIDATES, 5 * k)
        dense, matched = self._dense(vector, pool, canonical, index)
        keyword = self._keyword(question, pool, canonical, index)
        return self._rank(dense, matched, keyword, k, index)

    def _check_card_fields(self, filters: Filter | None, index: KeywordIndex) -> None:
        """InputError when a filter reads a card field no passage of this index carries."""
        wanted = fields_of(filters) & set(CARD_FIELDS)
        if not wanted:
            return
        cached = self._card_fields
        if cached is None or cached[0] is not index:
            present = {f for f in CARD_FIELDS if any(getattr(c, f) for c in index.chunks)}
            cached = (index, frozenset(present))
            self._card_fields = cached
        missing = sorted(wanted - cached[1])
        if missing:
            raise InputError(
                f"no passage in this index has {' or '.join(missing)}: it holds no resource "
                "cards, or was built before card fields were stored (run `advisor ingest "
                "--reset` to add them)"
            )

    def _keyword(
        self, question: str, pool: int, filters: Filter | None, index: KeywordIndex
    ) -> dict[str, float]:
        """Saturated BM25 score of the `pool` best keyword matches that pass `filters`."""
        scores = index.scores(question)
        keyword: dict[str, float] = {}
        if len(scores):
            top = scores.max()
            for i in np.argsort(-scores):
                if scores[i] <= 0 or len(keyword) >= pool:
                    break
                chunk = index.chunks[int(i)]
                if filters is None or passes(chunk, filters):
                    keyword[chunk.id] = float(scores[i] / (top + BM25_SATURATION))
        return keyword

    def _rank(
        self,
        dense: dict[str, float],
        matched: dict[str, list[tuple[str, float]]],
        keyword: dict[str, float],
        k: int,
        index: KeywordIndex,
    ) -> Retrieval:
        """Fuse the two lists, add the guide's prior, drop near-duplicates, keep k."""
        fuse = _rrf if self._settings.fusion == "rrf" else _weighted
        fused = fuse(dense, keyword)
        for cid in fused:
            if index.by_id[cid].kind in PRIMARY_KINDS:
                fused[cid] += PRIMARY_PRIOR if fuse is _weighted else fused[cid] * RRF_PRIOR
        best = max(dense.values(), default=0.0)
        by_id = index.by_id
        ranked = sorted(fused, key=lambda cid: (-fused[cid], cid))  # a tie: in id order
        sources: list[Source] = []
        seen: list[set[str]] = []
        for cid in ranked:
            chunk = by_id[cid]
            words = set(normalize(chunk.text).split())
            if any(_near_duplicate(words, other) for other in seen):
                continue
            seen.append(words)
            sources.append(chunk.as_source(fused[cid], tuple(matched.get(cid, []))))
            if len(sources) == k:
                break
        return Retrieval(sources=sources, best_similarity=best)

    def _dense(
        self,
        vector: Sequence[float],
        pool: int,
        filters: Filter | None,
        index: KeywordIndex,
    ) -> tuple[dict[str, float], dict[str, list[tuple[str, float]]]]:
        """Best cosine similarity per passage (over it and its sentence units), and the
        sentence units that matched, per passage."""
        best: dict[str, float] = {}
        matched: dict[str, list[tuple[str, float]]] = {}
        split: dict[str, list[str]] = {}  # passage id -> its sentences (= its units' texts)
        for uid, sim in self._nearest(vector, pool * 4, filters, index):
            cid, n = _passage_of(uid, index)
            if cid not in index.by_id:
                continue
            if n is not None:
                if cid not in split:
                    split[cid] = sentences(index.by_id[cid].text)
                if n < len(split[cid]):
                    matched.setdefault(cid, []).append((split[cid][n], sim))
            if len(best) < pool and sim > best.get(cid, -1.0):
                best[cid] = sim
        return best, matched

    def _nearest(
        self, vector: Sequence[float], n: int, filters: Filter | None, index: KeywordIndex
    ) -> list[tuple[str, float]]:
        """The ids and cosine similarities of the `n` records nearest `vector` that pass
        `filters`, best first: what Chroma's `where` query returns, mostly without it.

        Chroma's `where` pre-filters, so a broad filter such as kind != guide takes 1.5 s
        at 370k records against 5 ms unfiltered, and holds 370 MB more (bench/scale.py). A
        filter on fields a sentence unit shares with its passage is instead applied here,
        with the passages' metadata the keyword index holds, to OVERFETCH times as many
        unfiltered neighbours; the `where` query runs only when fewer than `n` of them pass
        and the store holds more. Both searches are approximate (HNSW) and mostly return
        the same records; this one is the closer to the exact ranking (kind != guide at
        370k records: 94% of the exact best 80 against 85%).
        """
        filters = normalize_filter(filters)  # idempotent: callers may pass a filter as given
        if not filters:
            return self._store.query_ids(vector, n)
        where = chroma_where(filters)
        if not fields_of(filters) <= _UNIT_SHARED:
            return self._store.query_ids(vector, n, where=where)
        fetched = self._store.query_ids(vector, n * OVERFETCH)
        passed = _passing(fetched, filters, index)
        if len(passed) >= n or len(fetched) < n * OVERFETCH:  # enough, or every record seen
            return passed[:n]
        return self._store.query_ids(vector, n, where=where)


def _return_freed_memory() -> None:
    """Give the heap freed by an index build back to the OS (glibc only; else a no-op).

    Fetching every chunk from Chroma and indexing it frees hundreds of MB that glibc
    would keep mapped: at 100k chunks, resident memory drops by about 400 MB.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return
    trim(0)


def _weighted(dense: dict[str, float], keyword: dict[str, float]) -> dict[str, float]:
    """Convex combination of cosine similarity and saturated BM25 (measured best here)."""
    ids = dense.keys() | keyword.keys()
    return {
        cid: DENSE_WEIGHT * dense.get(cid, 0.0) + (1 - DENSE_WEIGHT) * keyword.get(cid, 0.0)
        for cid in ids
    }


def _rrf(dense: dict[str, float], keyword: dict[str, float]) -> dict[str, float]:
    """Reciprocal rank fusion of the two ranked lists."""
    fused: dict[str, float] = {}
    for weight, ranked in ((1.0, dense), (RRF_BM25_WEIGHT, keyword)):
        for rank, cid in enumerate(sorted(ranked, key=lambda c: -ranked[c])):
            fused[cid] = fused.get(cid, 0.0) + weight / (RRF_K + rank + 1)
    return fused


def _near_duplicate(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= 0.9


_UNIT_SHARED = frozenset({"source", "title", "kind", "url", "root", "doc_key", *CARD_FIELDS})
"""Filter fields a sentence unit stores exactly as its passage does (ingest/chunking.py; its
section adds the sentence's own heading), so the passage's metadata decides for the unit."""


def _chroma_where(filters: Mapping[str, Any] | None) -> Filter | None:
    """Chroma's `where` for a filter as a caller gives it (checked and made canonical)."""
    return chroma_where(normalize_filter(filters))


def _passage_of(uid: str, index: KeywordIndex) -> tuple[str, int | None]:
    """The id of the passage a record belongs to, and its sentence number for a sentence unit."""
    if uid in index.by_id:
        return uid, None
    unit = parse_unit_id(uid)
    return unit if unit else (uid, None)


def _passing(
    records: list[tuple[str, float]], filters: Filter, index: KeywordIndex
) -> list[tuple[str, float]]:
    """The records whose passage passes `filters` (fields in `_UNIT_SHARED` only), in order.

    Records of passages the keyword index does not hold yet (an ingest it has not caught up
    with) are dropped here, as `Retriever._dense` drops them.
    """
    kept: list[tuple[str, float]] = []
    for uid, sim in records:
        chunk = index.by_id.get(_passage_of(uid, index)[0])
        if chunk is not None and passes(chunk, filters):
            kept.append((uid, sim))
    return kept
