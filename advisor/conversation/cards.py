"""Resource cards in an answer: their front matter and a quote, the ones the question names
first, and the units that point at resources favoured for a resource question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from advisor.conversation.asks import Ask
from advisor.conversation.leads import Line, card_line, quote
from advisor.conversation.structure import Unit
from advisor.conversation.vocabulary import short_name
from advisor.extractive import Scored
from advisor.records import Source
from advisor.text import STOPWORDS, normalize, tokens

_COST_WORDS = re.compile(
    r"\b(?:free|paid|cost|price|pricing|subscription|audit|open[- ]source)\b", re.I
)
RESOURCE_BONUS = 0.5
"""Added, for a resource question, to a unit naming a resource (a card's title, a course,
a video series): the guide's own pointers to resources answer such questions."""


def card_lines(
    question: str, ask: Ask, scored: list[Scored], sources: Sequence[Source]
) -> list[Line]:
    """Resource cards among the sources (of the kind asked for): front matter and a quote
    (from any of the card's sections among the sources: its cost section for "is it free?")."""
    cards = [n for n, s in enumerate(sources, 1) if s.kind and s.kind != "guide"]
    asked = set(tokens(question))
    cards.sort(key=lambda n: not set(tokens(short_name(sources[n - 1].title))) <= asked)
    named = _named(cards, sources, asked)
    cards = [n for n in cards if n in named] or cards  # "is the andrew ng thing free?": that one
    if ask.kind:
        cards = [n for n in cards if sources[n - 1].kind == ask.kind] or cards
    lines: list[Line] = []
    titles: set[str] = set()
    for n in cards:
        source = sources[n - 1]
        if source.title in titles or len(titles) == 2:
            continue
        titles.add(source.title)
        lines.append(card_line(source, n))
        own = [
            s
            for s in scored
            if sources[s.unit.source - 1].title == source.title and len(s.unit.words()) >= 3
        ]
        if ask.cost:
            own = [s for s in own if any(_COST_WORDS.search(x) for x in s.unit.sentences)] or own
        if ask.section:
            own = [s for s in own if s.unit.heading == ask.section] or own
        unasked = _unasked(source.title, asked)
        own.sort(key=lambda s: _opens_with(s.unit, unasked))  # stable: best first otherwise
        if own:
            lines.append(quote(own[0].unit))
    if ask.kind and lines and all(sources[n - 1].kind != ask.kind for n in cards):
        lines.append(Line(f"None of the resources the sources give for this is a {ask.kind}."))
    return lines


def _named(cards: list[int], sources: Sequence[Source], asked: set[str]) -> set[int]:
    """The cards the question names by a word of the title no other card's title has (its
    name, byline or platform: "andrew ng", "coursera", "github")."""
    words = {t: set(tokens(t)) - STOPWORDS for t in {sources[n - 1].title for n in cards}}
    own = {t: w.difference(*(v for u, v in words.items() if u != t)) for t, w in words.items()}
    return {n for n in cards if asked & own[sources[n - 1].title]}


def _unasked(title: str, asked: set[str]) -> set[str]:
    """The words of the things a card's title names ("TensorFlow / Keras") that the question
    does not name, when it names one of them; else none."""
    names = [set(tokens(name)) for name in title.split("/")]
    if len(names) < 2 or not any(name & asked for name in names):
        return set()
    return {word for name in names if not name & asked for word in name}


def _opens_with(unit: Unit, words: set[str]) -> bool:
    """True when the unit's first word is one of `words`: of a card about two things, a
    sentence opening with the one the question did not name is about that one ("Keras is
    ... created by François Chollet" for "who made TensorFlow?")."""
    first = tokens(unit.sentences[0])[:1]
    return bool(first) and first[0] in words


def favour_resources(scored: list[Scored], sources: Sequence[Source]) -> list[Scored]:
    """Units naming a resource (a card among the sources, a course, a video series) first."""
    titles = {normalize(s.title) for s in sources if s.kind and s.kind != "guide"}
    named = re.compile(r"\b(?:cours(?:e|es|era)|videos?|youtube|series|channel|book)\b")

    def names(unit: Unit) -> bool:
        text = normalize(" ".join(unit.sentences))
        return bool(named.search(text)) or any(t in text for t in titles)

    favoured = [replace(s, score=s.score + RESOURCE_BONUS) if names(s.unit) else s for s in scored]
    favoured.sort(key=lambda s: (-s.score, s.unit.source, s.unit.position))
    return favoured
