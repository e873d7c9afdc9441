"""Segment folders on disk: a reader holds the one it serves; writers remove those nobody holds.

Embedded Chroma leaves a dropped collection's HNSW folder on disk, so each reset would leave
a full copy of the index behind. A reader takes a shared `flock` on the folder of the
collection it serves before its files are checked or loaded, and lets go when it follows the
pointer elsewhere. A writer drops a collection a reset replaced, and removes a folder that
Chroma's catalogue no longer lists, only once it can lock the folder exclusively: a folder a
reader still holds stays until a later ingest finds it free.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import uuid
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)


class Hold:
    """A shared lock on one segment folder (none, or the last one taken)."""

    def __init__(self) -> None:
        self._fd: int | None = None

    def take(self, folder: Path | None) -> None:
        """Hold `folder` (letting go of any other); a folder not created yet is not held."""
        self.release()
        if folder is None:
            return
        try:
            fd = os.open(folder, _DIR_FLAGS)
        except OSError:
            return
        fcntl.flock(fd, fcntl.LOCK_SH)  # a writer holds it exclusively only while removing it
        self._fd = fd

    def release(self) -> None:
        """Let go of the folder held, if any."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        self.release()


def vector_folders(store_dir: Path) -> dict[str, Path] | None:
    """Collection name -> its vector segment folder, from Chroma's catalogue (None: unreadable)."""
    db = store_dir / "chroma.sqlite3"
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            rows = con.execute(
                "SELECT c.name, s.id FROM segments s JOIN collections c ON s.collection = c.id "
                "WHERE s.scope = 'VECTOR'"
            ).fetchall()
    except sqlite3.Error:
        return None
    return {str(name): store_dir / str(sid) for name, sid in rows}


def _segment_ids(store_dir: Path) -> set[str] | None:
    """Every segment Chroma's catalogue lists, of any kind (None: unreadable)."""
    db = store_dir / "chroma.sqlite3"
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            return {str(row[0]) for row in con.execute("SELECT id FROM segments")}
    except sqlite3.Error:
        return None


def held(folder: Path) -> bool:
    """Whether a reader holds `folder` now."""
    return not _remove_if_free(folder, remove=False)


def sweep(store_dir: Path) -> list[str]:
    """Remove segment folders Chroma no longer lists and nobody holds; the names removed."""
    keep = _segment_ids(store_dir)
    if keep is None:
        return []  # an unreadable catalogue: nothing can be told apart
    removed = []
    for path in sorted(store_dir.iterdir()):
        if path.name in keep or not _is_segment(path):
            continue
        if _remove_if_free(path, remove=True):
            removed.append(path.name)
    return removed


def _is_segment(path: Path) -> bool:
    """A folder named by a UUID, as Chroma names segment folders (not `damaged-*` and such)."""
    try:
        uuid.UUID(path.name)
    except ValueError:
        return False
    return path.is_dir() and not path.is_symlink()


def _remove_if_free(folder: Path, remove: bool) -> bool:
    """Lock `folder` exclusively without waiting; remove it if asked. False: a reader holds it."""
    try:
        fd = os.open(folder, _DIR_FLAGS)
    except OSError:
        return True  # gone already
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        if remove:
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
        return True
    finally:
        os.close(fd)
