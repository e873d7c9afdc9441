"""What English says of a word: how common it is, what it is where it stands, its forms.

A question's content term is a word that names something where the question uses it (a
noun, or a name no English dictionary lists, such as "Kubernetes" or "India"; an adjective
before a noun, "remote") and that is not among the most frequent words of English ("people",
"year", "best"), outside the clauses in which the person describes themselves. Frequencies
come from `wordfreq`, parts of speech and lemmas from `lemminflect`; both ship their data
inside the package, are imported on first use and read once per process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache, lru_cache

from advisor.text import STOPWORDS, normalize

EVERYDAY_ZIPF = 5.3
"""Zipf frequency (log10 of uses per billion words) at or above which a word is everyday.

5.3 is about once in 200,000 words: "people" 6.3, "school" 5.7, "kind" 5.5, "age" 5.3 sit
at or above it; "india" 5.0, "interview" 4.9, "salary" 4.4, "kubernetes" 2.3 below."""
WORDS_KEPT = 1 << 16
"""Words whose frequency and readings are kept between messages (bounded: people type any)."""
LONGEST = 40
"""Letters beyond which a "word" is in no dictionary (nor kept): a pasted run of letters."""
NAMING = frozenset({"NOUN", "PROPN"})
"""The parts of speech that name a thing: a word only ever a verb, adjective or adverb
("involve", "realistic", "specifically") frames the question rather than naming its subject."""
_BEFORE_VERB = frozenset(
    """i you u we they he she it me them us to can could should would will must might may do
    does did dont cant wont not never just really actually still also even how so too very
    pretty why""".split()
)
"""Words after which a word that may be a noun is a verb or an adjective ("can i switch",
"how fast", "still worth", "why bother"): English tells the two apart by their neighbours."""
_OBJECT = frozenset(
    "as that this these those the a an my your our their his its me it them us".split()
)
"""Words that open an object: a word that may be a verb, between a noun and one of these, is
the verb of a clause not opened by "be" ("matplotlib save as pdf", "which project fits that
role"; not "is grid search the way")."""
_BE = frozenset("is are was were isnt arent be".split())
"""A clause opened by "be" asks whether something is so: an adjective after its subject is
said of that subject ("is jax worth learning", "is a cert worth more")."""
_AFTER_VERB = frozenset("me it them us him her out up off".split())
"""Objects and particles after a verb ("fits me", "worth it", "stand out")."""
_AFTER_ADVERB = frozenset("to into onto".split())
"""Where an adverb points ("skip straight to")."""
_WORD = re.compile(r"[a-z][a-z0-9+#'-]*")
_CAPITALISED = re.compile(r"(?:\b[A-Z][a-z]+(?:[ -]++|$))+")
_PUNCTUATION = re.compile(r"[.,;:!?()\n]+")
CLAUSE = re.compile(r"(?:[^.,;:!?(\n]|\([^)\n]*+\)?+)+[.,;:!?]*")
"""A clause runs to its punctuation; a bracketed aside inside it is part of it."""
ASIDE = re.compile(r"\(([^)\n]*+)\)?+")
SELF = re.compile(
    r"^\s*+(?:(?:hey|hi|hello|ok|okay|so|well|yeah|also|and|but)\b[\s,]*+)*+"
    r"(?:i|i'm|im|i've|ive|i'd|my|me|myself)\b"
)
"""A clause that opens on the person ("I'm a nurse", "hey im a nurse", "my background is
...") describes them."""


@cache
def _zipf() -> Callable[[str, str], float]:
    from wordfreq import zipf_frequency  # 0.2 s and a few MB read: once, on first use

    return zipf_frequency


@cache
def _readings() -> Callable[[str], Mapping[str, tuple[str, ...]]]:
    from lemminflect import getAllLemmas

    return getAllLemmas


def zipf(word: str) -> float:
    """How common the word is in English, on the Zipf scale (0 for a word never seen)."""
    return _zipf_of(word.lower()) if len(word) <= LONGEST else 0.0


def readings(word: str) -> Mapping[str, tuple[str, ...]]:
    """The word's possible parts of speech with their lemmas ({} for a word no English
    dictionary lists: a name, a product, jargon, a typo)."""
    return _readings_of(word.lower()) if len(word) <= LONGEST else {}


@lru_cache(maxsize=WORDS_KEPT)
def _zipf_of(low: str) -> float:
    return float(_zipf()(low, "en"))


@lru_cache(maxsize=WORDS_KEPT)
def _readings_of(low: str) -> Mapping[str, tuple[str, ...]]:
    return dict(_readings()(low))


def lemmas(word: str) -> frozenset[str]:
    """The word and its dictionary forms ("hired" -> {"hired", "hire"}); for a word no
    dictionary lists, its singular ("llms" -> "llm") or its spelling with the g people drop
    ("gettin" -> "getting", "get")."""
    low = word.lower()
    forms = {low, *(lemma for found in readings(low).values() for lemma in found)}
    if len(forms) == 1 and len(low) > 3:
        if low.endswith("s") and not low.endswith("ss"):
            forms.add(low[:-1])
        if low.endswith("in") and readings(low + "g"):
            forms |= lemmas(low + "g")
    return frozenset(forms)


def names_a_thing(word: str) -> bool:
    """A noun, an activity ("plotting", "broadcasting") or a word no dictionary lists (a
    name, jargon: "autograd"); not a verb ("teach") nor a word that can describe ("cheap",
    "classic")."""
    low = word.lower()
    if "ADJ" in readings(low):
        return False
    return _names(low) or (low.endswith("ing") and low not in STOPWORDS)


def plural(phrase: str) -> bool:
    """True when the phrase ends on a plural noun ("transformers", "llms"; not "autograd",
    "feature engineering" or "bias")."""
    words = phrase.lower().split()
    if not words:
        return False
    last = words[-1]
    nouns = readings(last).get("NOUN")
    if nouns:
        return last not in nouns
    return len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def named_in(word: str, text: str) -> bool:
    """True when `word` names a thing where `text` uses it, or qualifies one: a noun or a
    name ("a good book", "mac"), an adjective before a noun ("a remote job"); not a verb, an
    adverb, an adjective said of something ("can i switch", "realistic for me", "is jax worth
    learning") nor one of emphasis ("the actual files"). Its neighbours are those of its
    clause: "unrelated, best laptop" puts no noun after "unrelated"."""
    parts = readings(word).keys()
    if not parts or parts <= NAMING:
        return True
    low = word.lower()
    seen = False
    for clause in _PUNCTUATION.split(text.lower()):
        words = _WORD.findall(clause)
        for i, found in enumerate(words):
            if found != low:
                continue
            seen = True
            before = words[i - 1] if i else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            if before in _BEFORE_VERB or after in _AFTER_VERB:
                continue
            if "VERB" in parts and after in _OBJECT and _names(before) and words[0] not in _BE:
                continue  # "matplotlib save as pdf": the clause's verb ("is" is its own)
            if "ADJ" in parts and _names(before) and words[0] in _BE and not noun(after):
                continue  # "is jax worth learning": said of jax
            if NAMING & parts and not ("ADV" in parts and after in _AFTER_ADVERB):
                return True
            if "ADJ" in parts and _names(after) and not emphatic(low):
                return True
    return bool(NAMING & parts) and not seen  # not read: what it can be


def qualifies(word: str, text: str) -> bool:
    """True when `word`, an adjective, stands right before a noun in `text` ("base salary",
    "remote job"): it narrows what the question asks about."""
    low = word.lower()
    if "ADJ" not in readings(low):
        return False
    for clause in _PUNCTUATION.split(text.lower()):
        words = _WORD.findall(clause)
        if any(w == low and i + 1 < len(words) and noun(words[i + 1]) for i, w in enumerate(words)):
            return True
    return False


def emphatic(word: str) -> bool:
    """True for an adjective of emphasis, whose adverb English uses more than the adjective
    itself ("actual": "actually", "real", "exact"): it stresses its noun, not narrows it."""
    low = word.lower()
    return zipf(f"{low}ly") > zipf(low)


def noun(word: str) -> bool:
    """True for a word that names a thing and is no form of a verb ("salary"; not
    "learning", a form of "learn")."""
    return _names(word) and word in readings(word).get("VERB", (word,))


def _names(word: str) -> bool:
    """True for a word that can name a thing (a noun, or a name no dictionary lists)."""
    if not word or word in STOPWORDS:
        return False
    parts = readings(word).keys()
    return not parts or bool(NAMING & parts)


def everyday(word: str, bar: float = EVERYDAY_ZIPF) -> bool:
    """One of the most frequent words of English, in any of its forms ("people", "kinds"):
    at or above `bar` on the Zipf scale."""
    return max(zipf(form) for form in lemmas(word)) >= bar


def described(text: str) -> list[str]:
    """The clauses of `text` in which the person describes themselves ("im a nurse", "I've
    done some Java"), not the ones that ask ("can I use my mac?"); an aside in brackets goes
    with its clause ("i code at work (backend dev)") unless it opens on the person itself."""
    found = []
    for clause in CLAUSE.findall(normalize(text)):
        outer = ASIDE.sub(" ", clause).strip()
        if SELF.match(outer) and not outer.endswith("?"):
            found.append(clause.strip())
        else:
            found += [a for a in ASIDE.findall(clause) if SELF.match(a)]
    return found


def word_forms(texts: Iterable[str]) -> frozenset[str]:
    """Every word of `texts` with its dictionary forms ("hiring" -> "hiring", "hire")."""
    words = {w for text in texts for w in re.findall(r"[a-z]+", normalize(text))}
    return frozenset(form for w in words for form in lemmas(w))


def acronyms(texts: Iterable[str]) -> frozenset[str]:
    """The initials of every run of two to five capitalised words ("Recurrent Neural Networks"
    gives "rnn", "Natural Language Processing" gives "nlp")."""
    found: set[str] = set()
    for text in texts:
        for run in _CAPITALISED.findall(text):
            words = run.split()
            for size in range(2, min(5, len(words)) + 1):
                for start in range(len(words) - size + 1):
                    found.add("".join(w[0] for w in words[start : start + size]).lower())
    return frozenset(found)
