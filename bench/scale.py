"""Scale benchmark: hybrid retrieval over a synthetic corpus of 10,000 and 100,000 chunks.

    .venv/bin/python bench/scale.py                     # 10k and 100k chunks, 200 queries
    .venv/bin/python bench/scale.py --quick             # 2k chunks, 50 queries (about a minute)
    .venv/bin/python bench/scale.py --sizes 10000 --units both --json
    .venv/bin/python bench/scale.py --keep /tmp/scale   # keep the stores; a rerun reuses them
    .venv/bin/python bench/scale.py --compare-bm25s     # also build BM25 the old way (bm25s)

A full run takes about 30 minutes on a shared 2-CPU machine, 25 of them in Chroma's own
upsert writing the 370k records of the 100k-chunk store (it slows as the HNSW graph
grows: ~700 records/s at 10k chunks, ~250/s towards 100k); with `--keep` a rerun takes
about 2 minutes, and `--units off` writes 100k records instead of 370k.

Corpus. Deterministic (seeded) recombination of the bundled corpus: each synthetic
document takes a real title and kind, each chunk a real section heading and as many
real sentences as a real chunk holds (drawn from the bundled corpus's distribution,
about 2.7), and 15% of the words after the first are replaced by pseudo-words drawn
from a Zipf-distributed vocabulary of 60,000, so every text differs, and the
vocabulary and posting lists grow with the corpus as real text does. Sentence units
are included by default (what `advisor ingest` writes, one record per sentence, about
3.7 records per chunk: 100k chunks are about 370k Chroma records); `--units off`
measures chunks only, `--units both` measures both.

Vectors. Embedding 370k records with MiniLM on 2 CPUs would take hours (the script
measures and prints the real rate), so only the bundled corpus's distinct sentences,
its headings and the queries are embedded with the real model; the rest are built
from those real vectors:
  sentence = normalise(real sentence vector + r * u), u a unit direction orthogonal
             to it (1/4 another real sentence vector, 3/4 Gaussian noise), r set so
             the drift matches what the real model does to a sentence when 15% of its
             words are substituted (measured on a calibration sample);
  unit     = normalise(sentence + 0.5 * real heading vector)  (index text is "head: s");
  chunk    = normalise(mean of its sentences + 0.5 * real heading vector).
The vectors therefore stay on the real model's (anisotropic, topic-clustered)
distribution rather than being uniform noise, which would make HNSW look unrealistically
easy or hard. The script checks the scheme on 48 synthetic chunks embedded for real:
mean pairwise similarity and mean best-query similarity, real vs scheme (what HNSW and
the fusion see; they agree within ~0.05), and the cosine between a text's scheme vector
and its real embedding (~0.58: the real drift direction of a substitution is unknown).
Real vectors are cached in the temp dir, keyed by the texts and the model.

Measured per size, in a fresh process that opens the built store (so resident memory
is what a serving process holds): Chroma write time (through `Store.upsert`, sentence
units included); keyword index build (fetching every chunk from Chroma, then
`KeywordIndex`); resident memory after the build, after the queries, after 20 more
queries with a metadata filter (Chroma's pre-filter holds hundreds of MB at 370k
records) and at peak; retrieval latency p50/p95 over the queries with the query vector precomputed
(`Retriever.retrieve_vector`), broken down into dense (Chroma query and mapping units
to passages), BM25 (scores and top candidates) and fusion (fuse, prior, dedup); and a
baseline run in the same process, a dense-only top-k query straight to Chroma.
Timings are noisy on a shared 2-CPU machine; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path, where a script named
# after a package (bench/ingest.py once) would shadow it: use the checkout instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from langchain_core.embeddings import Embeddings  # noqa: E402

from advisor.embeddings import Embedder  # noqa: E402
from advisor.records import Chunk  # noqa: E402
from advisor.settings import Settings  # noqa: E402
from advisor.store import Store  # noqa: E402

DIM = 384
SUBSTITUTION_RATE = 0.15
"""Share of words (after the first) replaced by a pseudo-word."""
VOCABULARY = 60_000
HEADING_WEIGHT = 0.5
"""Weight of the real heading vector in unit and chunk vectors (index text has the heading)."""
OTHER_SHARE = 0.25
"""Share of another real sentence vector (the rest is Gaussian noise) in the drift direction;
with HEADING_WEIGHT, chosen so mean pairwise and best-query similarities match real ones."""
BATCH_CHUNKS = 2_000
"""Chunks generated (and written) at a time."""
CALIBRATION = 64
"""Synthetic sentences embedded for real to set the drift r."""
VALIDATION = 48
"""Synthetic chunks (and their units) embedded for real to check the vector scheme."""
FILTERED_QUERIES = 20
"""Queries also run with a metadata filter (Chroma pre-filters; reported separately)."""
K = 4


def _rss_mb() -> dict[str, float]:
    """Current and peak resident set size of this process, in MB."""
    out: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out["rss" if line.startswith("VmRSS") else "peak"] = int(line.split()[1]) / 1024
    return out


# --- corpus material ------------------------------------------------------------------


@dataclass
class Material:
    """What the synthetic corpus recombines, all taken from the bundled corpus."""

    sentences: list[str]
    headings: list[str]
    """Real "title — section" heads, as `Chunk.index_text` writes them."""
    docs: list[tuple[str, str, str]]
    """(title, kind, url) of each bundled document."""
    units_per_chunk: list[int]
    chunks_per_doc: list[int]


def load_material(settings: Settings) -> Material:
    """Chunk the bundled corpus the way ingest does and keep its parts."""
    from ingest.chunking import chunk_document
    from ingest.discovery import bundled_corpus
    from ingest.loaders import SUPPORTED, load_bytes

    top = bundled_corpus()
    sentences: dict[str, None] = {}
    sections: dict[str, None] = {}
    docs: list[tuple[str, str, str]] = []
    units: list[int] = []
    per_doc: list[int] = []
    for path in sorted(top.rglob("*")):
        kind = SUPPORTED.get(path.suffix.lower())
        if kind is None or path.name.startswith((".", "__")):
            continue
        loaded = load_bytes(path.read_bytes(), kind)
        title = loaded.title or path.stem
        records = chunk_document(
            text=loaded.text,
            doc_key=str(path),
            digest="0" * 64,
            source=path.name,
            title=title,
            root="bundled",
            url=loaded.meta.get("url", ""),
            kind=loaded.meta.get("kind", ""),
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            sentence_units=True,
        )
        docs.append((title, loaded.meta.get("kind", ""), loaded.meta.get("url", "")))
        chunks = [r for r in records if r.unit == "chunk"]
        per_doc.append(len(chunks))
        for chunk in chunks:
            mine = [r for r in records if r.parent == chunk.id]
            units.append(max(1, len(mine)))
            sections[_head(title, chunk.section)] = None
            sentences.update((r.text, None) for r in mine)
    return Material(list(sentences), list(sections), docs, units, per_doc)


def _head(title: str, section: str) -> str:
    parts = [title] if title and len(title) <= 40 else []
    if section:
        parts.append(section)
    return " — ".join(parts) or title


# --- real vectors ---------------------------------------------------------------------


@dataclass
class RealVectors:
    """Real MiniLM vectors of the material, calibration sample and queries."""

    sentences: np.ndarray
    headings: np.ndarray
    queries: np.ndarray
    calibration: np.ndarray
    validation_chunks: np.ndarray
    validation_units: np.ndarray
    texts_per_second: float
    """Real embedding rate measured on chunk-length texts (the validation chunks)."""


def real_vectors(
    embeddings: Embedder,
    material: Material,
    queries: list[str],
    calibration: list[str],
    validation: list[Chunk],
) -> RealVectors:
    """Embed with the real model, or load the cached result for exactly these texts."""
    chunks = [c.index_text() for c in validation if c.unit == "chunk"]
    units = [c.index_text() for c in validation if c.unit == "sentence"]
    groups = {
        "sentences": material.sentences,
        "headings": material.headings,
        "calibration": calibration,
        "validation_chunks": chunks,
        "validation_units": units,
    }
    key = hashlib.sha256(json.dumps([groups, queries, DIM]).encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "career-advisor-bench" / f"scale-{key}.npz"
    if cache.exists():
        with np.load(cache) as data:
            got = {name: data[name] for name in data.files}
        print(f"real vectors: cached in {cache}", file=sys.stderr)
    else:
        print("real vectors: embedding with the real model...", file=sys.stderr)
        got = {}
        for name, texts in groups.items():
            start = time.perf_counter()
            got[name] = np.asarray(embeddings.embed_documents(texts), dtype=np.float32)
            if name == "validation_chunks":
                got["rate"] = np.asarray(len(texts) / (time.perf_counter() - start))
        got["queries"] = np.asarray([embeddings.embed_query(q) for q in queries], np.float32)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **got)
    return RealVectors(
        sentences=got["sentences"],
        headings=got["headings"],
        queries=got["queries"],
        calibration=got["calibration"],
        validation_chunks=got["validation_chunks"],
        validation_units=got["validation_units"],
        texts_per_second=float(got["rate"]),
    )


def _normalise(v: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(norms, 1e-12)).astype(np.float32)


# --- the generator --------------------------------------------------------------------


def pseudo_words(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct pronounceable lowercase non-words."""
    onsets = "b c d f g h j k l m n p r s t v w z br cr dr fl gr pl pr st tr ch sh th".split()
    vowels = "a e i o u ai ea io ou".split()
    codas = ["", "", "n", "r", "s", "l", "x", "m", "nt", "st"]
    seen: dict[str, None] = {}
    while len(seen) < n:
        size = int(rng.integers(2, 5))
        word = "".join(
            onsets[rng.integers(len(onsets))] + vowels[rng.integers(len(vowels))]
            for _ in range(size)
        )
        seen[word + codas[rng.integers(len(codas))]] = None
    return list(seen)


