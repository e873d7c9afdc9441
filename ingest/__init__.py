"""Ingest: files and URLs into the advisor's Chroma store (`advisor ingest`)."""

from ingest.pipeline import IngestReport, Skipped, bundled_corpus, ingest, require_ok

__all__ = ["IngestReport", "Skipped", "bundled_corpus", "ingest", "require_ok"]
