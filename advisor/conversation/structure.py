"""A passage's structure: sentences, lists kept whole with their lead-ins, headings as subjects.

The composer quotes units, never loose lines: a list is one unit with its lead-in and
every item, so a lead-in never appears alone ending in ":" and no item is cut from its
list. Each unit knows the heading it sits under, which names its subject ("Focuses on
..." under "### Data Scientist") and marks a FAQ's direct answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from advisor.records import Source
from advisor.text import headed_lines, sentences, tokens

POINTS_BACK = re.compile(
    r"^(?:it|it's|its|this|that|these|those|they|their|them|such|both|he|she|his|her)\b", re.I
)
"""A sentence opening with one of these refers to something before it."""
MAX_CHAIN = 3
"""Sentences one unit holds: an opening sentence and those after it that point back to it."""
MAX_LIST_ITEMS = 8
"""A longer list is never quoted (it would be cut or would swamp the answer)."""
FAQ = "Frequently Asked Questions"
_ITEM = re.compile(r"^(?:[-*•]|\d+\.)\s+")


@dataclass(frozen=True)
class Unit:
    """A quotable piece of one source: a sentence with the sentences after it that point back
    to it ("XGBoost is ... It was created by ..."), or a whole list with its lead-in."""

    source: int
    """1-based number of the source it quotes (its [n])."""
    sentences: tuple[str, ...]
    """Its sentences verbatim, in order (a list: lead-in first, then the items)."""
    path: str
    """Heading path over it: the source's section, then headings inside the passage."""
    position: int
    """Order inside the source (earlier units come first on a tie)."""
    is_list: bool = False
    lead_in: str = ""
    """A list's lead-in sentence, ending in ":" ("" for a list that follows none)."""
    opens_paragraph: bool = False
    """True for a paragraph's first sentence (a FAQ's direct answer is its first)."""

    @property
    def heading(self) -> str:
        """The innermost heading over the unit ("" at the top of a document)."""
        return self.path.rsplit(" > ", 1)[-1]

    @property
    def faq_question(self) -> str:
        """The FAQ question this unit answers, or ""."""
        parts = self.path.split(" > ")
        return parts[-1] if len(parts) >= 2 and parts[-2] == FAQ else ""

    @property
    def items(self) -> tuple[str, ...]:
        """A list's items (empty for a sentence)."""
        if not self.is_list:
            return ()
        return self.sentences[1:] if self.lead_in else self.sentences

    def words(self) -> frozenset[str]:
        """Content tokens of everything the unit quotes (computed once per unit)."""
        return self._words

    @cached_property
    def _words(self) -> frozenset[str]:
        return frozenset(tokens(" ".join(self.sentences)))

    def body(self) -> str:
        """The quote as Markdown, without its citation: a list as lead-in and bullet lines."""
        if not self.is_list:
            return " ".join(self.sentences)
        lines = [self.lead_in] if self.lead_in else []
        return "\n".join([*lines, *(f"- {item}" for item in self.items)])


@dataclass
class _Block:
    path: str
    lines: list[str]
    is_list: bool


def units(source: Source, number: int) -> list[Unit]:
    """The source's quotable units in reading order (long lists and orphan lead-ins dropped)."""
    return list(_units(source, number))


@lru_cache(maxsize=2048)
def _units(source: Source, number: int) -> tuple[Unit, ...]:
    """Parsed once per passage and position: a warm ask re-reads no structure."""
    found: list[Unit] = []
    blocks = _blocks(source)
    longest = MAX_CHAIN if source.kind and source.kind != "guide" else 1
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.is_list:
            continue  # quoted with the paragraph before it, or below when it has none
        said = [s for line in block.lines for s in sentences(line)]
        lead = said[-1] if said and said[-1].rstrip().endswith(":") else ""
        for j, chain in enumerate(_chains(said[:-1] if lead else said, longest)):
            found.append(Unit(number, chain, block.path, len(found), opens_paragraph=j == 0))
        list_follows = following is not None and following.is_list
        if lead and list_follows and following is not None and following.path == block.path:
            found += _list(number, following, lead, len(found), opens=len(said) == 1)
    for i, block in enumerate(blocks):
        previous = blocks[i - 1] if i else None
        led = previous is not None and not previous.is_list and previous.path == block.path
        if block.is_list and not (led and previous and _ends_with_lead(previous)):
            found += _list(number, block, "", len(found), opens=True)
    return tuple(found)


def _chains(said: Sequence[str], longest: int) -> list[tuple[str, ...]]:
    """The paragraph's sentences, each that points back joined to the one before it (up to
    `longest`): "It was created by Tianqi Chen" is never quoted without what "it" is."""
    chains: list[list[str]] = []
    for sentence in said:
        if chains and len(chains[-1]) < longest and POINTS_BACK.match(sentence.lstrip("*_ ")):
            chains[-1].append(sentence)
        else:
            chains.append([sentence])
    return [tuple(c) for c in chains]


def _list(number: int, block: _Block, lead: str, position: int, opens: bool) -> list[Unit]:
    items = tuple(_ITEM.sub("", line).strip() for line in block.lines)
    if len(items) > MAX_LIST_ITEMS:
        return []
    head = (lead,) if lead else ()
    return [Unit(number, (*head, *items), block.path, position, True, lead, opens)]


def _ends_with_lead(block: _Block) -> bool:
    said = [s for line in block.lines for s in sentences(line)]
    return bool(said) and said[-1].rstrip().endswith(":")


def _blocks(source: Source) -> list[_Block]:
    """Paragraphs and lists of the passage, each with its heading path."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for headings, line in headed_lines(source.text):
        if not line:
            current = None
            continue
        path = " > ".join(p for p in (source.section, *headings) if p)
        is_item = bool(_ITEM.match(line))
        if current is None or current.is_list != is_item:
            current = _Block(path, [], is_item)
            blocks.append(current)
        current.lines.append(line)
    return blocks


def all_units(sources: Sequence[Source]) -> list[Unit]:
    """The units of every source, numbered by the sources' order."""
    return [u for n, source in enumerate(sources, start=1) for u in units(source, n)]