class Generator:
    """Synthetic chunks, sentence units and their vectors, deterministic for a seed."""

    def __init__(self, material: Material, real: RealVectors | None, seed: int) -> None:
        self.material = material
        self.real = real
        self.rng = np.random.default_rng(seed)
        vocab_rng = np.random.default_rng(12345)
        self.vocab = pseudo_words(vocab_rng, VOCABULARY)
        ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
        weights = 1.0 / (ranks + 2.7) ** 1.07
        self.cdf = np.cumsum(weights / weights.sum())
        self.drift = 0.5
        self.doc_no = 0

    def _words(self, n: int) -> list[str]:
        picks = np.searchsorted(self.cdf, self.rng.random(n))
        return [self.vocab[min(int(i), VOCABULARY - 1)] for i in picks]

    def substitute(self, text: str) -> str:
        """Replace about SUBSTITUTION_RATE of the words after the first with pseudo-words."""
        words = text.split(" ")
        hits = np.flatnonzero(self.rng.random(len(words)) < SUBSTITUTION_RATE)
        hits = hits[hits > 0]
        if not len(hits):
            return text
        fresh = self._words(len(hits))
        for i, word in zip(hits, fresh, strict=True):
            old = words[i]
            core = old.rstrip(".,;:!?)")
            if core.isalpha():
                words[i] = word + old[len(core) :]
        return " ".join(words)

    def calibration_sample(self, n: int) -> tuple[list[int], list[str]]:
        """n (real sentence index, substituted text) pairs."""
        picks = [int(i) for i in self.rng.integers(len(self.material.sentences), size=n)]
        return picks, [self.substitute(self.material.sentences[i]) for i in picks]

    def chunks(self, n: int, units: bool) -> Iterator[tuple[list[Chunk], np.ndarray]]:
        """n chunks (with their sentence units when `units`), in batches, with vectors."""
        done = 0
        while done < n:
            records: list[Chunk] = []
            recipes: list[tuple[int, list[int]]] = []
            target = min(BATCH_CHUNKS, n - done)
            made = 0
            while made < target:
                doc_records, doc_recipes = self._document(min(target - made, self._doc_size()))
                made += len(doc_recipes)
                for chunk_records, recipe in zip(doc_records, doc_recipes, strict=True):
                    records += chunk_records if units else chunk_records[:1]
                    recipes.append(recipe)
            done += made
            yield records, self._vectors(recipes, units)

    def _doc_size(self) -> int:
        return max(1, int(self.rng.choice(self.material.chunks_per_doc)))

    def _document(self, size: int) -> tuple[list[list[Chunk]], list[tuple[int, list[int]]]]:
        """One document of `size` chunks: per chunk its records and (heading, sentences)."""
        m = self.material
        title, kind, url = m.docs[int(self.rng.integers(len(m.docs)))]
        title = f"{title} {self._words(1)[0].capitalize()}"
        self.doc_no += 1
        source = f"synthetic/{self.doc_no:07d}.md"
        doc_key = f"synthetic::{source}"
        digest = hashlib.sha256(doc_key.encode()).hexdigest()
        prefix = digest[:16]
        out: list[list[Chunk]] = []
        recipes: list[tuple[int, list[int]]] = []
        for i in range(size):
            heading = int(self.rng.integers(len(m.headings)))
            section = self.substitute(m.headings[heading].split(" — ")[-1])
            count = int(self.rng.choice(m.units_per_chunk))
            picks = [int(j) for j in self.rng.integers(len(m.sentences), size=count)]
            texts = [self.substitute(m.sentences[j]) for j in picks]
            chunk = Chunk(
                id=f"{prefix}-{i:04d}-{digest[:12]}",
                text="\n".join(texts),
                source=source,
                title=title,
                section=section,
                doc_key=doc_key,
                doc_hash=digest,
                doc_chunks=0,
                url=url,
                kind=kind,
                root="synthetic",
            )
            unit_records = [
                replace(chunk, id=f"{chunk.id}-s{j:03d}", text=t, unit="sentence", parent=chunk.id)
                for j, t in enumerate(texts)
            ]
            out.append([chunk, *unit_records])
            recipes.append((heading, picks))
        total = sum(len(r) for r in out)
        return [[replace(r, doc_chunks=total) for r in rs] for rs in out], recipes

    def _vectors(self, recipes: list[tuple[int, list[int]]], units: bool) -> np.ndarray:
        """Scheme vectors in record order: per chunk, the chunk then (maybe) its units."""
        assert self.real is not None
        base = self.real.sentences
        heads = self.real.headings
        flat = np.asarray([j for _, picks in recipes for j in picks])
        sent = self.drifted(base[flat])
        rows: list[np.ndarray] = []
        at = 0
        for heading, picks in recipes:
            mine = sent[at : at + len(picks)]
            at += len(picks)
            head = HEADING_WEIGHT * heads[heading]
            rows.append(_normalise(mine.mean(axis=0) + head)[None, :])
            if units:
                rows.append(_normalise(mine + head))
        return np.concatenate(rows).astype(np.float32)

    def drifted(self, vectors: np.ndarray) -> np.ndarray:
        """Each vector moved by `self.drift` towards a direction orthogonal to it."""
        assert self.real is not None
        n = len(vectors)
        others = self.real.sentences[self.rng.integers(len(self.real.sentences), size=n)]
        noise = self.rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
        direction = OTHER_SHARE * _normalise(others) + (1 - OTHER_SHARE) * _normalise(noise)
        direction -= (direction * vectors).sum(axis=1, keepdims=True) * vectors
        return _normalise(vectors + self.drift * _normalise(direction))


