"""Second looks for two question shapes that the fused search serves poorly.

- A question about one resource (what it is, its cost, who it is for, videos or courses)
  also searches that resource's own card. A card is
  stored section by section, and the section that answers "is the Machine Learning
  Specialization free?" (its Cost) never repeats the card's name, so it ranks below the
  guide's passages that do.
- "What is X?" also searches for X alone when no source defines it: in "what does
  feature engineering involve", "engineer" pulls the role passages first, while the
  guide defines the term in step 4's list ("Feature engineering — encoding, ...").

- A term of the question that the sources use in only a few passages ("autograd",
  "sweeps", "plotting") brings those passages: the one sentence that says what the term
  is can rank below passages that merely sound like the question, and a rare word is the
  question's strongest evidence of what it is about.

All reuse the question's embedding (the keyword side gets the narrower text), so a
second look costs no model call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from advisor.conversation.asks import read_ask
from advisor.conversation.compose import defines
from advisor.conversation.english import names_a_thing
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.vocabulary import RESOURCE, Vocabulary, short_name
from advisor.records import Chunk, Source
from advisor.text import tokens

CARD_SECTIONS = 2
"""Sections of the named card added to the sources (when not already among them)."""
DEFINING = 6
"""Passages searched for a term no source defines."""
RARE = 3
"""A term the sources use in at most this many passages is rare: those passages are added."""
RARE_ADDED = CARD_SECTIONS
"""Passages rare terms may add to the sources."""

Search = Callable[[str, int, "dict[str, Any] | None"], Sequence[Source]]
"""(text for the keyword side, k, filters) -> sources, with the question's own embedding."""


def focus(
    question: str,
    sources: Sequence[Source],
    search: Search,
    vocabulary: Vocabulary,
    titles: Mapping[str, str],
    k: int,
) -> list[Source]:
    """The sources, with the named card's best sections or the passage defining the term."""
    found = list(sources)
    ask = read_ask(question)
    about_card = ask.definition or ask.cost or ask.audience or ask.resource
    title = named_card(question, vocabulary, titles) if titles and about_card else None
    if title is not None:
        card = search(question, CARD_SECTIONS + len(found), {"title": title})
        found = with_card(found, card, k)
    for named in named_cards(question, vocabulary, titles)[:2] if ask.section else ():
        where = {"$and": [{"title": named}, {"section": ask.section}]}  # "who made it?"
        found = with_card(found, search(question, 1, where), k)
    term = ask.definition
    if term and not defines(term, found):
        defining = [s for s in search(term, DEFINING, None) if defines(term, [s])]
        found = with_card(found, defining, k)
    return found


def own_terms(question: str, lexicon: Lexicon, vocabulary: Vocabulary) -> list[str]:
    """The question's content words (neither everyday English nor chat) outside the names it
    uses: a named card has its own look ("StatQuest" is no rare term)."""
    named = {w for e in vocabulary.find(question) for w in e.surface.lower().split()}
    return [w for w in lexicon.content_words(question) if w.lower() not in named]


def rare_terms(
    words: Sequence[str],
    sources: Sequence[Source],
    search: Search,
    holding: Callable[[str], Sequence[Chunk]],
    k: int,
) -> list[Source]:
    """The sources, with the passages that hold the question's rare terms (`words`, from
    `own_terms`) when they are not already among them."""
    have = {s.id for s in sources}
    added: list[Source] = []
    for word in words:
        if not names_a_thing(word):
            continue  # "teach", "explain": a rare verb says little of what is asked about
        parts = tokens(word)
        chunks = holding(parts[0]) if len(parts) == 1 else []
        if not chunks or len(chunks) > RARE:
            continue
        for chunk in chunks:
            if chunk.id in have or len(added) >= RARE_ADDED:
                continue
            where = {"$and": [{"title": chunk.title}, {"section": chunk.section}]}
            found = [s for s in search(word, RARE, where) if s.id == chunk.id]
            added += found[:1]
            have.add(chunk.id)
    return with_card(sources, added, k)


def card_titles(titles: Iterable[str]) -> dict[str, str]:
    """Card titles by the short name a message uses for them ("StatQuest" -> its full title)."""
    by_name: dict[str, set[str]] = {}
    for title in titles:
        by_name.setdefault(short_name(title), set()).add(title)
    return {name: next(iter(found)) for name, found in by_name.items() if len(found) == 1}


def named_card(question: str, vocabulary: Vocabulary, titles: Mapping[str, str]) -> str | None:
    """The title of the one card the question names, or None (none, or several)."""
    found = named_cards(question, vocabulary, titles)
    return found[0] if len(found) == 1 else None


def named_cards(question: str, vocabulary: Vocabulary, titles: Mapping[str, str]) -> list[str]:
    """The titles of the cards the question names, in the order it names them."""
    names = [e.name for e in vocabulary.find(question) if e.kind == RESOURCE]
    return list(dict.fromkeys(titles[n] for n in names if n in titles))


def with_card(sources: Sequence[Source], more: Sequence[Source], k: int) -> list[Source]:
    """The sources with up to CARD_SECTIONS more after the best one; none dropped among the
    first `k`, nor any an earlier second look added."""
    have = {s.id for s in sources}
    added = [s for s in more if s.id not in have][:CARD_SECTIONS]
    return [*sources[:1], *added, *sources[1:]][: max(k, len(sources)) + len(added)]
