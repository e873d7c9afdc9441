"""Embedding and writing parsed documents a group at a time, so an ingest holds at most one
group's records (plus one document's) whatever the number of files.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from advisor.embeddings import get_embeddings
from advisor.records import Chunk
from advisor.settings import Settings
from ingest.discovery import Doc

if TYPE_CHECKING:
    from advisor.embeddings import Embedder
    from advisor.store import Store
    from ingest.pipeline import IngestReport

log = logging.getLogger("ingest")

EMBED_BATCH = 64
"""Texts per embedding call; the progress bar moves once per call."""


class Progress:
    """The embedding progress bar and callback; the total grows as documents are parsed."""

    def __init__(self, enabled: bool, callback: Callable[[int, int], None] | None) -> None:
        self.enabled, self.callback = enabled, callback
        self.done = self.total = 0
        self._bar: Any = None

    def grow(self, n: int) -> None:
        """Count `n` more records to embed."""
        self.total += n
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def advance(self, n: int) -> None:
        """Count `n` records embedded (the bar appears with the first)."""
        if self._bar is None:
            self._bar = _progress_bar(self.total, self.enabled)
        self.done += n
        self._bar.update(n)
        if self.callback:
            self.callback(self.done, self.total)

    def close(self) -> None:
        """Close the bar, if it was shown."""
        if self._bar is not None:
            self._bar.close()


class Groups:
    """Parsed documents, embedded and written a group of at least `size` records at a time
    (whole documents; the model loads with the first group)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        state: dict[str, Any],
        report: IngestReport,
        progress: Progress,
        size: int,
    ) -> None:
        self.size = size
        self.store, self.settings, self.state, self.report = store, settings, state, report
        self.progress = progress
        self.pending: list[tuple[Doc, list[Chunk], bool]] = []
        self.records = 0
        self.documents = 0
        self.dim = 0
        self._embeddings: Embedder | None = None

    def __enter__(self) -> Groups:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            if kind is None:
                self.flush()
        finally:
            self.progress.close()

    def add(self, item: tuple[Doc, list[Chunk], bool]) -> None:
        """Queue one document's records; write the group once it is large enough."""
        self.pending.append(item)
        self.records += len(item[1])
        self.documents += 1
        self.progress.grow(len(item[1]))
        if self.records >= self.size:
            self.flush()

    def flush(self) -> None:
        """Embed and store the queued documents, then delete their replaced records."""
        group, self.pending, self.records = self.pending, [], 0
        if not group:
            return
        if self._embeddings is None:
            self._embeddings = get_embeddings(self.settings)
        records = [c for _, chunks, _ in group for c in chunks]
        vectors = _embed(self._embeddings, records, self.progress.advance)
        self.dim = self.dim or len(vectors[0])
        self.store.upsert(records, vectors)
        log.info("embedded %d of %d records", self.progress.done, self.progress.total)
        for doc, chunks, existed in group:
            if existed:
                keep = {c.id for c in chunks}
                self.store.delete([i for i in self.state[doc.key].ids if i not in keep])
                self.report.updated += 1
            else:
                self.report.added += 1
            self.report.embedded_chunks += len(chunks)


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