def calibrate(generator: Generator, picks: list[int], real: RealVectors) -> dict[str, float]:
    """Set the drift from the real model's response to substitutions; report the fit."""
    cos = (real.sentences[picks] * real.calibration).sum(axis=1)
    c = float(np.clip(cos.mean(), 0.2, 0.999))
    generator.drift = float(np.sqrt(1 / c**2 - 1))
    return {"substituted_vs_original_cos": round(c, 3), "drift": round(generator.drift, 3)}


def validate(
    generator: Generator, sample: list[Chunk], recipes: list[tuple[int, list[int]]]
) -> dict[str, float]:
    """Cosine between the scheme's vectors and the real embeddings of the same texts."""
    real = generator.real
    assert real is not None
    vectors = generator._vectors(recipes, units=True)
    kinds = np.asarray([c.unit == "chunk" for c in sample])
    chunk_cos = (vectors[kinds] * real.validation_chunks).sum(axis=1)
    unit_cos = (vectors[~kinds] * real.validation_units).sum(axis=1)
    q = real.queries
    return {
        "chunk_cos_mean": _r(chunk_cos.mean()),
        "unit_cos_mean": _r(unit_cos.mean()),
        # The distribution, what HNSW and the fusion see: similarity between passages,
        # and the best similarity a query finds, for the real embeddings vs the scheme.
        "pairwise_real": _r(_pairwise(real.validation_chunks)),
        "pairwise_scheme": _r(_pairwise(vectors[kinds])),
        "query_best_real": _r((q @ real.validation_chunks.T).max(axis=1).mean()),
        "query_best_scheme": _r((q @ vectors[kinds].T).max(axis=1).mean()),
    }


