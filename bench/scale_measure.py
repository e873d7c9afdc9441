"""Build a synthetic store (in this process) and measure it (in a fresh serving process).

Built: Chroma write time. Served: keyword index build, resident memory, retrieval latency
by stage, filtered latency and a dense-only Chroma baseline (see bench/scale.py).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from langchain_core.embeddings import Embeddings

from advisor.records import Chunk
from advisor.settings import Settings
from advisor.store import Store
from bench.scale_corpus import Generator, Material
from bench.scale_vectors import DIM, RealVectors

FILTERED_QUERIES = 20
"""Queries also run with a metadata filter, kind != guide (reported separately)."""
K = 4


def rss_mb() -> dict[str, float]:
    """Current and peak resident set size of this process, in MB."""
    out: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out["rss" if line.startswith("VmRSS") else "peak"] = int(line.split()[1]) / 1024
    return out


def build_store(
    material: Material,
    real: RealVectors,
    drift: float,
    size: int,
    units: bool,
    seed: int,
    where: Path,
) -> dict[str, Any]:
    """Generate `size` chunks into a fresh embedded store at `where`; time the writes."""
    from advisor.embeddings import DEFAULT_MODEL_ID

    settings = Settings(store_dir=where)
    store = Store.open(settings)
    generator = Generator(material, real, seed)
    generator.drift = drift
    gen_s = write_s = 0.0
    records = 0
    batches = generator.chunks(size, units)
    while True:
        start = time.perf_counter()
        batch = next(batches, None)
        gen_s += time.perf_counter() - start
        if batch is None:
            break
        chunks, vectors = batch
        start = time.perf_counter()
        store.upsert(chunks, vectors.tolist())
        write_s += time.perf_counter() - start
        records += len(chunks)
        print(f"  {size} chunks: {records} records written", end="\r", file=sys.stderr)
    start = time.perf_counter()
    store.mark_ingested(DEFAULT_MODEL_ID, DIM, changed=True)
    write_s += time.perf_counter() - start
    print(file=sys.stderr)
    return {"records": records, "generate_s": gen_s, "chroma_write_s": write_s}


class _NoEmbeddings(Embeddings):
    """The serving process never embeds: every query vector is precomputed."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("the benchmark must not embed")

    def embed_query(self, text: str) -> list[float]:
        raise AssertionError("the benchmark must not embed")


class _TimedStore(Store):
    """A Store that times the full fetch the keyword index is built from."""

    fetch_s = 0.0

    def all_chunks(self) -> list[Chunk]:
        start = time.perf_counter()
        chunks = super().all_chunks()
        self.fetch_s += time.perf_counter() - start
        return chunks


def _pct(values: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, p)) if values else float("nan")


def serve(where: Path, query_file: Path, bm25s_reference: bool = False) -> dict[str, Any]:
    """Open the store, build the keyword index, run the queries; times and memory."""
    from advisor.retrieval import CANDIDATES, Retriever
    from advisor.store.client import make_client

    data = json.loads(query_file.read_text(encoding="utf-8"))
    questions: list[str] = data["questions"]
    vectors: list[list[float]] = data["vectors"]
    out: dict[str, Any] = {"rss_start_mb": rss_mb()["rss"]}
    settings = Settings(store_dir=where)
    store = _TimedStore(make_client(settings), settings)
    retriever = Retriever(store, _NoEmbeddings(), settings)
    start = time.perf_counter()
    index = retriever.keyword_index()
    total_s = time.perf_counter() - start
    out |= {
        "chunks": len(index.chunks),
        "fetch_s": store.fetch_s,
        "bm25_build_s": total_s - store.fetch_s,
        "rss_built_mb": rss_mb()["rss"],
    }
    start = time.perf_counter()
    retriever.retrieve_vector(questions[0], vectors[0], K)
    out["first_query_ms"] = (time.perf_counter() - start) * 1000
    for q, v in zip(questions[1:6], vectors[1:6], strict=False):
        retriever.retrieve_vector(q, v, K)
    pool = max(CANDIDATES, 5 * K)
    times: dict[str, list[float]] = {
        name: [] for name in ("total", "dense", "bm25", "fusion", "baseline")
    }

    def total(q: str, v: list[float]) -> None:
        start = time.perf_counter()
        retriever.retrieve_vector(q, v, K)
        times["total"].append(time.perf_counter() - start)

    def stages(q: str, v: list[float]) -> None:
        idx = retriever.keyword_index()
        t0 = time.perf_counter()
        dense, matched = retriever._dense(v, pool, None, idx)
        t1 = time.perf_counter()
        keyword = retriever._keyword(q, pool, None, idx)
        t2 = time.perf_counter()
        retriever._rank(dense, matched, keyword, K, idx)
        t3 = time.perf_counter()
        times["dense"].append(t1 - t0)
        times["bm25"].append(t2 - t1)
        times["fusion"].append(t3 - t2)

    raw = make_client(settings).get_collection(settings.collection)  # same embedded system

    def baseline(q: str, v: list[float]) -> None:
        start = time.perf_counter()
        raw.query(
            query_embeddings=cast(Any, [v]),
            n_results=K,
            include=["metadatas", "documents", "distances"],
        )
        times["baseline"].append(time.perf_counter() - start)

    runs = (total, stages, baseline)
    for i, (q, v) in enumerate(zip(questions, vectors, strict=True)):
        for step in runs[i % 3 :] + runs[: i % 3]:  # rotate: no run always goes first
            step(q, v)
    out["rss_queried_mb"] = rss_mb()["rss"]
    filtered: list[float] = []
    for q, v in list(zip(questions, vectors, strict=True))[:FILTERED_QUERIES]:
        start = time.perf_counter()
        retriever.retrieve_vector(q, v, K, filters={"kind": {"$ne": "guide"}})
        filtered.append(time.perf_counter() - start)
    for name, values in times.items():
        out[f"{name}_p50_ms"] = _pct(values, 50)
        out[f"{name}_p95_ms"] = _pct(values, 95)
    out["filtered_p50_ms"] = _pct(filtered, 50)
    out["queries"] = len(questions)
    memory = rss_mb()
    out |= {"rss_filtered_mb": memory["rss"], "rss_peak_mb": memory["peak"]}
    if bm25s_reference:  # last, so the memory figures above are the advisor's own
        out |= _bm25s_reference(index, questions)
    return out


def _bm25s_reference(index: Any, questions: list[str]) -> dict[str, Any]:
    """The keyword index as built before (bm25s): build time, memory, same scores?"""
    import bm25s

    from advisor.text import tokens

    before = rss_mb()["rss"]
    start = time.perf_counter()
    corpus = [tokens(c.index_text()) for c in index.chunks]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(w, len(vocab)) for w in words] for words in corpus]
    model = bm25s.BM25()
    model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    built = time.perf_counter() - start
    grown = rss_mb()["rss"] - before
    same = 0
    for q in questions:
        words = [w for w in tokens(q) if w in vocab]
        ref = np.asarray(model.get_scores(words)) if words else np.zeros(len(index.chunks))
        got = index.scores(q)
        same += bool(ref.dtype == got.dtype and np.array_equal(ref, got))
    return {"bm25s_build_s": built, "bm25s_rss_growth_mb": grown, "bm25s_same_scores": same}
