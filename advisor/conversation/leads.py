"""Lines that lead an answer from the corpus's structure: plan steps, the role comparison, cards.

A `Line` is one quoted unit (or a resource card's front matter) with its [n] and an
optional bold label naming its subject. Nothing here writes a fact of its own: the
labels are headings, card titles and front-matter fields; the quotes are verbatim.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from advisor.conversation.structure import Unit, units
from advisor.planning.plan import Plan, PlanStep
from advisor.planning.profile import Profile
from advisor.planning.roles import RoleComparison
from advisor.records import Source
from advisor.text import tokens

PlanFor = Callable[[Profile], Plan]
RolesFor = Callable[[], RoleComparison]
ROLE_ASPECTS = ("Focus", "Skills emphasised")
"""What the role comparison quotes for each role a question compares."""


@dataclass(frozen=True)
class Line:
    """One piece of an answer: a quote with its [n], a card's front matter, or a fixed note."""

    body: str
    n: int = 0
    """The [n] it cites (0: an uncited note of the advisor's own)."""
    label: str = ""
    """A bold subject label, its punctuation included ("Data Scientist:")."""
    unit: Unit | None = None

    def quotes(self) -> tuple[str, ...]:
        """The verbatim sentences this line quotes."""
        return self.unit.sentences if self.unit else ()


class Numbering:
    """The sources an answer cites: the retrieved ones first, then any it adds."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self.retrieved = len(self.sources)
        self._by_id = {s.id: n for n, s in enumerate(self.sources, start=1)}

    def cite(self, source: Source) -> int:
        """The [n] of a source, appended on first use."""
        if source.id not in self._by_id:
            self.sources.append(source)
            self._by_id[source.id] = len(self.sources)
        return self._by_id[source.id]

    @property
    def extended(self) -> bool:
        """True when sources beyond the retrieved ones were cited."""
        return len(self.sources) > self.retrieved


def quote(unit: Unit, label: str = "") -> Line:
    """A unit as a line citing its own source."""
    return Line(unit.body(), unit.source, label, unit)


def role_lines(
    roles: Sequence[str], comparison: RoleComparison, cite: Numbering, aspect: str = ""
) -> list[Line]:
    """For each role compared: the comparison table's focus and skills quotes, cited; for a
    question about one aspect ("which is easier to get into?"), that aspect's quotes, the
    other roles the guide says something about, and a note for each role it says nothing of."""
    if aspect:
        return _aspect_lines(roles, comparison, cite, aspect)
    lines = []
    for role in roles:
        for aspect in ROLE_ASPECTS:
            cell = comparison.cell(role, aspect)
            for text, c in zip(cell.quotes, cell.citations, strict=True):
                n = cite.cite(comparison.sources[c - 1])
                unit = Unit(n, (text,), role, 0)
                lines.append(Line(text, n, f"{role}:", unit))
                break  # one quote per aspect keeps each side short
    return lines


def _aspect_lines(
    roles: Sequence[str], comparison: RoleComparison, cite: Numbering, aspect: str
) -> list[Line]:
    lines: list[Line] = []
    silent: list[str] = []
    others = [r for r in comparison.roles if r not in roles]
    for role in [*roles, *others]:
        cell = comparison.cell(role, aspect)
        if not cell.quotes:
            silent += [role] if role in roles else []
            continue
        text, c = cell.quotes[0], cell.citations[0]
        n = cite.cite(comparison.sources[c - 1])
        lines.append(Line(text, n, f"{role}:", Unit(n, (text,), role, 0)))
    if silent and lines:
        named = " or ".join(f"the {r.lower()}" for r in silent)
        lines.append(Line(f"The guide says nothing on this point about {named}."))
    return lines


def card_facts(source: Source) -> str:
    """A card's front matter in words: "video series; cost: free; level: beginner"."""
    facts = [source.kind] if source.kind else []
    facts += [f"cost: {source.cost}"] if source.cost else []
    facts += [f"level: {source.level}"] if source.level else []
    return "; ".join(facts)


def card_line(source: Source, n: int) -> Line:
    """A resource card's title and front matter, cited to the card."""
    return Line(card_facts(source), n, f"{source.title}:")


def plan_lines(plan: Plan, cite: Numbering) -> list[Line]:
    """The learner's next step from their plan: its heading, the guide's words, its resources."""
    ahead = [s for s in plan.steps if s.status != "skipped"]
    if plan.profile.target_role:  # a chosen role: the role landscape (step 1) is behind them
        ahead = [s for s in ahead if s.number != 1] or ahead
    if not ahead:
        return []
    step = ahead[0]
    lines = _step_lines(step, plan, cite, f"Your next step — step {step.number}, {step.title}")
    for resource in step.resources[:3]:
        source = plan.sources[resource.citation - 1]
        lines.append(card_line(source, cite.cite(source)))
    if len(ahead) > 1:
        after = ahead[1]
        lines += _step_lines(after, plan, cite, f"After that — step {after.number}, {after.title}")[
            :1
        ]
    return lines


def _step_lines(step: PlanStep, plan: Plan, cite: Numbering, heading: str) -> list[Line]:
    source = plan.sources[step.citation - 1]
    n = cite.cite(source)
    notes = " ".join(note for note in step.notes if "[" not in note)
    label = f"{heading} ({notes.rstrip('.')})" if notes else heading
    found = [u for u in units(source, n) if len(tokens(" ".join(u.sentences))) >= 3]
    found = [u for u in found[:2] if found and u.path == found[0].path]
    lines = []
    for i, unit in enumerate(found):
        lines.append(quote(unit, f"{label}:" if i == 0 else ""))
    return lines


def missing_line(profile: Profile) -> Line:
    """The advisor's question for what the plan still assumes (a fixed template, uncited)."""
    missing = profile.missing()
    if not missing:
        return Line("")
    return Line("To fit these steps to you, tell me " + ", ".join(missing) + ".")