def _r(x: Any) -> float:
    return round(float(x), 3)


def _pairwise(x: np.ndarray) -> float:
    """Mean cosine similarity between distinct rows (unit vectors)."""
    sims = x @ x.T
    return float(sims[np.triu_indices(len(x), 1)].mean())


def validation_sample(generator: Generator) -> tuple[list[Chunk], list[tuple[int, list[int]]]]:
    records: list[Chunk] = []
    recipes: list[tuple[int, list[int]]] = []
    while len(recipes) < VALIDATION:
        doc, doc_recipes = generator._document(min(4, VALIDATION - len(recipes)))
        records += [r for rs in doc for r in rs]
        recipes += doc_recipes
    return records, recipes


# --- queries --------------------------------------------------------------------------


def make_queries(generator: Generator, n: int) -> list[str]:
    """The evaluation questions, then keyword-style queries cut from real sentences."""
    from advisor.evaluation.run import load_questions

    qs = load_questions()
    questions = [q.question for q in (*qs.in_scope, *qs.off_topic, *qs.follow_ups)]
    rng = np.random.default_rng(7)
    sentences = generator.material.sentences
    while len(questions) < n:
        words = sentences[int(rng.integers(len(sentences)))].rstrip(".").split()
        size = int(rng.integers(3, 8))
        start = int(rng.integers(max(1, len(words) - size + 1)))
        questions.append(" ".join(words[start : start + size]))
    return questions[:n]


