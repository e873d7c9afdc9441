"""Files and URLs -> chunks -> Chroma, incrementally and idempotently.

An unchanged document is recognised by its hash and skipped without loading the
embedding model. A changed document's new chunks are written before its old
ones are deleted, so an interrupted run leaves a state the next run repairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from advisor.embeddings import get_embeddings, model_id
from advisor.errors import InputError
from advisor.injection import scan
from advisor.records import Chunk
from advisor.screening.semantic import SemanticCheck
from advisor.settings import Settings
from advisor.store import Store
from ingest.discovery import Doc, Skipped, documents
from ingest.groups import EMBED_BATCH as EMBED_BATCH  # re-exported: tests time kills by it
from ingest.groups import Groups, Progress
from ingest.loaders import LoadError
from ingest.parsing import Recipe, digest, parse_document
from ingest.worker import ParseWorker

WRITE_GROUP = 2048
"""Records embedded (longest first) before their documents are written. An interrupted
ingest keeps the groups already written; a group boundary costs one half-padded model
batch, so groups are large (the bundled corpus is one group: no overhead over `encode`)."""


@dataclass
class Flagged:
    """A passage that addresses the reader or the model with instructions (advisor/injection.py)."""

    path: str
    section: str
    rule: str
    text: str


@dataclass
class IngestReport:
    """Counts of files by outcome; `chunks` is the store total afterwards."""

    files: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    embedded_chunks: int = 0
    flagged: list[Flagged] = field(default_factory=list)
    """Flagged sentences of the documents read: stored marked, never quoted as advice."""

    @property
    def ok(self) -> bool:
        """Something was indexed, or nothing needed to change."""
        return self.added + self.updated + self.unchanged + self.deleted > 0

    def to_dict(self) -> dict[str, Any]:
        """The `advisor ingest --json` object."""
        return {
            "files": self.files,
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "chunks": self.chunks,
            "flagged": [vars(f) for f in self.flagged],
        }

    def summary(self) -> str:
        """One line for people."""
        line = (
            f"{self.files} files: {self.added} added, {self.updated} updated, "
            f"{self.deleted} deleted, {self.unchanged} unchanged, {len(self.skipped)} skipped; "
            f"{self.chunks} chunks in the store"
        )
        if self.flagged:
            line += (
                f"; {len(self.flagged)} flagged as instructions to the reader or the model "
                "(stored, never quoted as advice)"
            )
        return line


def ingest(
    inputs: Sequence[str | Path] = (),
    *,
    settings: Settings,
    store: Store | None = None,
    reset: bool = False,
    progress: bool = True,
    lock_wait: float = 600.0,
    on_progress: Callable[[int, int], None] | None = None,
    only_if_empty: bool = False,
) -> IngestReport:
    """Index `inputs` (paths or http(s) URLs; none means the bundled corpus).

    A reset builds a new collection beside the served one, which readers keep using
    until the new one is complete (advisor/store_writer.py). With `only_if_empty`,
    nothing is done when the store holds records once the lock is ours (a reader
    filling an empty store on first use).
    """
    store = store or (Store.open_for_reset(settings) if reset else Store.open(settings))
    report = IngestReport()
    with store.writer_lock(wait=lock_wait):  # a failed build aside is dropped on the way out
        if only_if_empty and store.count() > 0:
            report.chunks = store.count_chunks()
            return report
        store.begin_write(rebuild=reset)
        store.check_model(model_id(settings))
        state = store.documents()
        prune_roots: set[str] = set()
        docs = documents(inputs, settings, report.skipped, prune_roots)
        seen: set[str] = set()
        recipe = Recipe.from_settings(settings)
        progress_ = Progress(progress, on_progress)
        groups = Groups(store, settings, state, report, progress_, size=WRITE_GROUP)
        semantic = SemanticCheck(lambda: get_embeddings(settings))  # loads only if a cue is weak
        with ParseWorker(settings.ingest_file_seconds) as worker, groups:
            for doc in docs:  # one file's bytes at a time; records a write group at a time
                seen.add(doc.key)
                report.files += 1
                parsed = _parse_changed(doc, state, recipe, report, worker, semantic)
                if parsed is not None:
                    groups.add(parsed)
        stale = [
            key for key, doc in state.items() if _root_of(key) in prune_roots and key not in seen
        ]
        for key in stale:
            store.delete(state[key].ids)
        report.deleted = len(stale)
        changed = bool(groups.documents or stale or reset)
        if changed or store.exists():
            store.mark_ingested(model_id(settings), groups.dim or _stored_dim(store), changed)
        report.chunks = store.count_chunks()
    return report


def _parse_changed(
    doc: Doc,
    state: dict[str, Any],
    recipe: Recipe,
    report: IngestReport,
    worker: ParseWorker,
    semantic: SemanticCheck,
) -> tuple[Doc, list[Chunk], bool] | None:
    """The records of a new or changed document, parsed in a process held to a time budget
    (started with the first document that needs parsing); None when unchanged or skipped.
    The document comes back without its bytes: only its records are kept until written."""
    old = state.get(doc.key)
    if old is not None and old.is_complete(digest(doc, recipe)):
        report.unchanged += 1
        return None
    try:
        records = worker.run(parse_document, doc, recipe)
    except LoadError as exc:
        report.skipped.append(Skipped(doc.display, str(exc)))
        return None
    flagged = flag_injections(records, doc.display, report, semantic)
    return replace(doc, data=b""), flagged, old is not None


def _root_of(key: str) -> str:
    return key.split("::", 1)[0]


def _stored_dim(store: Store) -> int:
    return int(store.metadata().get("embedding_dim", 0) or 0)


def flag_injections(
    chunks: list[Chunk], path: str, report: IngestReport, semantic: SemanticCheck | None = None
) -> list[Chunk]:
    """Mark each passage that trips an injection rule (and its sentence units); report them."""
    flags: dict[str, str] = {}
    for chunk in chunks:
        if chunk.unit != "chunk":
            continue
        findings = scan(chunk.text, semantic)
        if findings:
            flags[chunk.id] = ",".join(dict.fromkeys(f.rule for f in findings))
            report.flagged += [
                Flagged(path, " > ".join(filter(None, (chunk.section, f.heading))), f.rule, f.text)
                for f in findings
            ]
    if not flags:
        return chunks
    return [replace(c, flagged=flags.get(c.parent or c.id, "")) for c in chunks]


def require_ok(report: IngestReport) -> None:
    """Raise InputError with a one-line reason when nothing could be indexed."""
    if report.ok:
        return
    if report.skipped:
        first = report.skipped[0]
        raise InputError(f"nothing could be indexed: {first.path}: {first.reason}")
    raise InputError("nothing to index: no supported files found")
