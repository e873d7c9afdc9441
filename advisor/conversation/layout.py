"""How a composed answer reads: subject labels, paragraphs and lists, and how to take it apart.

Labels are the advisor's only words besides the fixed notes: a heading or a card's
title (with its section) in bold, set where a quote's subject is its heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from advisor.conversation.leads import Line
from advisor.conversation.structure import FAQ
from advisor.records import Source
from advisor.text import normalize, sentences, tokens

CITE = re.compile(r"(?<!\s)\s*+\[\d+\]")
"""A citation marker with the space before it, tried only where a run of spaces starts (from
inside the run, `\\s*` re-read it to its end: 2.3 s for 20,000 spaces in a previous answer)."""
_NUMBERED = re.compile(r"^\d+\.\s")


def with_labels(lines: list[Line], sources: Sequence[Source]) -> list[Line]:
    """Label each line whose subject is its heading, unless the line before names it."""
    out: list[Line] = []
    for line in lines:
        before = out[-1] if out else None
        named = (
            before is not None
            and before.n == line.n
            and bool(before.label)
            and not line.label
            and _subject(before) == _subject(line)
        )
        out.append(line if named else _labelled(line, sources))
    return out


def _subject(line: Line) -> str:
    """The heading a line's quote sits under (a role line's unit is headed by its role)."""
    return line.unit.heading if line.unit is not None else ""


def _labelled(line: Line, sources: Sequence[Source]) -> Line:
    """The line with a bold subject label when its subject is its heading, not in its words."""
    unit = line.unit
    if line.label or unit is None or not line.n or unit.source > len(sources):
        return line
    source = sources[unit.source - 1]
    words = unit.words()
    if source.kind and source.kind != "guide":
        if set(tokens(source.title)) <= words:
            return line
        section = unit.heading
        label = f"{source.title} — {section}:" if section else f"{source.title}:"
        return replace(line, label=label)
    parts = unit.path.split(" > ")
    heading = parts[-1]
    named = len(parts) >= 2 and parts[-2] != FAQ and not _NUMBERED.match(heading)
    if named and not set(tokens(heading)) <= words:
        return replace(line, label=f"{heading}:")
    return line


def render(lines: Sequence[Line]) -> list[str]:
    """The answer as pieces to stream: sentences run on; labels and lists start a paragraph."""
    pieces: list[str] = []
    last_label = ""
    after_block = False
    for line in lines:
        if not line.body:
            continue
        label = line.label if line.label and line.label != last_label else ""
        last_label = line.label or last_label
        block = bool(label) or (line.unit is not None and line.unit.is_list)
        text = f"**{label}** {line.body}" if label else line.body
        if line.n:
            text += f" [{line.n}]"
        joint = "" if not pieces else "\n\n" if block or after_block or not line.n else " "
        pieces.append(joint + text)
        after_block = line.unit is not None and line.unit.is_list
    return pieces


def parts_of(text: str) -> tuple[list[str], list[str]]:
    """(quoted pieces, the advisor's own uncited notes) of a composed answer, labels removed.

    A quoted piece is a sentence, a list's lead-in, a list item or a card's front matter,
    as it stands in its source; tests use this to prove nothing was written.
    """
    pieces: list[str] = []
    notes: list[str] = []
    for paragraph in text.split("\n\n"):
        if not CITE.search(paragraph):
            notes.append(paragraph.strip())
            continue
        for row in paragraph.split("\n"):
            row = re.sub(r"^\*\*[^*]+\*\*\s*", "", row.strip())
            row = re.sub(r"^- ", "", row)
            pieces += [p.strip() for p in CITE.split(row) if p.strip()]
    return pieces, [n for n in notes if n]


def bare(text: str) -> str:
    return " ".join(CITE.sub("", normalize(text)).split())


def sentences_of(text: str) -> list[str]:
    plain = CITE.sub("", re.sub(r"\*\*[^*]+\*\*\s*", "", text))
    return [s.strip() for s in sentences(plain)]