# --- build (this process) -------------------------------------------------------------


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


# --- serve (a fresh process) ----------------------------------------------------------


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
    from advisor.store_client import make_client

    data = json.loads(query_file.read_text(encoding="utf-8"))
    questions: list[str] = data["questions"]
    vectors: list[list[float]] = data["vectors"]
    out: dict[str, Any] = {"rss_start_mb": _rss_mb()["rss"]}
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
        "rss_built_mb": _rss_mb()["rss"],
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
    out["rss_queried_mb"] = _rss_mb()["rss"]
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
    memory = _rss_mb()
    out |= {"rss_filtered_mb": memory["rss"], "rss_peak_mb": memory["peak"]}
    if bm25s_reference:  # last, so the memory figures above are the advisor's own
        out |= _bm25s_reference(index, questions)
    return out


def _bm25s_reference(index: Any, questions: list[str]) -> dict[str, Any]:
    """The keyword index as built before (bm25s): build time, memory, same scores?"""
    import bm25s

    from advisor.text import tokens

    before = _rss_mb()["rss"]
    start = time.perf_counter()
    corpus = [tokens(c.index_text()) for c in index.chunks]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(w, len(vocab)) for w in words] for words in corpus]
    model = bm25s.BM25()
    model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    built = time.perf_counter() - start
    grown = _rss_mb()["rss"] - before
    same = 0
    for q in questions:
        words = [w for w in tokens(q) if w in vocab]
        ref = np.asarray(model.get_scores(words)) if words else np.zeros(len(index.chunks))
        got = index.scores(q)
        same += bool(ref.dtype == got.dtype and np.array_equal(ref, got))
    return {"bm25s_build_s": built, "bm25s_rss_growth_mb": grown, "bm25s_same_scores": same}


# --- report ---------------------------------------------------------------------------

