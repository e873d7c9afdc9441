"""The keyword side of retrieval: BM25 over every chunk, as a precomputed score matrix."""

from __future__ import annotations

import math
from array import array

import numpy as np

from advisor.records import Chunk
from advisor.text import tokens

BM25_K1 = 1.5
BM25_B = 0.75
"""BM25 parameters (bm25s's defaults, with which the fusion weights were tuned)."""


class KeywordIndex:
    """BM25 over every chunk, with document frequencies for IDF.

    The index is the term-document matrix of precomputed BM25 scores that bm25s
    builds (Lucene variant, k1=1.5, b=0.75, float32, compressed sparse columns),
    computed here with whole-array numpy operations in the same order, so scores are
    bit-identical to `bm25s.BM25().get_scores` while a 100k-chunk build takes seconds
    and holds no per-token Python objects (bench/scale.py measures both).
    """

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.by_id = {c.id: c for c in chunks}
        self._vocab: dict[str, int] = {}
        flat = array("q")
        lengths = np.zeros(len(chunks), dtype=np.int64)
        for i, chunk in enumerate(chunks):
            ids = [self._vocab.setdefault(w, len(self._vocab)) for w in tokens(chunk.index_text())]
            flat.extend(ids)
            lengths[i] = len(ids)
        doc, term, tf = _term_counts(np.frombuffer(flat, dtype=np.int64), lengths, len(self._vocab))
        df = np.bincount(term, minlength=len(self._vocab)).tolist()
        n = max(1, len(chunks))
        self._idf = {
            w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in zip(self._vocab, df, strict=True)
        }
        self._max_idf = math.log(1 + (n + 0.5) / 0.5)
        self._data, self._indices, self._indptr = _bm25_matrix(doc, term, tf, lengths, df)

    def idf(self, token: str) -> float:
        """Inverse document frequency of a token; unseen tokens weigh the most."""
        return self._idf.get(token, self._max_idf)

    def knows(self, token: str) -> bool:
        """True when some chunk holds the token (a `tokens()` form: lowercased, stemmed)."""
        return token in self._vocab

    def holding(self, token: str) -> list[Chunk]:
        """The chunks that hold the token (a `tokens()` form), in index order."""
        t = self._vocab.get(token)
        if t is None:
            return []
        return [self.chunks[i] for i in self._indices[self._indptr[t] : self._indptr[t + 1]]]

    def terms(self) -> list[str]:
        """Every token some chunk holds."""
        return list(self._vocab)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for `query`."""
        if not self.chunks:
            return np.zeros(0)
        ids = [self._vocab[w] for w in tokens(query) if w in self._vocab]
        if not ids:
            return np.zeros(len(self.chunks))
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        for t in ids:  # term by term, in query order, as bm25s adds them
            start, end = self._indptr[t], self._indptr[t + 1]
            scores[self._indices[start:end]] += self._data[start:end]
        return scores


def _term_counts(
    flat: np.ndarray, lengths: np.ndarray, vocab: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chunk, term, term frequency) for every distinct term of every chunk."""
    chunk_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    keys, tf = np.unique(chunk_of * max(1, vocab) + flat, return_counts=True)
    return keys // max(1, vocab), keys % max(1, vocab), tf


def _bm25_matrix(
    doc: np.ndarray, term: np.ndarray, tf: np.ndarray, lengths: np.ndarray, df: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSC arrays (data, row indices, column pointers) of the BM25 score of each pair.

    Each step repeats bm25s's arithmetic with the same dtypes: idf in float64 then
    stored as float32, term frequencies as float32, the length norm in float64 with
    the float64 mean length, the product stored as float32.
    """
    n = len(lengths)
    idf = np.asarray(
        [math.log(1 + (n - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df], dtype=np.float32
    )
    mean_length = lengths.mean() if n else np.float64(0.0)
    k1, b = BM25_K1, BM25_B
    tf32 = tf.astype(np.float32)
    norm = k1 * ((1 - b) + b * lengths[doc].astype(np.float64) / mean_length) + tf32
    scores = (idf[term] * (tf32 / norm)).astype(np.float32)
    order = np.argsort(term, kind="stable")  # by term, chunks ascending within a term
    indptr = np.zeros(len(df) + 1, dtype=np.int64)
    np.cumsum(np.bincount(term, minlength=len(df)), out=indptr[1:])
    return scores[order], doc[order].astype(np.int32), indptr
