"""The embedding cache: each (model, text) is embedded once, across processes, and a cached
vector is exactly the vector the model gives."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from advisor import Settings
from advisor.embedding_cache import CachedEmbedder
from advisor.embeddings import get_embeddings


class CountingModel:
    """A deterministic stand-in model that records what it was asked to embed."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.batches: list[list[str]] = []

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return _vector(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.batches.append(list(texts))
        return [_vector(t) for t in texts]


def _vector(text: str) -> list[float]:
    return [float(len(text)), float(sum(map(ord, text)) % 97), 0.5]


def test_a_question_is_embedded_once_per_run_even_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    first = CountingModel()
    cache = CachedEmbedder(first, "model-a", path)
    assert cache.embed_query("What is DVC?") == _vector("What is DVC?")
    assert cache.embed_query("What is DVC?") == _vector("What is DVC?")
    assert first.queries == ["What is DVC?"]
    model = CountingModel()  # another process: a new object over the same file
    again = CachedEmbedder(model, "model-a", path)
    assert again.embed_query("What is DVC?") == _vector("What is DVC?")
    assert model.queries == [] and again.hits == 1 and again.misses == 0


def test_a_batch_of_documents_is_reused_only_whole(tmp_path: Path) -> None:
    model = CountingModel()
    cache = CachedEmbedder(model, "model-a", tmp_path / "cache.sqlite3")
    batch = ["PyTorch first.", "Docker later.", "Kaggle for practice."]
    assert cache.embed_documents(batch) == [_vector(t) for t in batch]
    assert cache.embed_documents(batch) == [_vector(t) for t in batch]
    assert model.batches == [batch]
    cache.embed_documents(batch[:2])  # another batch: its vectors may differ in the last bits
    assert model.batches == [batch, batch[:2]]


def test_the_model_fingerprint_is_part_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    CachedEmbedder(CountingModel(), "model-a", path).embed_query("What is MLOps?")
    other = CountingModel()
    CachedEmbedder(other, "model-b", path).embed_query("What is MLOps?")
    assert other.queries == ["What is MLOps?"]


def test_a_broken_cache_file_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    model = CountingModel()
    cache = CachedEmbedder(model, "model-a", path)
    with caplog.at_level(logging.WARNING):
        assert cache.embed_query("What is DVC?") == _vector("What is DVC?")
        assert cache.embed_query("What is DVC?") == _vector("What is DVC?")
    assert model.queries == ["What is DVC?"]  # memory still serves the repeat
    assert "embedding cache" in caplog.text and "going on without it" in caplog.text


def test_memory_is_bounded(tmp_path: Path) -> None:
    model = CountingModel()
    cache = CachedEmbedder(model, "model-a", None, memory=6)  # two 3-float vectors
    for text in ("a", "b", "c", "a"):
        cache.embed_query(text)
    assert model.queries == ["a", "b", "c", "a"]  # "a" was dropped to make room for "c"


@pytest.mark.slow
def test_cached_vectors_equal_the_models_own(tmp_path: Path) -> None:
    settings = Settings.from_env(env={}, embedding_cache=tmp_path / "cache.sqlite3")
    cached = get_embeddings(settings)
    assert isinstance(cached, CachedEmbedder)
    raw = cached.model
    batch = ["Learn Python first, then NumPy and Pandas.", "MLOps deploys and monitors models."]
    assert cached.embed_query(batch[0]) == raw.embed_query(batch[0])
    assert cached.embed_documents(batch) == raw.embed_documents(batch)
    reopened = CachedEmbedder(raw, cached.fingerprint, tmp_path / "cache.sqlite3")
    assert reopened.embed_query(batch[0]) == raw.embed_query(batch[0])
    assert reopened.embed_documents(batch) == raw.embed_documents(batch)
    assert reopened.misses == 0
