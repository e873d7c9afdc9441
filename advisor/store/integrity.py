"""Checksums of an embedded collection's vector index files: recorded at ingest, compared on open.

Chroma loads a collection's HNSW files with native code, and bytes it cannot parse can
segfault the process, which no `except` catches. It loads them only when the segment folder
holds `index_metadata.pickle`: below Chroma's sync threshold the vectors live in SQLite's
log and every opener rewrites the folder's files empty. So the record is the SHA-256 of each
file of a folder with the pickle, or `null` for a folder without it (nothing is loaded).

A reader loads the index in its own process only when the files are exactly those recorded
(sizes and timestamps prove nothing: bit rot keeps both). Otherwise `vet` checks it in a
child process first, the full check `advisor doctor` runs when the files changed since they
were recorded, and records the verdict: files found sound become the record, and files
found damaged are refused at once by every later reader, without another check.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from advisor.store.check import child_verdict

INTEGRITY = "integrity.json"
"""Per collection id: `files` (the sums last written or verified) and `damaged` (a verdict)."""
PERSISTED = "index_metadata.pickle"
"""Chroma loads a segment folder's HNSW files only when this file is there."""
LEGACY = "verified.json"
"""What earlier versions kept instead: sizes and timestamps, which bit rot leaves unchanged."""
KEEP = 4
"""Collections remembered: the live one and the few a reset replaced (readers may still use)."""
_UNKNOWN: Any = object()
log = logging.getLogger("advisor")


def vector_dir(store_dir: Path, collection_id: str) -> Path | None:
    """The folder of a collection's HNSW files (from Chroma's own catalogue, read-only)."""
    db = store_dir / "chroma.sqlite3"
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            row = con.execute(
                "SELECT id FROM segments WHERE collection = ? AND scope = 'VECTOR'",
                (collection_id,),
            ).fetchone()
    except sqlite3.Error:
        return None
    return store_dir / str(row[0]) if row else None


def sums(folder: Path) -> dict[str, list[Any]] | None:
    """Size and SHA-256 of each file Chroma would load from `folder` (None: it loads none)."""
    if not (folder / PERSISTED).is_file():
        return None
    found: dict[str, list[Any]] = {}
    for path in sorted(folder.iterdir()):
        with path.open("rb") as fh:
            found[path.name] = [
                os.fstat(fh.fileno()).st_size,
                hashlib.file_digest(fh, "sha256").hexdigest(),
            ]
    return found


def _current(store_dir: Path, collection_id: str) -> Any:
    """The sums of the collection's index files now (_UNKNOWN: no folder known, or unreadable)."""
    folder = vector_dir(store_dir, collection_id)
    if folder is None:
        return _UNKNOWN
    try:
        return sums(folder)
    except OSError:
        return _UNKNOWN


def _read(store_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((store_dir / INTEGRITY).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _record(store_dir: Path, collection_id: str, files: Any, damage: str = "") -> None:
    """Remember sound files as the collection's record, or damaged files with the reason."""
    if files is _UNKNOWN:
        return
    path = store_dir / INTEGRITY
    with contextlib.suppress(OSError, Timeout), FileLock(f"{path}.lock", timeout=10):
        data = _read(store_dir)
        entry = dict(data.pop(collection_id, None) or {})
        if damage:
            entry["damaged"] = {"files": files, "reason": damage}
        else:
            entry = {"files": files}
        data[collection_id] = entry  # the newest last; the oldest are forgotten
        kept = dict(list(data.items())[-KEEP:])
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(kept), "utf-8")
        os.replace(tmp, path)


def record_written(store_dir: Path, collection_id: str) -> None:
    """Record the collection's index files as an ingest left them."""
    _record(store_dir, collection_id, _current(store_dir, collection_id))
    with contextlib.suppress(OSError):
        (store_dir / LEGACY).unlink(missing_ok=True)


def record_checked(store_dir: Path, collection_id: str, damage: str) -> None:
    """Record the verdict of a full check (`advisor doctor`) on the files as they are now."""
    _record(store_dir, collection_id, _current(store_dir, collection_id), damage)


def vet(store_dir: Path, collection_id: str, name: str, incomplete: bool) -> str | None:
    """Why the collection must not be loaded in this process, or None when it is safe.

    Files equal to the record load here. Files with a damage verdict are refused. Other
    files are checked in a child process: the full check when a record exists (the files
    changed since an ingest wrote or a check verified them), the quick one for a store
    recorded by no ingest yet or one an unfinished ingest is writing (`incomplete`).
    """
    files = _current(store_dir, collection_id)
    entry = _read(store_dir).get(collection_id)
    entry = entry if isinstance(entry, dict) else {}
    if files is not _UNKNOWN:
        if "files" in entry and entry["files"] == files:
            return None
        damaged = entry.get("damaged")
        if isinstance(damaged, dict) and damaged.get("files") == files:
            return str(damaged.get("reason") or "a check found the vector index damaged")
    mode = "full" if "files" in entry and not incomplete else "quick"
    log.info("checking the vector index of %s in a child process (%s check)", name, mode)
    outcome = child_verdict(store_dir, name, mode, skip_count=incomplete)
    if outcome.conclusive:
        _record(store_dir, collection_id, files, outcome.failure)
    return outcome.failure or None