COLUMNS = (
    ("records", "records", "{:>9.0f}"),
    ("chroma_write_s", "write s", "{:>8.1f}"),
    ("fetch_s", "fetch s", "{:>8.2f}"),
    ("bm25_build_s", "bm25 s", "{:>7.2f}"),
    ("rss_built_mb", "RSS built", "{:>10.0f}"),
    ("rss_queried_mb", "RSS qry", "{:>8.0f}"),
    ("rss_filtered_mb", "RSS filt", "{:>9.0f}"),
    ("rss_peak_mb", "RSS peak", "{:>9.0f}"),
    ("total_p50_ms", "p50", "{:>6.1f}"),
    ("total_p95_ms", "p95", "{:>6.1f}"),
    ("dense_p50_ms", "dense", "{:>6.1f}"),
    ("dense_p95_ms", "/p95", "{:>6.1f}"),
    ("bm25_p50_ms", "bm25", "{:>6.1f}"),
    ("bm25_p95_ms", "/p95", "{:>6.1f}"),
    ("fusion_p50_ms", "fuse", "{:>5.1f}"),
    ("fusion_p95_ms", "/p95", "{:>5.1f}"),
    ("baseline_p50_ms", "dense-k", "{:>8.1f}"),
    ("filtered_p50_ms", "filtered", "{:>9.1f}"),
)


