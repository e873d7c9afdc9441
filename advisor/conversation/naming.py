"""A term as the question names it: the word with the words it goes with.

The note names what the person asked about the way they said it: an adjective with its noun
("base salary"), a noun with the name before it ("roc curve"), the words the sources say
together ("reinforcement learning"), and a name of several words as one ("khan academy",
"aws certification"), not each word on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from advisor.conversation import english
from advisor.conversation.lexicon import WORD
from advisor.conversation.notes import qualifiers
from advisor.text import STOPWORDS, normalize

_VERB_NEXT = frozenset("at to for in on with into from about like me it them us".split())
"""Words after a verb ("look at", "fits me"): the word before them is no part of a name."""


def with_noun(question: str, word: str) -> str:
    """The word with the noun it qualifies in the question ("base" -> "base salary"): the
    term as the question names it."""
    words = WORD.findall(question)
    if word not in words or "ADJ" not in english.readings(normalize(word)):
        return word
    at = words.index(word)
    after = normalize(words[at + 1]) if at + 1 < len(words) else ""
    if after in STOPWORDS or not english.readings(after) or not english.noun(after):
        return word
    return f"{word} {words[at + 1]}"


def qualified(question: str, word: str, terms: Sequence[str], known: Callable[[str], bool]) -> str:
    """The word as the question names it with its qualifier ("base" -> "base salary", "curve"
    -> "roc curve"): an adjective with the noun after it, a noun with a name the corpus knows
    before it. Half a name reads as a word. Not a verb after its subject ("can lightgbm
    overfit"), nor a neighbour that is a term itself (`as_said` joins those)."""
    words = WORD.findall(question)
    if word not in words:
        return word
    at = words.index(word)
    named = with_noun(question, word)
    if named == word and at and english.noun(normalize(word)):
        before = normalize(words[at - 1])
        asking = at > 1 and normalize(words[at - 2]) in _AUXILIARY
        if (
            len(before) > 1
            and before not in STOPWORDS
            and not english.readings(before)
            and known(before)
        ):
            named = word if asking else f"{words[at - 1]} {word}"
    added = normalize(named).replace(normalize(word), " ").strip()
    if added and any(_has(normalize(t), added) for t in terms):
        return word
    return named


_AUXILIARY = frozenset("do does did can could will would should may might is are".split())
"""Words that open a question with the subject after them: the word after the subject is
its verb ("does mlflow record ...")."""


def as_said(
    question: str, terms: Sequence[str], card_terms: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The terms with two one-word terms the question says side by side joined into the one
    name it says ("khan" and "academy": "khan academy"; "AWS" and "certification": "aws
    certification"; "Google" and "drive": "google drive"), as typed; a name joined to a term
    of the note is the note's. Two words only cards name ("save svg"), words apart
    ("interviews? leetcode?"), two names no dictionary lists ("gemini thru"), an amount and a
    term of several words stay apart: a question rewritten with the one before may put two
    terms side by side ("private repos gitlab"). Nor is a verb after its subject the start of
    a name: "does the guide mention kubernetes"."""
    found = list(WORD.finditer(question))  # each where it stands: the gap says if two touch
    low = [normalize(m.group(0)) for m in found]
    every = [*((t, False) for t in terms), *((t, True) for t in card_terms)]
    one = [normalize(t) for t, _ in every if normalize(t) in low]  # a term of one word
    at = {t: low.index(t) for t in one}
    held = {q.value for q in qualifiers(question)}  # a company or place is a name
    named: dict[str, tuple[str, bool]] = {}  # term -> the name it is part of, a card's
    for first, card in every:
        for second, other in every:
            i, j = at.get(normalize(first), -2), at.get(normalize(second), -2)
            if j != i + 1 or first in named or second in named or (card and other):
                continue  # two words only cards name stay two ("save svg")
            gap = question[found[i].end() : found[j].start()]
            if gap.strip() or not any(english.readings(w) for w in (low[i], low[j])):
                continue
            verb = "VERB" in english.readings(low[i]) and low[i] not in held  # not "google"
            if verb and i and _subject(low[i - 1]):
                continue  # a verb after its subject: "the guide mention kubernetes"
            name = f"{found[i].group(0)} {found[j].group(0)}"
            named |= {first: (name, card and other), second: (name, card and other)}
    plain: list[str] = []
    cards: list[str] = []
    for term, card in every:
        name, card = named.get(term, (term, card))
        (cards if card else plain).append(name)
    return list(dict.fromkeys(plain)), [c for c in dict.fromkeys(cards) if c not in plain]


def _subject(word: str) -> bool:
    """True for a word that may be the subject of the verb after it: a noun or a name."""
    return word not in STOPWORDS and (english.noun(word) or not english.readings(word))


def phrase(question: str, word: str, said: str) -> str:
    """The word with the question's words on either side while the sources say them together
    ("reinforcement" -> "reinforcement learning"): the term as both name it."""
    words = WORD.findall(question)
    if word not in words:
        return word
    start = end = words.index(word)
    text = normalize(question)

    def joins(i: int, first: int, last: int) -> bool:
        """True when the i-th word names a thing and the sources say words[first..last]."""
        low = normalize(words[i])
        together = normalize(" ".join(words[first : last + 1]))
        return low not in STOPWORDS and english.named_in(low, text) and _has(said, together)

    for _ in range(2):
        if start and joins(start - 1, start - 1, end):
            start -= 1
        after = normalize(words[end + 2]) if end + 2 < len(words) else ""
        if end + 1 < len(words) and after not in _VERB_NEXT and joins(end + 1, start, end + 1):
            end += 1  # "recruiters look at": "look" is their verb
    return " ".join(words[start : end + 1])


def _has(text: str, key: str) -> bool:
    return bool(re.search(rf"\b{re.escape(key)}\b", text))
