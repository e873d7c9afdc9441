"""The offline answer, composed from the corpus's structure rather than the top three sentences.

Order of an answer: what the question's shape calls for first (a learner's next plan
step, the role comparison, a FAQ's direct answer, the defining sentence, a fact for each
side compared, the resource cards), then the best-scored units to fill it (as many as
score close to the best: budget.py), then a fixed
note for any region, age, company or year the quotes do not cover. Every line is a
verbatim quote with its [n]; labels are headings, card titles and front matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from advisor.conversation.asks import AMOUNT, Ask, read_ask
from advisor.conversation.budget import fill, overlaps, with_paragraph
from advisor.conversation.cards import card_lines, favour_resources
from advisor.conversation.coherence import coherent
from advisor.conversation.coverage import note_for
from advisor.conversation.layout import render, with_labels
from advisor.conversation.leads import (
    Line,
    Numbering,
    PlanFor,
    RolesFor,
    missing_line,
    plan_lines,
    quote,
    role_lines,
)
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.relevance import faq_answers
from advisor.conversation.selection import narrowed, penalise, repeated, said_before
from advisor.conversation.state import learner
from advisor.conversation.structure import Unit, all_units
from advisor.extractive import Draft, Listing, Scored, score_units
from advisor.injection import flagged
from advisor.planning.profile import Profile, role_named
from advisor.records import Source
from advisor.text import normalize, tokens

Turn = tuple[str, str]
_BOILERPLATE_SECTIONS = ("About the Author",)
_BOILERPLATE = re.compile(r"\bthis guide is\b|\bstarting map\b|\bpublished by\b", re.I)
INTRO_MATCH = 0.34
INTRO_SIMILARITY = 0.55
"""Share of the question's words a sentence of the guide's untitled opening must hold to be
quoted (or match it this closely): its scene-setting ("Artificial intelligence has
transitioned ...") answers nothing."""


@dataclass
class Composition:
    """An answer's lines and the sources its [n] numbers point at."""

    lines: list[Line]
    sources: list[Source]
    extended: bool = False
    """True when sources beyond the retrieved ones are cited (a plan step, a role quote)."""
    pieces: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The whole answer."""
        return "".join(self.pieces)


class Composer:
    """Composes a cited answer from sources, the question's shape and the conversation so far."""

    def __init__(self, idf: Callable[[str], float] | None = None) -> None:
        self.idf: Callable[[str], float] = idf or (lambda _token: 1.0)
        self.lexicon: Callable[[], Lexicon] = lambda: Lexicon(lambda _token: True)
        self.plan_for: PlanFor | None = None
        self.roles_for: RolesFor | None = None

    def compose(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[Turn] = (),
        profile: Profile | None = None,
    ) -> Composition:
        """The answer to `question` from `sources`, weighed against what the chat said; an
        answer that would add nothing to the last one is chosen again with repeats held back.
        A plan answer is for `profile`, else for the learner the chat's messages describe."""
        if profile is None:
            profile = learner(history, question)
        said = said_before(history)
        composed = self._compose(question, sources, profile, said, False)
        last = said_before(history[-1:])
        cited = [ln for ln in composed.lines if ln.n]  # a note (uncited) adds no quote
        if last and cited and all(repeated(ln.quotes(), last) == 1 for ln in cited):
            composed = self._compose(question, sources, profile, said, True)
        return composed

    def _compose(
        self,
        question: str,
        sources: Sequence[Source],
        profile: Profile,
        said: frozenset[str],
        strict: bool,
    ) -> Composition:
        """One scored choice; `strict` leaves out what the conversation already quoted, but
        for the best-scored unit."""
        ask = read_ask(question)
        cite = Numbering(sources)
        units = [u for u in all_units(sources) if self._usable(u, sources, ask)]
        scored = score_units(question, units, sources, self.idf)
        scored = penalise([s for s in scored if _answers(s, sources)], said)
        if strict:  # the best unit may be said again (the need); the rest must be new
            scored = scored[:1] + [s for s in scored[1:] if repeated(s.unit.sentences, said) < 1]
        if ask.resource:
            scored = favour_resources(scored, sources)
        lines = self._leads(question, ask, scored, sources, profile, cite)
        if strict:
            lines = [ln for ln in lines if not ln.quotes() or repeated(ln.quotes(), said) < 1]
        if not ((ask.next_steps or (ask.roles and ask.aspect)) and lines):
            lines += fill(lines, scored, 2 if ask.roles else 1)
            lines = with_paragraph(lines, scored)
        lines = narrowed(lines, question, said, self.idf)  # a list said before: its answer
        lines = coherent(with_labels(lines, cite.sources), cite.sources)
        quoted = [q for line in lines for q in line.quotes()] + [ln.body for ln in lines]
        noted = AMOUNT.sub(" ", question) if ask.next_steps else question  # the plan used it
        cards = [(s.title, s.text) for s in cite.sources if s.kind and s.kind != "guide"]
        titles = [s.title for s in cite.sources]
        covered = note_for(noted, quoted, titles, self.lexicon(), cards)
        if covered and lines:
            lines.append(Line(covered))
        return Composition(lines, cite.sources, cite.extended, render(lines))

    # --- what may be quoted -----------------------------------------------------
    def _usable(self, unit: Unit, sources: Sequence[Source], ask: Ask) -> bool:
        if sources[unit.source - 1].flagged or any(flagged(s) for s in unit.sentences):
            return False  # instructions to the reader or the model are never quoted as advice
        if ask.about_author and unit.path in _BOILERPLATE_SECTIONS:
            return True  # "who wrote this guide?": the author's name and title are the answer
        if not ask.about_guide and (
            unit.path.split(" > ")[0] in _BOILERPLATE_SECTIONS
            or any(_BOILERPLATE.search(s) for s in unit.sentences)
        ):
            return False
        if len(unit.words()) >= 3:
            return True
        return bool(unit.faq_question) and unit.opens_paragraph  # a FAQ's "No." leads, below

    # --- what leads -------------------------------------------------------------
    def _leads(
        self,
        question: str,
        ask: Ask,
        scored: list[Scored],
        sources: Sequence[Source],
        profile: Profile,
        cite: Numbering,
    ) -> list[Line]:
        if ask.next_steps and self.plan_for is not None:
            steps = plan_lines(self.plan_for(profile), cite)
            return [*steps, missing_line(profile)] if steps else []
        lines: list[Line] = []
        if ask.about_author:
            author = [s.unit for s in scored if s.unit.path in _BOILERPLATE_SECTIONS]
            lines += [quote(u) for u in sorted(author, key=lambda u: (u.source, u.position))]
        if ask.roles and self.roles_for is not None:
            lines += role_lines(ask.roles, self.roles_for(), cite, ask.aspect)
        if (ask.cost or ask.section) and any(s.kind and s.kind != "guide" for s in sources):
            return _unique(
                lines + card_lines(question, ask, scored, sources)
            )  # the card's facts answer
        defined = _definition(ask.definition, scored, sources)
        lines += defined or self._faq(question, scored)
        for side in ask.sides if not ask.roles else ():
            lines += _about(side, scored, lines)
        if ask.resource:
            lines += card_lines(question, ask, scored, sources)
        return _unique(lines)

    def _faq(self, question: str, scored: list[Scored]) -> list[Line]:
        """A FAQ's direct answer (and the next sentence when the answer is as short as "No."),
        when that FAQ answers the question asked."""
        for rank, s in enumerate(scored[:3]):
            heading = s.unit.faq_question
            if not heading:
                continue
            same = [x.unit for x in scored if x.unit.path == s.unit.path]
            same.sort(key=lambda u: u.position)
            if not faq_answers(question, heading, same[0].sentences[0], self.idf, rank == 0):
                continue
            if not same[0].opens_paragraph:
                return []
            answer = same[:2] if len(tokens(same[0].sentences[0])) < 3 else same[:1]
            label = heading if len(tokens(answer[0].sentences[0])) < 3 else ""
            return [quote(u, label if i == 0 else "") for i, u in enumerate(answer)]
        return []


def _answers(s: Scored, sources: Sequence[Source]) -> bool:
    """False for the guide's untitled opening (scene-setting) unless it holds the question."""
    source = sources[s.unit.source - 1]
    opening = source.kind == "guide" and not s.unit.path
    return not opening or s.keyword >= INTRO_MATCH or s.similarity >= INTRO_SIMILARITY


def _definition(term: str, scored: list[Scored], sources: Sequence[Source]) -> list[Line]:
    """The sentence that defines `term` ("Docker is ..."), or the opening of its own section."""
    if not term:
        return []
    one = _singular(term)  # "what do ml engineers do?" asks about the role "ML Engineer"
    name = normalize(role_named(term) or role_named(one) or one)
    starts = re.compile(
        rf"^(?:the )?{re.escape(name)}s?\b(?: \([^)]*\)|, [^,]{{1,80}},)? (?:is|are|means)\b"
    )
    heads = re.compile(
        rf"^(?:(?:the )?{re.escape(name)}s?\b(?: \([^)]*\))?|[^()—–:]{{1,80}} \((?:the )?"
        rf"{re.escape(name)}s?\)) (?:—|–|-|:) "
    )  # "CNN": "Convolutional Neural Networks (CNNs) — for image and spatial data"
    for s in scored:
        if starts.match(normalize(s.unit.sentences[0])):
            return [quote(s.unit)]
    for s in scored:
        if any(heads.match(normalize(item)) for item in s.unit.items):
            return [quote(s.unit)]  # "Transformers — the architecture ...": its whole list
    for s in scored:  # "what is an applied ai engineer": the section headed by the term
        if normalize(s.unit.heading) in (name, f"{name}s") and s.unit.opens_paragraph:
            return [quote(s.unit)]
    return []


def _singular(term: str) -> str:
    """The term without a plural's final "s" ("ml engineers"; "pandas" keeps its own: the
    patterns below take an "s" after the name back)."""
    return term[:-1] if term.endswith("s") and not term.endswith("ss") else term


def _about(side: str, scored: list[Scored], lines: list[Line]) -> list[Line]:
    """The best unit about one side of a comparison, unless an earlier line already covers it."""
    words = set(tokens(side))
    if not words or any(_holds(set(tokens(" ".join(line.quotes()))), words) for line in lines):
        return []
    for s in scored:
        if _holds(s.unit.words(), words) and len(s.unit.words()) >= 3:
            return [quote(s.unit)]
    return []


def _holds(text: set[str] | frozenset[str], words: set[str]) -> bool:
    """True when the text holds every word, or its plural ("cnn" in "... (CNNs) — ...")."""
    return all(w in text or f"{w}s" in text for w in words)


def defines(term: str, sources: Sequence[Source]) -> bool:
    """True when a source defines `term` (a sentence "X is ..." or a list item "X — ...")."""
    units = all_units(sources)
    scored = [Scored(u, 0.0, 0.0) for u in units]
    return bool(term) and bool(_definition(term, scored, sources))


def _unique(lines: list[Line]) -> list[Line]:
    kept: list[Line] = []
    quoted: set[str] = set()
    for line in lines:
        if line.unit is not None and overlaps(line.unit, quoted):
            continue
        kept.append(line)
        quoted.update(line.quotes())
    return kept


class ExtractiveAnswerer:
    """The offline answerer: composes answers only from quoted units of the sources."""

    name = "extractive"

    def __init__(self, idf: Callable[[str], float] | None = None) -> None:
        self.composer = Composer(idf)

    def set_idf(self, idf: Callable[[str], float]) -> None:
        """Use term weights from the keyword index (rare words count more)."""
        self.composer.idf = idf

    def set_lexicon(self, lexicon: Callable[[], Lexicon]) -> None:
        """Know the corpus's words, to name what a question asks that the sources never say."""
        self.composer.lexicon = lexicon

    def set_structure(self, plan_for: PlanFor, roles_for: RolesFor) -> None:
        """Let answers quote a learner's plan steps and the role comparison."""
        self.composer.plan_for = plan_for
        self.composer.roles_for = roles_for

    def stream(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[Turn] = (),
        deadline: object = None,
        profile: Profile | None = None,
    ) -> Iterator[str | Draft | Listing]:
        """Yield the answer line by line, then the Draft (local and quick: no deadline applies);
        a plan answer is for `profile` (else the learner the history describes).

        When it cites sources beyond the retrieved ones, their Listing comes first."""
        composed = self.composer.compose(question, sources, history, profile)
        listed = tuple(composed.sources) if composed.extended else None
        if listed is not None:
            yield Listing(listed)
        yield from composed.pieces
        yield Draft(composed.text, sources=listed)

    def answer(
        self, question: str, sources: Sequence[Source], history: Sequence[Turn] = ()
    ) -> Draft:
        """The whole answer at once."""
        composed = self.composer.compose(question, sources, history)
        return Draft(composed.text, sources=tuple(composed.sources) if composed.extended else None)
