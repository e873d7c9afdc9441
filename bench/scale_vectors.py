"""Real MiniLM vectors for the scale benchmark, and checks of the vector scheme built on them.

The material's sentences and headings, the queries and the calibration and validation
samples are embedded with the real model once and cached in the temp dir, keyed by the
texts; `calibrate` and `validate` fit and check the scheme (see bench/scale.py).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.embeddings import Embedder
from advisor.records import Chunk

if TYPE_CHECKING:
    from bench.scale_corpus import Generator, Material

DIM = 384
CALIBRATION = 64
"""Synthetic sentences embedded for real to set the drift r."""
VALIDATION = 48
"""Synthetic chunks (and their units) embedded for real to check the vector scheme."""


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


def normalise(v: np.ndarray) -> np.ndarray:
    """The vectors (rows) scaled to unit length, as float32."""
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(norms, 1e-12)).astype(np.float32)


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
    vectors = generator.vectors(recipes, units=True)
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
    """VALIDATION synthetic chunks and their units, with their recipes, to embed for real."""
    records: list[Chunk] = []
    recipes: list[tuple[int, list[int]]] = []
    while len(recipes) < VALIDATION:
        doc, doc_recipes = generator.document(min(4, VALIDATION - len(recipes)))
        records += [r for rs in doc for r in rs]
        recipes += doc_recipes
    return records, recipes
