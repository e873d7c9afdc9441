"""The corpus's words: which words of a message the corpus uses, in which form, which it lacks.

A `Lexicon` holds every token of the corpus (to spot typos), every form of its words
("hiring" gives "hire"), its cards' titles and the guide's own tokens. A message's terms
(`Lexicon.terms`) are its words that the corpus never uses in any of its forms and that name
something English does not use every day (a tool, "Kubernetes"; a place, "India"; a thing,
"interview": see `english`). Words of chat, the words people type for what the sources cover
under other words ("salary", "neural nets") and the person's own description of themselves
("I'm a nurse": `person.theirs`) are never terms, unless the question asks about them ("i'm on
windows, is that a problem": `person.asks_about`).
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

from advisor.conversation import english, person
from advisor.conversation.spelling import DIGRAPHS, Shapes, capitals, common_start, shapes
from advisor.conversation.vocabulary import ALIASES, FIXED, KINDS, TOPICS
from advisor.keyword import KeywordIndex
from advisor.text import STOPWORDS, normalize, tokens

TYPO_CUTOFF = 0.84
"""How close an unknown word must be to a corpus word to count as a typo of it."""
MIN_LETTERS = 3
MIN_PREFIX = 5
"""Letters a short form needs to count as the start of a corpus word ("backprop")."""
CLIPPED = 3
"""Letters at least that a short form leaves off the corpus word it stands for ("eng" for
"engineer", "calc" for "calculus"): one letter fewer is a typo's business ("shap")."""
MAX_WORDS = 40
"""Distinct words of a message looked at (a question is short; a pasted page costs no more)."""
READ = 2000
"""Characters of a message read for its grammar (who is described, what a word is there)."""
WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#]*(?:[.-][A-Za-z0-9+#]+)*")
"""A word as typed: letters, digits, "+" and "#", joined by "." or "-" ("C++", "scikit-learn")."""
CHAT = frozenset(
    """ok okay yeah yep yes nope hi hey hello thanks thank thx pls plz please lol hmm cool great
    sure right well actually maybe kinda sorta stuff whatever anyway anyways btw still even ever
    guys dude wow oh ah um uh tbh imo idk ngl gotcha alright fine nice awesome tho till til
    ppl rn u ur cuz coz bc lmao omg diff info nvm""".split()
)
"""Words of chat, not of the subject: never a term to cover."""
ALIAS_WORDS = tuple(s for surfaces in ALIASES.values() for s in surfaces)
KNOWN_WORDS = frozenset(
    tokens(
        " ".join(
            [
                *ALIAS_WORDS,
                *(s for kind in FIXED.values() for surfaces in kind.values() for s in surfaces),
                *(s for surfaces in TOPICS.values() for s in surfaces),
                *KINDS,
            ]
        )
    )
)
"""The words people type for what the sources cover under other words ("salary" for pay,
"neural nets", "juniors") and the kinds of thing the sources are about ("resources",
"roles"): never a term to note, and words of the corpus's own subject."""
_DROPPED = ("s", "nt", "t", "re", "ve", "ll", "d", "m")
"""What follows a function word in a contraction typed without its apostrophe ("whats",
"havent")."""


_LETTER = re.compile(r"(?<![\w'.+#-])[B-HJ-Z](?![\w'.+#-]|\.\w)")
"""A capital letter typed as a word, "I" and "A" aside: a name ("what about R?", "C")."""
_GLUED = re.compile(r"(?<![\w])\d+([a-z][a-z0-9]*)")
"""A word glued to the digits before it ("3blue1brown"), which the corpus may write whole."""
_POSSESSIVE = re.compile(r"(?<=[A-Za-z0-9])'s\b")


_CHAT_WORD = re.compile(rf"\b(?:{'|'.join(sorted(CHAT))})\b")


def _without_chat(text: str) -> str:
    """The text (normalised) without its words of chat: "lol" after "boring" is no noun it
    describes ("any resource that isnt boring lol")."""
    return _CHAT_WORD.sub(" ", text)


def words_of(text: str) -> list[str]:
    """The distinct words of `text` as typed, at most MAX_WORDS (a pasted page costs no more)."""
    return list(dict.fromkeys(WORD.findall(text)))[:MAX_WORDS]


