"""Files and URLs -> chunks -> Chroma, incrementally and idempotently.

An unchanged document is recognised by its hash and skipped without loading the
embedding model. A changed document's new chunks are written before its old
ones are deleted, so an interrupted run leaves a state the next run repairs.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.embeddings import get_embeddings, model_id
from advisor.errors import InputError
from advisor.injection import scan
from advisor.records import Chunk
from advisor.screening.semantic import SemanticCheck
from advisor.settings import Settings
from advisor.store import Store
from ingest.discovery import Doc, Skipped, collect
from ingest.loaders import LoadError
from ingest.parsing import Recipe, digest, parse_document
from ingest.worker import ParseWorker

log = logging.getLogger("ingest")

if TYPE_CHECKING:
    from advisor.embeddings import Embedder

EMBED_BATCH = 64
"""Texts per embedding call; the progress bar moves once per call."""
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
        docs, prune_roots = collect(inputs, settings, report.skipped)
        seen = {doc.key for doc in docs}
        report.files = len(docs)
        pending = _parse_changed(docs, state, settings, report)
        dim = _write(store, settings, state, pending, report, progress, on_progress)
        stale = [
            key for key, doc in state.items() if _root_of(key) in prune_roots and key not in seen
        ]
        for key in stale:
            store.delete(state[key].ids)
        report.deleted = len(stale)
        changed = bool(pending or stale or reset)
        if changed or store.exists():
            store.mark_ingested(model_id(settings), dim or _stored_dim(store), changed)
        report.chunks = store.count_chunks()
    return report


def _parse_changed(
    docs: list[Doc], state: dict[str, Any], settings: Settings, report: IngestReport
) -> list[tuple[Doc, list[Chunk], bool]]:
    """Records of each new or changed document, parsed in a process held to a time budget.

    The parser process starts with the first document that needs parsing (none when
    nothing changed), and the model loads only once some document has parsed.
    """
    recipe = Recipe.from_settings(settings)
    semantic = SemanticCheck(lambda: get_embeddings(settings))  # loads only if a cue is weak
    pending: list[tuple[Doc, list[Chunk], bool]] = []
    with ParseWorker(settings.ingest_file_seconds) as worker:
        for doc in docs:
            old = state.get(doc.key)
            if old is not None and old.is_complete(digest(doc, recipe)):
                report.unchanged += 1
                continue
            try:
                records = flag_injections(
                    worker.run(parse_document, doc, recipe), doc.display, report, semantic
                )
            except LoadError as exc:
                report.skipped.append(Skipped(doc.display, str(exc)))
                continue
            pending.append((doc, records, old is not None))
    return pending


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


def _write(
    store: Store,
    settings: Settings,
    state: dict[str, Any],
    pending: list[tuple[Doc, list[Chunk], bool]],
    report: IngestReport,
    progress: bool,
    on_progress: Callable[[int, int], None] | None,
) -> int:
    """Embed and store the pending documents, a group at a time; return the vector size."""
    total = sum(len(chunks) for _, chunks, _ in pending)
    if total == 0:
        return 0
    embeddings = get_embeddings(settings)
    bar = _progress_bar(total, progress)
    done = 0
    dim = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar.update(n)
        if on_progress:
            on_progress(done, total)

    try:
        for group in _groups(pending, WRITE_GROUP):
            records = [c for _, chunks, _ in group for c in chunks]
            vectors = _embed(embeddings, records, advance)
            dim = dim or len(vectors[0])
            store.upsert(records, vectors)
            log.info("embedded %d of %d records", done, total)  # the bar's news, for logs
            for doc, chunks, existed in group:
                if existed:
                    keep = {c.id for c in chunks}
                    store.delete([i for i in state[doc.key].ids if i not in keep])
                    report.updated += 1
                else:
                    report.added += 1
                report.embedded_chunks += len(chunks)
    finally:
        bar.close()
    return dim


def _groups(
    pending: list[tuple[Doc, list[Chunk], bool]], size: int
) -> Iterator[list[tuple[Doc, list[Chunk], bool]]]:
    """Whole documents, gathered until a group holds at least `size` records."""
    group: list[tuple[Doc, list[Chunk], bool]] = []
    count = 0
    for item in pending:
        group.append(item)
        count += len(item[1])
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group


def _embed(
    embeddings: Embedder, records: list[Chunk], advance: Callable[[int], None]
) -> list[list[float]]:
    """Vectors in the records' order, computed longest text first.

    Like `encode` does inside one call, but across calls: a batch then holds texts
    of similar length, so short sentence units are not padded to a long chunk.
    """
    texts = [r.index_text() for r in records]
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors: list[list[float]] = [[] for _ in texts]
    for start in range(0, len(order), EMBED_BATCH):
        batch = order[start : start + EMBED_BATCH]
        got = embeddings.embed_documents([texts[i] for i in batch])
        for i, vector in zip(batch, got, strict=True):
            vectors[i] = vector
        advance(len(batch))
    return vectors


def _progress_bar(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="chunk", file=sys.stderr, disable=not enabled)


def require_ok(report: IngestReport) -> None:
    """Raise InputError with a one-line reason when nothing could be indexed."""
    if report.ok:
        return
    if report.skipped:
        first = report.skipped[0]
        raise InputError(f"nothing could be indexed: {first.path}: {first.reason}")
    raise InputError("nothing to index: no supported files found")
