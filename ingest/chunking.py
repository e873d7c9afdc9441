"""Heading-aware chunking.

A document is a tree of Markdown headings. A section that fits in `chunk_size`
stays whole (with its sub-headings); a larger one is split at its child headings,
and only a leaf that is still too large is cut into overlapping pieces. Each
chunk also yields sentence units: small records embedded separately that point
back at their chunk, so a question matching one sentence finds the whole passage.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from langchain_text_splitters import RecursiveCharacterTextSplitter

from advisor.records import Chunk, unit_id
from advisor.text import headed_sentences, heading

CHUNKER_VERSION = "4"


@dataclass
class Node:
    """One heading and what lies under it."""

    level: int
    title: str
    line: str = ""
    body: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    def render(self, with_heading: bool = False) -> str:
        """The section as Markdown, sub-sections included."""
        parts = [self.line] if with_heading and self.line else []
        own = "\n".join(self.body).strip()
        if own:
            parts.append(own)
        parts += [child.render(True) for child in self.children]
        return "\n\n".join(p for p in parts if p.strip())


def parse(markdown: str) -> Node:
    """The heading tree of a Markdown document (headings inside code fences ignored)."""
    root = Node(0, "")
    stack = [root]
    in_code = False
    for line in markdown.split("\n"):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        found = None if in_code else heading(line)
        if not found:
            stack[-1].body.append(line)
            continue
        node = Node(found[0], found[1].strip(), line)
        while stack[-1].level >= node.level:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    return root


def sections(markdown: str, size: int) -> list[tuple[tuple[str, ...], str]]:
    """(heading path, text) pairs: whole sections when they fit, else split at sub-headings.

    Level-1 headings are the document title, not part of the path.
    """
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(node: Node, path: tuple[str, ...]) -> None:
        here = (*path, node.title) if node.level > 1 else path
        whole = node.render()
        if len(whole) <= size or not node.children:
            if whole.strip():
                found.append((here, whole))
            return
        own = "\n".join(node.body).strip()
        if own:
            found.append((here, own))
        for child in node.children:
            walk(child, here)

    walk(parse(markdown), ())
    return found


def doc_hash(data: bytes, chunk_size: int, chunk_overlap: int, sentence_units: bool) -> str:
    """Content hash that also changes when the chunking parameters change."""
    h = hashlib.sha256(data)
    h.update(f"|chunker={CHUNKER_VERSION}|{chunk_size}|{chunk_overlap}|{sentence_units}".encode())
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
    sentence_units: bool = True,
) -> list[Chunk]:
    """Chunks (and their sentence units) with deterministic ids."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    pieces: list[tuple[str, str]] = []
    for path, section_text in sections(text, chunk_size):
        label = " > ".join(path)
        pieces += [(label, p.strip()) for p in splitter.split_text(section_text) if p.strip()]
    prefix = hashlib.sha256(doc_key.encode()).hexdigest()[:16]
    records: list[Chunk] = []
    for i, (label, body) in enumerate(pieces):
        chunk = Chunk(
            id=f"{prefix}-{i:04d}-{digest[:12]}",
            text=body,
            source=source,
            title=title,
            section=label,
            doc_key=doc_key,
            doc_hash=digest,
            doc_chunks=0,
            url=url,
            kind=kind,
            root=root,
        )
        records.append(chunk)
        if sentence_units:
            records += [
                replace(
                    chunk,
                    id=unit_id(chunk.id, j),
                    text=sentence,
                    section=" > ".join(p for p in (label, inner) if p),
                    unit="sentence",
                    parent=chunk.id,
                )
                for j, (inner, sentence) in enumerate(headed_sentences(body))
            ]
    return [replace(r, doc_chunks=len(records)) for r in records]
