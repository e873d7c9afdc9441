"""Qualifiers the sources lack (a region, an age, a company, a year) and the note that says so.

A question such as "Salaries in Europe?" is answered with what the guide does say,
followed by one fixed sentence naming what it does not cover ("The guide gives US
figures only; it has none for Europe."). The note is the advisor's only own sentence
and never carries a citation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from advisor.conversation.asks import AMOUNT, read_ask
from advisor.text import normalize

CAREER_MOVE_MARGIN = 0.08
"""The same for a career change into the field ("can I switch careers at 40?" 0.28), which
matches no passage well; one naming another field ("... to nursing at 40?") gets none."""
_CAREER_MOVE = re.compile(
    r"\b(?:switch\w*|chang\w*|mov\w*|transition\w*|pivot\w*)\s+(?:my\s+)?(?:careers?|fields?|jobs?)"
    r"|\bcareer\s+(?:change|switch|move)\w*|\btoo\s+(?:old|late)\b"
)
_FIELD = re.compile(r"(?:ai|ml|machine|data|deep|tech\w*|software|engineer\w*|programming)$")
_REGIONS = (
    "europe|european union|eu|uk|united kingdom|britain|england|scotland|ireland|germany|"
    "france|spain|italy|netherlands|poland|portugal|sweden|switzerland|india|china|japan|"
    "korea|singapore|australia|new zealand|canada|mexico|brazil|latin america|south america|"
    "africa|nigeria|kenya|south africa|asia|middle east|dubai|uae|israel|pakistan|"
    "bangladesh|philippines|indonesia|vietnam|london|berlin|paris|amsterdam|bangalore|"
    "bengaluru|toronto|sydney"
)
_REGION = re.compile(rf"\b(?:in|for|from|across|based in|about)\s+(?:the\s+)?({_REGIONS})\b")
_COMPANY = re.compile(
    r"\b(google|alphabet|deepmind|meta|facebook|amazon|aws|microsoft|apple|netflix|nvidia|"
    r"openai|anthropic|tesla|ibm|uber|airbnb|spotify|salesforce|oracle|intel)\b"
)
_AGE = re.compile(
    r"\b(?:at|aged?|i'?m|i am|turning|over)\s+(\d{2})\b(?!\s*(?:hours|h|hrs|months|weeks|k|%))"
    r"|\b(\d{2})\s*(?:years? old|yo|y/o)\b|\bin my (\d0)s\b"
    r"|\b(too old|too late|my age|older learners?)\b"
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_COMMITMENT = re.compile(r"\b(?:full|part)[\s-]?time\b")
"""The hours a week said in words ("if i study full time"): an hour count like "10 hours"."""
PASSING = 1
"""Mentions in a card's quoted passage at or below which a term is named only in passing."""


@dataclass(frozen=True)
class Qualifier:
    """Something the question narrows to: kind ("region", "age", "company", "year", "time")
    and words."""

    kind: str
    value: str
    """As the question says it, e.g. "europe", "40", "google", "2030"."""

    def label(self) -> str:
        """How the note names it ("Europe", "UK", "Google")."""
        if len(self.value) <= 3 and self.value.isalpha():
            return self.value.upper()
        return self.value.title() if self.kind in ("region", "company") else self.value


def qualifiers(question: str) -> list[Qualifier]:
    """The region, age, company and year qualifiers a question names."""
    text = normalize(question)
    found = [Qualifier("region", m.group(1)) for m in _REGION.finditer(text)]
    found += [Qualifier("company", m.group(1)) for m in _COMPANY.finditer(text)]
    for m in _AGE.finditer(text):
        value = next(g for g in m.groups() if g)
        if not value.isdigit() or 16 <= int(value) <= 90:
            found.append(Qualifier("age", value))
    if any(q.kind == "age" and q.value.isdigit() for q in found):  # "45, too late?": 45
        found = [q for q in found if q.kind != "age" or q.value.isdigit()]
    found += [Qualifier("year", m.group(1)) for m in _YEAR.finditer(text)]
    found += [Qualifier("time", m.group(0)) for m in _COMMITMENT.finditer(text)]
    unique = {(q.kind, q.value): q for q in found}
    return list(unique.values())


