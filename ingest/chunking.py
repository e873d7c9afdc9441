"""Heading-aware chunking: Markdown sections first, then size-bounded pieces."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from advisor.records import Chunk

CHUNKER_VERSION = "1"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    """Text under one heading path."""

    path: tuple[str, ...]
    text: str


def sections(markdown: str) -> list[Section]:
    """Split Markdown on ATX headings; level-1 headings are the title, not part of the path."""
    found: list[Section] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            found.append(Section(tuple(name for _, name in stack), body))
        lines.clear()

    in_code = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        match = None if in_code else _HEADING.match(line)
        if not match:
            lines.append(line)
            continue
        flush()
        level = len(match.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        if level > 1:
            stack.append((level, match.group(2)))
    flush()
    return found


def doc_hash(data: bytes, chunk_size: int, chunk_overlap: int) -> str:
    """Content hash that also changes when the chunking parameters change."""
    h = hashlib.sha256(data)
    h.update(f"|chunker={CHUNKER_VERSION}|{chunk_size}|{chunk_overlap}".encode())
    return h.hexdigest()


def chunk_document(
    *,
    text: str,
    doc_key: str,
    digest: str,
    source: str,
    title: str,
    root: str,
    url: str = "",
    kind: str = "",
    chunk_size: int,
    chunk_overlap: int,
) -> list[Chunk]:
    """Chunks with deterministic ids (document identity, position and version)."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    pieces: list[tuple[str, str]] = []
    for section in sections(text):
        label = " > ".join(section.path)
        for piece in splitter.split_text(section.text):
            if piece.strip():
                pieces.append((label, piece.strip()))
    prefix = hashlib.sha256(doc_key.encode()).hexdigest()[:16]
    return [
        Chunk(
            id=f"{prefix}-{i:04d}-{digest[:12]}",
            text=body,
            source=source,
            title=title,
            section=label,
            doc_key=doc_key,
            doc_hash=digest,
            doc_chunks=len(pieces),
            url=url,
            kind=kind,
            root=root,
        )
        for i, (label, body) in enumerate(pieces)
    ]

