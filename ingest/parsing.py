"""One document's bytes -> its records (chunks and sentence units), within per-file limits.

This is the work the ingest parser process does (`ingest.worker`): everything it
needs travels in picklable values, and every failure is a `LoadError` whose message
is the reason the file is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisor.records import Chunk
from advisor.settings import Settings
from ingest.chunking import chunk_document, doc_hash
from ingest.discovery import Doc
from ingest.loaders import Limits, LoadError, load_bytes

RECORD_FIELDS = b"|records=3"
"""Hashed with each document: bumped when stored records gain fields, so old stores re-ingest."""


@dataclass(frozen=True)
class Recipe:
    """How documents become records: chunking parameters and per-file limits."""

    chunk_size: int
    chunk_overlap: int
    sentence_units: bool
    limits: Limits

    @classmethod
    def from_settings(cls, settings: Settings) -> Recipe:
        """The recipe an ingest with these settings follows."""
        return cls(
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            sentence_units=settings.sentence_units,
            limits=Limits.from_settings(settings),
        )


def digest(doc: Doc, recipe: Recipe) -> str:
    """The document's version: its bytes and the chunking parameters (known before parsing)."""
    return doc_hash(
        doc.data + RECORD_FIELDS, recipe.chunk_size, recipe.chunk_overlap, recipe.sentence_units
    )


def parse_document(doc: Doc, recipe: Recipe) -> list[Chunk]:
    """Records of one document; LoadError names the reason (a limit, bad bytes, no text)."""
    loaded = load_bytes(doc.data, doc.kind, recipe.limits)
    records = chunk_document(
        text=loaded.text,
        doc_key=doc.key,
        digest=digest(doc, recipe),
        source=doc.source,
        title=loaded.title or Path(doc.source).stem.replace("-", " ").replace("_", " "),
        root=doc.root,
        url=doc.url or loaded.meta.get("url", ""),
        kind=loaded.meta.get("kind", ""),
        chunk_size=recipe.chunk_size,
        chunk_overlap=recipe.chunk_overlap,
        sentence_units=recipe.sentence_units,
    )
    if not records:
        raise LoadError("no text to index")
    cap = recipe.limits.records
    if len(records) > cap:
        raise LoadError(
            f"{len(records)} records (chunks and sentence units), more than the "
            f"{cap}-record cap (ADVISOR_MAX_FILE_RECORDS)"
        )
    card = _card_fields(loaded.meta)
    return [replace(r, **card) for r in records] if card else records


def _card_fields(meta: dict[str, str]) -> dict[str, Any]:
    """Front-matter fields a learning plan reads: the guide step a resource serves, cost, level."""
    fields: dict[str, Any] = {}
    step = meta.get("guide_step", "").strip()
    if step.isdigit():
        fields["step"] = int(step)
    for name in ("cost", "level"):
        if meta.get(name, "").strip():
            fields[name] = meta[name].strip()
    return fields