def relevance_bar(question: str, min_relevance: float) -> float:
    """The similarity a question's best passage needs to be answered rather than refused.

    Asked of a career advisor, "where should I start?" and a move into the field are about
    the path the guide lays out, however few of the guide's words they share. A question
    narrowed by a region, company, age or year has no margin of its own: it is searched
    again without them (`coverage.answerable_part`), and the answer notes them.
    """
    if career_move(question) or read_ask(question).next_steps:
        return min_relevance - CAREER_MOVE_MARGIN
    return min_relevance


def career_move(question: str) -> bool:
    """A question about changing careers that names no destination outside the field.

    "Can I switch careers at 40?" asked of an AI/ML career advisor is about moving into
    AI/ML; "how do I switch careers to nursing?" names another field and gets no leeway.
    """
    text = normalize(question)
    for move in _CAREER_MOVE.finditer(text):
        goal = re.search(r"\b(?:to|into|in)\s+(?:an?\s+|the\s+)?([a-z][\w-]*)", text[move.end() :])
        if goal is None or _FIELD.match(goal.group(1)):
            return True
    return False


def uncovered(question: str, quoted: Iterable[str], titles: Iterable[str] = ()) -> list[Qualifier]:
    """The question's qualifiers that none of the quoted text mentions.

    A year also counts as covered when a source's title names it ("... in 2026").
    """
    named = normalize(" ".join(titles))
    said = normalize(" ".join(quoted))
    for title in {normalize(t) for t in titles if t}:
        said = said.replace(title, " ")  # "Google Vertex AI" names a product, not the company
    missing = []
    for q in qualifiers(question):
        if q.kind == "year" and re.search(rf"\b{q.value}\b", named):
            continue
        if q.kind == "age" and not q.value.isdigit():
            missing.append(q)  # "too old": the guide never speaks of age
        elif not re.search(rf"\b{re.escape(q.value)}\b", said):
            missing.append(q)
    return missing


def card_note(term: str, passages: Sequence[tuple[str, str]]) -> str:
    """What the sources say of a term only cards name: which card, and whether in passing.

    `passages` are the (card title, passage text) pairs the answer cites. "The guide doesn't
    mention Kubernetes; the Docker card names it only in passing." """
    key = normalize(term)
    counts = [
        (title, len(re.findall(rf"\b{re.escape(key)}\b", normalize(f"{title} {text}"))))
        for title, text in passages
    ]
    named = [(title, n) for title, n in counts if n]
    if not named:
        return f"The guide doesn't mention {term}."
    title, n = max(named, key=lambda pair: pair[1])
    if n <= PASSING and key not in normalize(title):
        return f"The guide doesn't mention {term}; the {title} card names it only in passing."
    return f"The guide doesn't mention {term}; the {title} card covers it."


def coverage_note(missing: Sequence[str], instead: str = "") -> str:
    """One plain sentence naming what the guide does not mention ("" when nothing is missing),
    and the figure of the same kind it does give, if any ("its figure is 12–24 months ...")."""
    if not missing:
        return ""
    names = list(dict.fromkeys(missing))
    joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    tail = f"; the figure it gives is {instead}" if instead else ""
    return f"The guide doesn't mention {joined}{tail}."


def given_instead(missing: Sequence[str], quoted: Iterable[str]) -> str:
    """For a missing amount of time ("10 hours a week"), the quoted amount of time with the
    words that say what it counts ("12–24 months of dedicated learning"), else ""."""
    if not any(_time(m) for m in missing if AMOUNT.fullmatch(m) or _UNIT_ASKED.fullmatch(m)):
        return ""
    for sentence in quoted:
        for found in AMOUNT.finditer(sentence):
            if not _time(found.group(0)) or found.group(0) in missing:
                continue
            after = re.match(r"((?:\s+[a-z][\w-]*){0,3})", sentence[found.end() :])
            return (found.group(0) + (after.group(1) if after else "")).strip()
    return ""


_UNIT_ASKED = re.compile(
    r"(?:hours?|days?|weeks?|months?|years?)(?:\s+(?:a|per|each|every|/)\s+(?:day|week|month|year))?",
    re.I,
)
"""A unit of time a question asks its amount in, with no number ("hours a week", "weeks")."""


def _time(amount: str) -> bool:
    """True for an amount of time (hours, days, weeks, months, years)."""
    return bool(re.search(r"(?:hours?|hrs?|\bh|days?|weeks?|months?|years?|yrs?)\b", amount))
