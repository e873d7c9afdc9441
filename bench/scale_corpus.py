"""The scale benchmark's synthetic corpus: material taken from the bundled corpus, a seeded
generator of chunks, sentence units and their vectors, and the queries (see bench/scale.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from advisor.records import Chunk, unit_id
from advisor.settings import Settings
from bench.scale_vectors import DIM, RealVectors, normalise

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
                doc_records, doc_recipes = self.document(min(target - made, self._doc_size()))
                made += len(doc_recipes)
                for chunk_records, recipe in zip(doc_records, doc_recipes, strict=True):
                    records += chunk_records if units else chunk_records[:1]
                    recipes.append(recipe)
            done += made
            yield records, self.vectors(recipes, units)

    def _doc_size(self) -> int:
        return max(1, int(self.rng.choice(self.material.chunks_per_doc)))

    def document(self, size: int) -> tuple[list[list[Chunk]], list[tuple[int, list[int]]]]:
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
                replace(chunk, id=unit_id(chunk.id, j), text=t, unit="sentence", parent=chunk.id)
                for j, t in enumerate(texts)
            ]
            out.append([chunk, *unit_records])
            recipes.append((heading, picks))
        total = sum(len(r) for r in out)
        return [[replace(r, doc_chunks=total) for r in rs] for rs in out], recipes

    def vectors(self, recipes: list[tuple[int, list[int]]], units: bool) -> np.ndarray:
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
            rows.append(normalise(mine.mean(axis=0) + head)[None, :])
            if units:
                rows.append(normalise(mine + head))
        return np.concatenate(rows).astype(np.float32)

    def drifted(self, vectors: np.ndarray) -> np.ndarray:
        """Each vector moved by `self.drift` towards a direction orthogonal to it."""
        assert self.real is not None
        n = len(vectors)
        others = self.real.sentences[self.rng.integers(len(self.real.sentences), size=n)]
        noise = self.rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
        direction = OTHER_SHARE * normalise(others) + (1 - OTHER_SHARE) * normalise(noise)
        direction -= (direction * vectors).sum(axis=1, keepdims=True) * vectors
        return normalise(vectors + self.drift * normalise(direction))


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
