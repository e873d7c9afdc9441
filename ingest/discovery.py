"""Which documents an ingest reads: the bundled corpus, folders, single files and URLs.

Folders are walked in a stable order; hidden files, Python files and symlinks that
lead outside the ingested root are skipped, as are symlink loops, anything that is not
a regular file (a named pipe, device or socket is never opened for reading) and
unsupported, oversized, vanished or unreadable files, each with a reason.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.safety import redact_url
from advisor.secrets import public_url
from advisor.settings import Settings
from ingest.fetch import fetch
from ingest.loaders import SUPPORTED, LoadError

BUNDLED_ROOT = "bundled"


@dataclass
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class Doc:
    """One document's bytes and where they came from (`key` identifies it in the store)."""

    key: str
    root: str
    source: str
    display: str
    data: bytes
    kind: str
    url: str = ""


def bundled_corpus() -> Path:
    """The corpus shipped with the package."""
    import corpus

    return Path(corpus.__file__).resolve().parent


def collect(
    inputs: Sequence[str | Path], settings: Settings, skipped: list[Skipped]
) -> tuple[list[Doc], set[str]]:
    docs: list[Doc] = []
    prune: set[str] = set()
    if not inputs:
        prune.add(BUNDLED_ROOT)
        docs.extend(_walk(bundled_corpus(), BUNDLED_ROOT, settings, skipped))
        return docs, prune
    for item in inputs:
        text = str(item)
        if text.startswith(("http://", "https://")):
            doc = _fetch_doc(text, settings, skipped)
            if doc:
                docs.append(doc)
            continue
        path = Path(text).expanduser()
        problem = _stat_problem(path)
        if problem is None and path.is_dir():
            root = str(path.resolve())
            prune.add(root)
            docs.extend(_walk(path, root, settings, skipped))
        elif problem is None:
            docs.extend(_single(path, settings, skipped))
        elif problem == "missing" and text.startswith(("ftp:", "file:", "javascript:", "data:")):
            skipped.append(
                Skipped(redact_url(text), "only http(s) URLs and local paths are supported")
            )
        else:
            skipped.append(Skipped(text, _REASONS.get(problem, problem)))
    return docs, prune


_REASONS = {"missing": "no such file or directory"}
_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _stat_problem(path: Path) -> str | None:
    """Why `path` (symlinks followed) cannot be read as a file or folder; None when it can."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        return f"unreadable: {exc.strerror or exc}"
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return None
    return _not_regular(mode)


def _not_regular(mode: int) -> str:
    return f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'a special file')})"


def _walk(top: Path, root: str, settings: Settings, skipped: list[Skipped]) -> Iterator[Doc]:
    real_top = top.resolve()
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith((".py", ".pyc")):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(top).as_posix()
            if path.is_symlink():
                if _stat_problem(path) == "symlink loop":
                    skipped.append(Skipped(rel, "symlink loop"))
                    continue
                if not _inside(path, real_top):
                    skipped.append(Skipped(rel, "symlink leads outside the ingested root"))
                    continue
            doc = read_file(path, rel, f"{root}::{rel}", root, settings, skipped)
            if doc:
                yield doc


def _single(path: Path, settings: Settings, skipped: list[Skipped]) -> Iterator[Doc]:
    real = path.resolve()
    root = str(real.parent)
    doc = read_file(path, path.name, f"{root}::{path.name}", root, settings, skipped)
    if doc:
        yield doc


def _inside(path: Path, real_top: Path) -> bool:
    try:
        path.resolve().relative_to(real_top)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def read_file(
    path: Path, rel: str, key: str, root: str, settings: Settings, skipped: list[Skipped]
) -> Doc | None:
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        skipped.append(Skipped(rel, f"unsupported file type {path.suffix or '(none)'}"))
        return None
    try:
        data = _read_regular(path, settings.max_file_bytes)
    except FileNotFoundError:
        reason = "broken symlink" if path.is_symlink() else "file vanished during ingest"
        skipped.append(Skipped(rel, reason))
        return None
    except _Refused as exc:
        skipped.append(Skipped(rel, str(exc)))
        return None
    except OSError as exc:
        reason = (
            "symlink loop" if exc.errno == errno.ELOOP else f"unreadable: {exc.strerror or exc}"
        )
        skipped.append(Skipped(rel, reason))
        return None
    return Doc(key=key, root=root, source=rel, display=rel, data=data, kind=kind)


class _Refused(Exception):
    """A file that is not read: not a regular file, or over the byte cap."""


def _read_regular(path: Path, cap: int) -> bytes:
    """The bytes of a regular file of at most `cap` bytes.

    A named pipe, device or socket is refused before it is opened. The open itself
    never blocks (O_NONBLOCK), and the opened file is checked again, so a file
    swapped for a pipe between the two checks is refused too.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise _Refused(_not_regular(mode))
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(_not_regular(info.st_mode))
        if info.st_size > cap:
            raise _Refused(f"larger than the {cap}-byte cap (ADVISOR_MAX_FILE_BYTES)")
        data = fh.read(cap + 1)
    if len(data) > cap:  # grew after the size check
        raise _Refused(f"larger than the {cap}-byte cap (ADVISOR_MAX_FILE_BYTES)")
    return data


def _fetch_doc(url: str, settings: Settings, skipped: list[Skipped]) -> Doc | None:
    shown = public_url(url)  # credentials in the URL are used to fetch, never shown or stored
    try:
        data, kind = fetch(
            url,
            timeout=settings.fetch_timeout,
            max_bytes=settings.max_file_bytes,
            allow_private=settings.allow_private_urls,
        )
    except LoadError as exc:
        skipped.append(Skipped(shown, str(exc)))
        return None
    key = shown if shown == url else f"{shown}#{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    return Doc(
        key=f"{key}::", root=shown, source=shown, display=shown, data=data, kind=kind, url=shown
    )
