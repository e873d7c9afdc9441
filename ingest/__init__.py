"""Ingest: files and URLs into the advisor's Chroma store (`advisor ingest`)."""

from ingest.discovery import Skipped, bundled_corpus
from ingest.pipeline import IngestReport, ingest, require_ok

__all__ = ["IngestReport", "Skipped", "bundled_corpus", "ingest", "require_ok"]
