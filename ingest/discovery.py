"""Which documents an ingest reads: the bundled corpus, folders, single files and URLs.

Folders are walked in a stable order; hidden files, Python files and symlinks that
lead outside the ingested root are skipped, as are unsupported, oversized, vanished
or unreadable files, each with a reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

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
        if path.is_dir():
            root = str(path.resolve())
            prune.add(root)
            docs.extend(_walk(path, root, settings, skipped))
        elif path.is_file():
            docs.extend(_single(path, settings, skipped))
        elif text.startswith(("ftp:", "file:", "javascript:", "data:")):
            skipped.append(Skipped(text, "only http(s) URLs and local paths are supported"))
        else:
            skipped.append(Skipped(text, "no such file or directory"))
    return docs, prune


def _walk(top: Path, root: str, settings: Settings, skipped: list[Skipped]) -> Iterator[Doc]:
    real_top = top.resolve()
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith((".py", ".pyc")):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(top).as_posix()
            if path.is_symlink() and not _inside(path, real_top):
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
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            skipped.append(
                Skipped(
                    rel,
                    f"larger than the {settings.max_file_bytes}-byte cap (ADVISOR_MAX_FILE_BYTES)",
                )
            )
            return None
        with path.open("rb") as fh:
            data = fh.read(settings.max_file_bytes + 1)
    except FileNotFoundError:
        reason = "broken symlink" if path.is_symlink() else "file vanished during ingest"
        skipped.append(Skipped(rel, reason))
        return None
    except OSError as exc:
        skipped.append(Skipped(rel, f"unreadable: {exc.strerror or exc}"))
        return None
    return Doc(key=key, root=root, source=rel, display=rel, data=data, kind=kind)


def _fetch_doc(url: str, settings: Settings, skipped: list[Skipped]) -> Doc | None:
    try:
        data, kind = fetch(url, timeout=settings.fetch_timeout, max_bytes=settings.max_file_bytes)
    except LoadError as exc:
        skipped.append(Skipped(url, str(exc)))
        return None
    return Doc(key=f"{url}::", root=url, source=url, display=url, data=data, kind=kind, url=url)
