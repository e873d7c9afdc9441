"""The corpus as a map: the guide's numbered steps and the resource cards that serve each.

Built from the stored chunks (the same records retrieval uses), so whatever was
ingested, embedded store or Chroma server, is what plans and comparisons cite.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from advisor.records import Chunk, Source
from advisor.text import sentences

_STEP = re.compile(r"^(\d+)\.\s+(.+)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.+)$")


@dataclass(frozen=True)
class GuideStep:
    """One numbered section of the guide ("5. Deep Learning and Neural Networks")."""

    number: int
    title: str
    intro: str
    """The section's opening paragraph, verbatim: the guide's own reason for the step."""
    topics: tuple[str, ...]
    """The section's bullet points, verbatim."""
    chunk: Chunk


@dataclass(frozen=True)
class Card:
    """A resource card: a named course, book, library or platform the guide points to."""

    title: str
    url: str
    cost: str
    level: str
    step: int
    chunk: Chunk
    """The passage cited for it: the card's "how it fits the guide" part when it has one."""


@dataclass
class Outline:
    """Guide steps by number, resource cards by step, and a way to find a quoted sentence."""

    steps: dict[int, GuideStep] = field(default_factory=dict)
    cards: dict[int, list[Card]] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> Outline:
        """Read the structure out of stored passages (sentence units and flagged passages,
        which are never quoted, are ignored)."""
        passages = [c for c in chunks if c.unit == "chunk" and not c.flagged]
        outline = cls(chunks=passages)
        for chunk in passages:
            if chunk.kind == "guide":
                outline._add_guide_part(chunk)
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in passages:
            if chunk.step and chunk.kind != "guide":
                by_doc.setdefault(chunk.doc_key, []).append(chunk)
        for parts in by_doc.values():
            card = _card(parts)
            outline.cards.setdefault(card.step, []).append(card)
        for cards in outline.cards.values():
            cards.sort(key=lambda c: c.title.lower())
        return outline

    def _add_guide_part(self, chunk: Chunk) -> None:
        match = _STEP.match(chunk.section.split(" > ")[0])
        if not match:
            return
        number = int(match.group(1))
        if number in self.steps:  # a long step split into several chunks: keep the first
            return
        intro, topics = _intro_and_topics(chunk.text)
        self.steps[number] = GuideStep(number, match.group(2).strip(), intro, topics, chunk)

    def find(self, quote: str, kind: str = "guide") -> Chunk | None:
        """The passage of this kind that contains the quote (whitespace-insensitive), if any."""
        wanted = _squash(quote)
        for chunk in self.chunks:
            if (not kind or chunk.kind == kind) and wanted in _squash(chunk.text):
                return chunk
        return None

    def sentence_with(self, pattern: str, kind: str = "guide") -> tuple[str, Chunk] | None:
        """The first sentence matching a regular expression, with its passage."""
        regex = re.compile(pattern, re.I)
        for chunk in self.chunks:
            if kind and chunk.kind != kind:
                continue
            for sentence in sentences(chunk.text):
                if regex.search(sentence):
                    return sentence, chunk
        return None


class Citations:
    """Numbers passages in order of first use, so [n] points at the n-th listed source."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._index: dict[str, int] = {}

    def cite(self, chunk: Chunk) -> int:
        """The [n] number of this passage (1-based), adding it on first use."""
        if chunk.id not in self._index:
            self.sources.append(chunk.as_source(score=1.0))
            self._index[chunk.id] = len(self.sources)
        return self._index[chunk.id]


def _card(parts: Sequence[Chunk]) -> Card:
    ordered = sorted(parts, key=lambda c: c.id)
    fits = [c for c in ordered if "fits" in c.section.lower()]
    first = ordered[0]
    return Card(first.title, first.url, first.cost, first.level, first.step, (fits or ordered)[0])


def _intro_and_topics(text: str) -> tuple[str, tuple[str, ...]]:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    intro = ""
    topics: list[str] = []
    for para in paragraphs:
        lines = para.split("\n")
        bullets = [m.group(1).strip() for m in map(_BULLET.match, lines) if m]
        if bullets and len(bullets) == len(lines):
            topics += bullets
        elif not intro and not para.startswith("#"):
            intro = para
    return intro, tuple(topics)


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()