@dataclass(frozen=True)
class Lexicon:
    """The corpus's words: whether a token occurs in it, and every token (to spot typos)."""

    knows: Callable[[str], bool]
    vocabulary: Sequence[str] = ()
    names: Sequence[str] = ()
    """Card titles: "Google Vertex AI" in a quote names a product, not the company."""
    forms: frozenset[str] = frozenset()
    """Every word of the corpus and its dictionary forms ("hiring" gives "hire"): a question's
    "hired" is the corpus's word, however its light stemmer cuts the two."""
    guide: frozenset[str] | None = None
    """The guide's own tokens (None: not known), to tell a term only a card names."""
    acronyms: frozenset[str] = frozenset()
    """Initials of the guide's capitalised names ("rnn" for "Recurrent Neural Networks")."""

    def card_only(self, text: str) -> list[str]:
        """The words of `text` the corpus knows only from its cards, never from the guide
        (a card's title and the short names people type aside: the guide links those)."""
        if self.guide is None:
            return []
        named = set(tokens(" ".join(self.names))) | KNOWN_WORDS
        grammar = normalize(text[:READ])
        named |= set(tokens(" ".join(person.theirs(grammar))))
        found: list[str] = []
        for word in words_of(text):
            low = normalize(word)
            parts = tokens(word)
            if self.clipped(word):
                continue  # "repos": a word of the cards, cut short, and no term
            if not parts or self.everyday(word) or len(low) < MIN_LETTERS:
                continue
            if set(parts) <= named or not all(self.knows(p) for p in parts):
                continue
            if low.rstrip("s") in self.acronyms:
                continue  # "RNNs": the guide spells out "Recurrent Neural Networks"
            if not english.named_in(low, _without_chat(grammar)):
                continue  # "can i switch": a verb, whatever the cards say of switches
            if not self._in_guide(low, parts):
                found.append(word)
        return found

    def shortens(self, word: str) -> bool:
        """True when the word is a short form of the corpus's words: the start of one
        ("backprop" of "backpropagation") or the initials of a name the guide spells out."""
        low = normalize(word).rstrip("s")
        if low in self.acronyms:
            return True
        return len(low) >= MIN_PREFIX and any(
            v.startswith(low) and v != low for v in self.vocabulary
        )

    def _in_guide(self, low: str, parts: Sequence[str]) -> bool:
        """True when the guide uses the word in some form ("classical" for "classic")."""
        if self.guide is None or all(p in self.guide for p in parts):
            return True
        forms = [*english.lemmas(low), f"{low}al"]
        return any(set(tokens(form)) <= self.guide for form in forms)

    def everyday(self, word: str) -> bool:
        """A word of chat, an everyday English word (`english.everyday`), or a function word
        typed without its apostrophe ("whats", "havent", "youre")."""
        low = normalize(word)
        if low in CHAT or any(low.endswith(s) and low[: -len(s)] in STOPWORDS for s in _DROPPED):
            return True
        return all(c.isalpha() for c in low) and english.everyday(low)

    def uses(self, word: str) -> bool:
        """True when the corpus uses the word (each of its stems), typos of its words not
        counted: "weather" is no typo of "whether" here. A name no dictionary lists has no
        stem: the corpus must use it as typed, or its plural ("plotly" is no form of "plot",
        nor "anime" of "animated")."""
        low = normalize(word)
        if self._unlisted(low):
            return bool(english.lemmas(low) & self.forms)
        parts = tokens(word)
        return bool(parts) and (all(self.knows(p) for p in parts) or set(parts) <= KNOWN_WORDS)

    def content_words(self, text: str) -> list[str]:
        """The distinct words of `text` (as typed) that are neither chat nor everyday English."""
        return [
            w
            for w in words_of(text)
            if len(w) >= MIN_LETTERS and tokens(w) and not self.everyday(w)
        ]

    def unknown(self, text: str) -> list[str]:
        """The words of `text` (as typed) that the corpus never uses, typos of its words aside,
        nor halves of a word it writes as one ("group by": "groupby")."""
        found: list[str] = []
        halves = self.halves(text)
        for word in words_of(text):
            low = normalize(word)
            parts = tokens(word)
            if not parts or low in CHAT or len(low) < MIN_LETTERS or low in halves:
                continue
            unlisted = self._unlisted(low)
            if self.uses(word):
                continue
            if not capitals(word) and self._typo(low if unlisted else parts[0], unlisted):
                continue  # "SHAP" typed in capitals is a name, no typo of "shape"
            if low not in (normalize(f) for f in found):
                found.append(word)
        return found

    def halves(self, text: str) -> frozenset[str]:
        """The words of `text` that, with the word or the digits beside them, spell a word of
        the corpus written as one ("group by": "groupby", "3blue1brown": "blue1brown")."""
        words = [normalize(w) for w in WORD.findall(text[:READ])]
        found: set[str] = set()
        for first, second in itertools.pairwise(words):
            if first.isalpha() and second.isalpha() and f"{first}{second}" in self.forms:
                found |= {first, second}
        for glued in _GLUED.finditer(normalize(text[:READ])):
            if self.knows(glued.group(0)):
                found.add(glued.group(1))
        return frozenset(found)

    def terms(self, text: str) -> list[str]:
        """The unknown words of `text` that name something (not everyday words), in no form
        the corpus uses, outside the person's description of themselves (unless the question
        asks about it: `person.asks_about`)."""
        text = _POSSESSIVE.sub("", text.replace("’", "'"))  # "my macbook's gpu": "macbook"
        text = text.replace("'", "")  # "haven't" is "havent", one word
        grammar = normalize(text[:READ])
        own = set() if person.asks_about(grammar) else set(tokens(" ".join(person.theirs(grammar))))
        found = [
            w
            for w in self.unknown(text)
            if not self.everyday(w)
            and not set(tokens(w)) <= KNOWN_WORDS | own
            and not self.has_form(w)
            and not self._guide_cut(w)
            and english.named_in(normalize(w), _without_chat(grammar))
        ]
        return found + [w for w in dict.fromkeys(_LETTER.findall(text)) if w not in found]

    def clipped(self, word: str) -> str:
        """The corpus word the word is the start of, cut short as people type it ("" if none)
        ("eng" for "engineer", "calc" for "calculus", "repos"): a word no dictionary lists,
        not typed in capitals (an acronym), that begins corpus words each at least CLIPPED
        letters longer and sharing a root longer than it ("engine-", "calcul-": not "comp"
        of "company" and "compare"), cut at no sound spelt with two letters."""
        low = normalize(word)
        if not low.isalpha() or len(low) < MIN_LETTERS or capitals(word) or english.readings(low):
            return ""
        longer = [v for v in self._by_start.get(low[:MIN_LETTERS], ()) if v.startswith(low)]
        if not longer or any(len(v) < len(low) + CLIPPED for v in longer):
            return ""
        root = common_start(longer)
        cut = root[len(low) - 1 : len(low) + 1]
        if len(root) < len(low) + CLIPPED - 1 or cut in DIGRAPHS:
            return ""
        return min(longer, key=len)

    def _guide_cut(self, word: str) -> bool:
        """True when the word is a guide's word cut short ("calc"); a card's word cut short
        ("cert" for "certificate") is still a term the guide lacks."""
        full = self.clipped(word)
        return bool(full) and self._in_guide(full, tokens(full))

    def has_form(self, word: str) -> bool:
        """True when the corpus uses the word in another form: an inflection ("hiring" for
        "hired"), the adjective made from it ("classical" for "classic"), or the name it
        abbreviates ("mle": "Machine Learning Engineer")."""
        low = normalize(word)
        forms = english.lemmas(low)
        return bool(forms & self.forms) or f"{low}al" in self.forms or low in self.acronyms

    def _unlisted(self, low: str) -> bool:
        """A name no dictionary lists, not a word of chat ("plotly", not "whats"): it has no
        stem, so only its own forms count."""
        return (
            bool(self.forms)
            and low.isalpha()
            and not english.readings(low)
            and not self.everyday(low)
        )

    def _typo(self, token: str, written: bool = False) -> bool:
        """True when the token is a near miss of a corpus stem (`written`: of a corpus word as
        written) of its first letter and length."""
        shapes = self._forms_by_shape if written else self._by_shape
        near = [
            w
            for size in range(len(token) - 2, len(token) + 3)
            for w in shapes.get((token[:1], size), ())
        ]
        return bool(difflib.get_close_matches(token, near, n=1, cutoff=TYPO_CUTOFF))

    @cached_property
    def _by_start(self) -> dict[str, tuple[str, ...]]:
        """Corpus words by their first MIN_LETTERS letters (to find what a short form cuts)."""
        starts: dict[str, list[str]] = {}
        for word in sorted(self.forms):
            starts.setdefault(word[:MIN_LETTERS], []).append(word)
        return {start: tuple(found) for start, found in starts.items()}

    @cached_property
    def _by_shape(self) -> Shapes:
        """Corpus stems by (first letter, length): a typo keeps both, near enough."""
        return shapes(self.vocabulary)

    @cached_property
    def _forms_by_shape(self) -> Shapes:
        """Corpus words as written, by shape: a name's typo is near the name ("pytoch"), not
        near a stem ("anime" is no "anim")."""
        return shapes(self.forms)


def lexicon_of(index: KeywordIndex) -> Lexicon:
    """The lexicon of a keyword index: its tokens, its cards' titles, every form of its words
    and the guide's tokens."""
    titles = tuple(sorted({c.title for c in index.chunks if c.kind != "guide" and c.title}))
    texts = [c.text for c in index.chunks if c.kind in ("", "guide")]
    headed = [f"{c.section} {c.text}" for c in index.chunks if c.kind in ("", "guide")]
    guide = frozenset(tokens(" ".join([*texts, *english.word_forms(headed)])))
    forms = english.word_forms(f"{c.title} {c.section} {c.text}" for c in index.chunks)
    return Lexicon(index.knows, tuple(index.terms()), titles, forms, guide, english.acronyms(texts))