def table(rows: list[dict[str, Any]]) -> str:
    """Rows per size (and units setting), then the growth from the smallest to the largest."""
    head = f"{'chunks':>8} {'units':>5} " + " ".join(
        f"{label:>{len(fmt.format(0))}}" for _, label, fmt in COLUMNS
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = " ".join(fmt.format(row.get(key, float("nan"))) for key, _, fmt in COLUMNS)
        lines.append(f"{row['size']:>8} {row['units']:>5} {cells}")
    for units in ("on", "off"):
        mine = [r for r in rows if r["units"] == units]
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        cells = " ".join(
            f"{'x' + format(large[key] / small[key], '.1f'):>{len(fmt.format(0))}}"
            if small.get(key)
            else " " * len(fmt.format(0))
            for key, _, fmt in COLUMNS
        )
        label = f"x{large['size'] // max(1, small['size'])}"
        lines.append(f"{label:>8} {units:>5} {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--units", choices=("on", "off", "both"), default="on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2k chunks, 50 queries")
    parser.add_argument("--keep", type=Path, help="build stores here and reuse them next time")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--compare-bm25s",
        action="store_true",
        help="also build the keyword index the old way (bm25s) and compare time and scores",
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--query-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        print(json.dumps(serve(args.serve, args.query_file, args.compare_bm25s)))
        return 0
    if args.quick:
        args.sizes, args.queries = [2_000], 50
    report = run(args.sizes, args.queries, args.units, args.seed, args.keep, args.compare_bm25s)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(_summary(report))
        print(table(report["rows"]))
        for row in report["rows"]:
            if "bm25s_build_s" in row:
                print(
                    f"{row['size']} chunks: keyword index build {row['bm25_build_s']:.1f} s; "
                    f"built with bm25s as before: {row['bm25s_build_s']:.1f} s, RSS "
                    f"+{row['bm25s_rss_growth_mb']:.0f} MB; identical scores for "
                    f"{row['bm25s_same_scores']} of {row['queries']} queries"
                )
    return 0


def run(
    sizes: Sequence[int] = (10_000, 100_000),
    queries: int = 200,
    units: str = "on",
    seed: int = 0,
    keep: Path | None = None,
    compare_bm25s: bool = False,
) -> dict[str, Any]:
    """Build (or reuse, with `keep`) a store per size and units setting, measure each from a
    fresh process; the JSON-ready report."""
    from advisor.embeddings import get_embeddings

    args = argparse.Namespace(seed=seed, keep=keep, compare_bm25s=compare_bm25s)
    settings = Settings.from_env()
    material = load_material(settings)
    generator = Generator(material, None, seed + 1)
    picks, calibration = generator.calibration_sample(CALIBRATION)
    sample, recipes = validation_sample(generator)
    questions = make_queries(generator, queries)
    real = real_vectors(get_embeddings(settings), material, questions, calibration, sample)
    generator.real = real
    scheme = calibrate(generator, picks, real) | validate(generator, sample, recipes)
    report: dict[str, Any] = {
        "material": {
            "sentences": len(material.sentences),
            "headings": len(material.headings),
            "units_per_chunk": round(float(np.mean(material.units_per_chunk)), 2),
        },
        "real_embedding_texts_per_s": round(real.texts_per_second, 1),
        "vector_scheme": scheme,
        "queries": len(questions),
        "rows": [],
    }
    print(
        f"real MiniLM rate: {real.texts_per_second:.1f} chunks/s; scheme check: {scheme}",
        file=sys.stderr,
    )
    work = Path(tempfile.mkdtemp(prefix="advisor-scale-"))
    try:
        query_file = work / "queries.json"
        query_file.write_text(
            json.dumps({"questions": questions, "vectors": real.queries.tolist()}),
            encoding="utf-8",
        )
        modes = {"on": [True], "off": [False], "both": [True, False]}[units]
        for with_units in modes:
            for size in sizes:
                row = _measure(
                    args, material, real, generator.drift, size, with_units, work, query_file
                )
                report["rows"].append(row)
                print(table([row]).splitlines()[-1], file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _measure(
    args: argparse.Namespace,
    material: Material,
    real: RealVectors,
    drift: float,
    size: int,
    units: bool,
    work: Path,
    query_file: Path,
) -> dict[str, Any]:
    """Build (or reuse) one store, then measure it from a fresh process."""
    name = f"chunks{size}-units{'on' if units else 'off'}-seed{args.seed}"
    where = (args.keep or work) / name
    marker = where / "bench-build.json"
    row: dict[str, Any] = {"size": size, "units": "on" if units else "off"}
    recipe = {
        "scheme": [SUBSTITUTION_RATE, VOCABULARY, HEADING_WEIGHT, OTHER_SHARE, round(drift, 6)],
        "sentences": len(material.sentences),
    }
    kept = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
    if args.keep and kept.get("recipe") == recipe:
        row |= kept["built"] | {"reused": True}
        print(f"reusing {where}", file=sys.stderr)
    else:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(where)
        built = build_store(material, real, drift, size, units, args.seed, where)
        marker.write_text(json.dumps({"recipe": recipe, "built": built}), encoding="utf-8")
        row |= built
    done = subprocess.run(
        [sys.executable, __file__, "--serve", str(where), "--query-file", str(query_file)]
        + (["--compare-bm25s"] if args.compare_bm25s else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"serving process failed:\n{done.stderr[-3000:]}")
    row |= json.loads(done.stdout.strip().splitlines()[-1])
    if not args.keep:
        shutil.rmtree(where, ignore_errors=True)
    return row


def _summary(report: dict[str, Any]) -> str:
    m, s = report["material"], report["vector_scheme"]
    return (
        f"corpus: recombined from {m['sentences']} real sentences and {m['headings']} headings, "
        f"{m['units_per_chunk']} sentence units per chunk\n"
        f"vectors: real MiniLM for the material and {report['queries']} queries; the rest are "
        f"real vectors drifted by r={s['drift']} (substitution keeps cos "
        f"{s['substituted_vs_original_cos']}); the real model embeds "
        f"{report['real_embedding_texts_per_s']} chunks/s here{_real_cost(report)}\n"
        f"scheme check on {VALIDATION} synthetic chunks, real embedding vs scheme: mean "
        f"pairwise cos {s['pairwise_real']} vs {s['pairwise_scheme']}, mean best query cos "
        f"{s['query_best_real']} vs {s['query_best_scheme']}; cos(scheme, real) of the same "
        f"text: chunks {s['chunk_cos_mean']}, units {s['unit_cos_mean']}\n"
        f"latency in ms with the query vector precomputed (k={K}); dense-k = dense-only "
        f"Chroma top-{K} baseline; filtered = kind != guide ({FILTERED_QUERIES} queries)\n"
    )


def _real_cost(report: dict[str, Any]) -> str:
    rate = report["real_embedding_texts_per_s"]
    records = max((row["records"] for row in report["rows"]), default=0)
    if not records or not rate:
        return ""
    minutes = records / rate / 60
    took = f"{minutes / 60:.1f} h" if minutes >= 60 else f"{minutes:.0f} min"
    return f", so embedding all {records} records for real would take {took}"


if __name__ == "__main__":
    sys.exit(main())
