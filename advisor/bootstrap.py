"""First use: fill an empty store with the bundled corpus, quietly unless on a terminal."""

from __future__ import annotations

import logging
import sys

from advisor.settings import Settings

log = logging.getLogger("advisor")


def build_bundled(settings: Settings, progress: bool | None = None) -> None:
    """Index the bundled corpus into an empty store (no-op once it holds records).

    The progress bar goes to stderr when `progress` is true, or (None) when stderr is a
    terminal; the start and the result are logged on the `advisor` logger either way.
    """
    from ingest import ingest

    show = sys.stderr.isatty() if progress is None else progress
    log.info("building the index from the bundled corpus in %s (first use)", where(settings))
    report = ingest(settings=settings, progress=show, only_if_empty=True)
    log.info("index ready in %s: %d passages", where(settings), report.chunks)


def where(settings: Settings) -> str:
    """Where the index lives: the store directory or the Chroma server's address."""
    if settings.remote_store:
        return f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.store_dir)
