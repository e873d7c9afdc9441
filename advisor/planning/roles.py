"""Machine Learning Engineer, Data Scientist and Applied AI Engineer side by side.

Each cell is a list of verbatim quotes from the guide. A quote is looked up in
the store when the table is built: found, it is shown and cited; missing (a
re-worded guide, another corpus), the cell says the sources do not cover it.
Cells the guide never addresses say so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.planning.outline import Citations, Outline
from advisor.records import Source
from advisor.safety import safe_markdown

ROLES = ("Machine Learning Engineer", "Data Scientist", "Applied AI Engineer")
ASPECTS = ("Focus", "Typical work", "Skills emphasised", "Entry accessibility", "Pay")

NOT_COVERED = "Not covered by the guide."
MLOPS_QUOTE = "MLOps is what differentiates a data scientist from a machine learning engineer"
"""The guide's one sentence on what sets ML engineers apart (also quoted in plans' step 6)."""

QUOTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Machine Learning Engineer", "Focus"): (
        "Focuses on building, optimizing, and deploying ML models at production scale.",
    ),
    ("Machine Learning Engineer", "Typical work"): (
        "writing clean, maintainable code, managing data pipelines, and operating ML"
        " infrastructure",
    ),
    ("Machine Learning Engineer", "Skills emphasised"): (
        "Heavy emphasis on software engineering practices",
        MLOPS_QUOTE,
    ),
    ("Machine Learning Engineer", "Entry accessibility"): (
        "Many ML engineers work at top companies without advanced degrees.",
        "typically 12–24 months of dedicated learning before reaching entry-level readiness",
    ),
    ("Machine Learning Engineer", "Pay"): (
        "In the US market, entry-level ML roles typically start at $100,000–130,000 USD.",
        "Senior ML engineers and research scientists at major technology companies frequently"
        " earn $200,000–400,000 USD in total compensation.",
    ),
    ("Data Scientist", "Focus"): (
        "Focuses on research, analysis, and model building to answer business questions.",
    ),
    ("Data Scientist", "Typical work"): (
        "exploring data, developing hypotheses, and building proof-of-concept models",
    ),
    ("Data Scientist", "Skills emphasised"): ("More experimental and statistical in nature.",),
    ("Applied AI Engineer", "Focus"): (
        "focuses on building systems and products on top of existing AI models — particularly"
        " large language models (LLMs)",
    ),
    ("Applied AI Engineer", "Typical work"): (
        "Uses APIs, prompt engineering, retrieval-augmented generation (RAG), and orchestration"
        " frameworks.",
    ),
    ("Applied AI Engineer", "Entry accessibility"): (
        "This is one of the most accessible entry points into AI engineering.",
    ),
}


@dataclass(frozen=True)
class Cell:
    """One role's entry for one aspect: guide quotes with their [n], or not covered."""

    role: str
    aspect: str
    quotes: tuple[str, ...] = ()
    citations: tuple[int, ...] = ()

    @property
    def covered(self) -> bool:
        """True when the guide says something about this aspect of this role."""
        return bool(self.quotes)

    def text(self) -> str:
        """The quotes, each starting with a capital and followed by its citation, or the
        not-covered note."""
        if not self.covered:
            return NOT_COVERED
        return " ".join(
            f"{capitalised(q)} [{n}]" for q, n in zip(self.quotes, self.citations, strict=True)
        )


def capitalised(quote: str) -> str:
    """A quote as a table cell starts it ("writing clean code" -> "Writing clean code")."""
    return quote[:1].upper() + quote[1:]


@dataclass(frozen=True)
class RoleComparison:
    """The three roles side by side; `sources[n-1]` is what [n] cites."""

    roles: tuple[str, ...]
    aspects: tuple[str, ...]
    cells: tuple[Cell, ...]
    sources: list[Source] = field(default_factory=list)

    def cell(self, role: str, aspect: str) -> Cell:
        """The cell for a role and an aspect."""
        return next(c for c in self.cells if c.role == role and c.aspect == aspect)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `GET /v1/roles/compare`."""
        return {
            "roles": list(self.roles),
            "aspects": list(self.aspects),
            "cells": [
                {
                    "role": c.role,
                    "aspect": c.aspect,
                    "covered": c.covered,
                    "text": c.text(),
                    "quotes": list(c.quotes),
                    "citations": list(c.citations),
                }
                for c in self.cells
            ],
            "sources": [s.to_dict() for s in self.sources],
        }

    def to_markdown(self, sources: bool = True) -> str:
        """A Markdown table (aspects as rows, roles as columns) and its numbered sources
        (left out with `sources=False`, for a page that lists them once for everything)."""
        head = "| | " + " | ".join(self.roles) + " |"
        rule = "|---" * (len(self.roles) + 1) + "|"
        rows = [
            f"| **{aspect}** | "
            + " | ".join(self.cell(role, aspect).text() for role in self.roles)
            + " |"
            for aspect in self.aspects
        ]
        listed = source_lines(self.sources) if sources else []
        return safe_markdown("\n".join([head, rule, *rows, "", *listed]).rstrip())


def compare_roles(outline: Outline, citations: Citations | None = None) -> RoleComparison:
    """The comparison table, every quote checked against the stored guide and cited
    (numbered after what `citations` already holds, when given: one list per page)."""
    citations = citations or Citations()
    cells = []
    for aspect in ASPECTS:
        for role in ROLES:
            found = []
            for quote in QUOTES.get((role, aspect), ()):
                chunk = outline.find(quote)
                if chunk is not None:
                    found.append((quote, citations.cite(chunk)))
            cells.append(Cell(role, aspect, tuple(q for q, _ in found), tuple(n for _, n in found)))
    return RoleComparison(ROLES, ASPECTS, tuple(cells), citations.sources)


def source_lines(sources: list[Source]) -> list[str]:
    """Markdown lines "[n] title — section (url)" for a numbered source list."""
    lines = ["**Sources**", ""] if sources else []
    for n, source in enumerate(sources, 1):
        where = f" — {source.section}" if source.section else ""
        link = f" ({source.url})" if source.url else ""
        lines.append(f"- [{n}] {source.title}{where}{link}")
    return lines
