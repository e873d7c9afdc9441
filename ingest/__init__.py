"""Ingest: files and URLs into the advisor's Chroma store (`advisor ingest`)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.discovery import Skipped, bundled_corpus
    from ingest.pipeline import IngestReport, ingest, require_ok

_HOMES = {
    "Skipped": "discovery",
    "bundled_corpus": "discovery",
    "IngestReport": "pipeline",
    "ingest": "pipeline",
    "require_ok": "pipeline",
}


def __getattr__(name: str) -> object:
    """Names are imported on first use: the parser process needs none of the pipeline."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"ingest.{home}"), name)
    globals()[name] = value
    return value


__all__ = ["IngestReport", "Skipped", "bundled_corpus", "ingest", "require_ok"]
