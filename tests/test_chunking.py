"""Heading-aware chunking: heading paths, sentence units, deterministic ids, size bound."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.records import Chunk
from advisor.text import sentences
from ingest.chunking import chunk_document, doc_hash, sections
from ingest.loaders import load_markdown

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "corpus" / "guide" / "how-to-become-an-ai-ml-engineer-2026.md"

LONG_SECTION = """# A document title

## 1. Short section

One short paragraph.

## 2. Long section

### 2.1 First part

{first}

### 2.2 Second part

{second}

```
# not a heading: inside a code fence
```
"""


def _chunks(text: str, size: int = 1200, overlap: int = 100, units: bool = True) -> list[Chunk]:
    data = text.encode()
    return chunk_document(
        text=load_markdown(data).text,
        doc_key="root::doc.md",
        digest=doc_hash(data, size, overlap, units),
        source="doc.md",
        title="Doc",
        root="root",
        chunk_size=size,
        chunk_overlap=overlap,
        sentence_units=units,
    )


def _guide(size: int = 1200) -> list[Chunk]:
    return _chunks(GUIDE.read_text(encoding="utf-8"), size=size)


def _long_doc() -> str:
    sentence = "Gradient descent moves the weights a small step against the gradient. "
    return LONG_SECTION.format(
        first=sentence * 30, second="Backpropagation applies the chain rule. " * 8
    )


def test_guide_sections_carry_their_numbered_heading_path() -> None:
    chunks = [c for c in _guide() if c.unit == "chunk"]
    paths = {c.section for c in chunks}
    assert "5. Deep Learning and Neural Networks" in paths
    assert "6. MLOps — Getting Models Into Production" in paths
    assert "Frequently Asked Questions > Should I learn PyTorch or TensorFlow first?" in paths
    deep = next(c for c in chunks if c.section == "5. Deep Learning and Neural Networks")
    assert "learn PyTorch first" in deep.text
    # the level-1 heading is the document title, never part of a path
    assert not any(p.startswith("How to Become") for p in paths)


def test_a_section_too_large_is_split_at_its_sub_headings() -> None:
    paths = [p for p, _ in sections(GUIDE.read_text(encoding="utf-8"), 300)]
    assert ("1. Understand the AI/ML Role Landscape", "Machine Learning Engineer") in paths
    assert ("1. Understand the AI/ML Role Landscape", "Applied AI Engineer") in paths
    # a section that fits stays whole, sub-headings and all
    whole = dict(sections(GUIDE.read_text(encoding="utf-8"), 1200))
    assert "### Data Scientist" in whole[("1. Understand the AI/ML Role Landscape",)]


def test_headings_inside_code_fences_are_text() -> None:
    paths = {c.section for c in _chunks(_long_doc(), size=400) if c.unit == "chunk"}
    assert not any("not a heading" in p for p in paths)
    assert "2. Long section > 2.1 First part" in paths


def test_sentence_units_point_at_their_parent_chunk() -> None:
    records = _guide()
    chunks = {c.id: c for c in records if c.unit == "chunk"}
    units = [c for c in records if c.unit == "sentence"]
    assert units and chunks
    for unit in units:
        parent = chunks[unit.parent]
        assert unit.id.startswith(parent.id + "-s")
        assert unit.text in parent.text.replace("- ", "")
        assert unit.section.startswith(parent.section)
        assert unit.doc_hash == parent.doc_hash and unit.source == parent.source
    assert all(c.parent == "" for c in chunks.values())
    # a sentence under a sub-heading inside a whole section names that sub-heading
    ds = next(u for u in units if u.text.startswith("More experimental and statistical"))
    assert ds.section == "1. Understand the AI/ML Role Landscape > Data Scientist"
    # every record knows how many records its document produced (for completeness checks)
    assert {c.doc_chunks for c in records} == {len(records)}


def test_no_sentence_units_when_disabled() -> None:
    records = _chunks(_long_doc(), units=False)
    assert records and all(c.unit == "chunk" and not c.parent for c in records)


def test_ids_are_deterministic_and_follow_the_content() -> None:
    first, second = _guide(), _guide()
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    edited = GUIDE.read_text(encoding="utf-8").replace("learn PyTorch first", "learn JAX first")
    changed = _chunks(edited)
    assert not {c.id for c in changed} & {c.id for c in first}  # the version is in every id
    prefix = {c.id.split("-")[0] for c in first}
    assert prefix == {c.id.split("-")[0] for c in changed}  # the document part is stable
    assert doc_hash(b"x", 1200, 100, True) != doc_hash(b"x", 800, 100, True)


def test_ids_are_the_same_in_another_process() -> None:
    code = (
        "import json, sys; sys.path.insert(0, 'tests'); import test_chunking as t; "
        "print(json.dumps([c.id for c in t._guide()]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )
    assert json.loads(out.stdout) == [c.id for c in _guide()]


@pytest.mark.parametrize("size", [120, 300, 700, 1200])
def test_chunks_never_exceed_the_size_bound(size: int) -> None:
    for text in (_long_doc(), GUIDE.read_text(encoding="utf-8")):
        chunks = [
            c for c in _chunks(text, size=size, overlap=min(50, size // 4)) if c.unit == "chunk"
        ]
        assert chunks
        assert max(len(c.text) for c in chunks) <= size
        assert all(c.text.strip() == c.text and c.text for c in chunks)


def test_a_leaf_too_large_is_cut_into_overlapping_pieces() -> None:
    pieces = [
        c
        for c in _chunks(_long_doc(), size=300, overlap=80)
        if c.unit == "chunk" and c.section == "2. Long section > 2.1 First part"
    ]
    assert len(pieces) >= 5
    for a, b in itertools.pairwise(pieces):
        tail = a.text[-40:]
        assert any(word in b.text for word in tail.split()[-2:])


def test_an_initial_does_not_end_a_sentence() -> None:
    """ "John D. Hunter" is one name in one sentence; a full stop before a capital ends one."""
    assert sentences("It was created by John D. Hunter. It is free.") == [
        "It was created by John D. Hunter.",
        "It is free.",
    ]
