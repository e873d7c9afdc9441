"""Score a text for injected instructions by the concepts that meet in it, in any language.

The text is cut into words (each Chinese or Japanese character is a word of its own) and
sentences; the lexicon's cues mark which concepts each sentence holds and where. A few
combinations make an instruction to the model or the reader, whatever the wording:

- `override`: discarding rules ("ignore" + "instructions"), stronger when the rules are
  the model's own or earlier ones ("your", "previous") or the model is addressed;
- `secret-request`: asking for a password, code, card or identity number (not a warning:
  a negation before the verb cancels it);
- `payment`: a payment channel (wire transfer, IBAN, "Überweisung", "转账") with a demand,
  the reader named, or an account number (a price alone is not a demand);
- `secrecy`: keeping something from the reader ("don't tell the user", "heimlich");
- `persona`: a role for the model, unrestricted; `prompt-leak`: revealing its prompt;
- `addresses-model` and `directs-reader`: weak signs that count only beside another.

A window of up to three sentences scores the sum of the combinations it holds (each kind
once); `THRESHOLD` or more flags it. Each step is one pass with dictionary look-ups, so the
cost is linear in the text's length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from advisor.screening.lexicon import CONCEPTS
from advisor.text import normalize

THRESHOLD = 2.0
"""A window scoring this much or more is an instruction (tuned on the tuning set only)."""
WEAK = 1.0
"""A window scoring this much but under `THRESHOLD` is suspicious: the embedding model decides."""
WINDOW = 3
"""Sentences read together, so an instruction split over sentences still scores."""
NEAR = 6
"""Words within which a negation cancels a verb, or a verb governs the reader it names."""
_CJK = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|[。！？；\n]")


@dataclass(frozen=True)
class Hit:
    """A window of sentences that reads as an instruction: its score and what made it."""

    score: float
    kinds: tuple[str, ...]
    start: int
    end: int
    """Character offsets of the window in the scored (folded) text."""


@dataclass(frozen=True)
class _Cue:
    words: tuple[str, ...]
    exact: tuple[bool, ...]
    concept: str


@dataclass
class _Sentence:
    start: int
    end: int
    at: dict[str, list[int]]
    digits: int = 0


@cache
def _index() -> dict[str, list[_Cue]]:
    """The cues by the first `_KEY` characters of their first word (the whole word if shorter)."""
    index: dict[str, list[_Cue]] = defaultdict(list)
    for concept, cues in CONCEPTS.items():
        for raw in cues:
            words: list[str] = []
            exact: list[bool] = []
            for part in normalize(raw).split():
                is_exact = part.endswith("=")
                for token in _TOKEN.findall(part.rstrip("=")):
                    words.append(token)
                    exact.append(is_exact or bool(re.match(rf"[{_CJK}]", token)))
            if words:
                index[words[0][:_KEY]].append(_Cue(tuple(words), tuple(exact), concept))
    return dict(index)


_KEY = 3
"""Characters of a word that pick the cues it may start: three look-ups a word, at most."""


def _matches(tokens: list[str], i: int, cue: _Cue) -> bool:
    """Whether the words from position `i` on read as `cue`."""
    if i + len(cue.words) > len(tokens):
        return False
    for k, word in enumerate(cue.words):
        token = tokens[i + k]
        if token != word and (cue.exact[k] or not token.startswith(word)):
            return False
    return True


def _sentences(text: str) -> list[_Sentence]:
    """The sentences of folded `text`, each with the word positions of every concept in it."""
    index = _index()
    spans, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        spans.append((start, end.end()))
        start = end.end()
    spans.append((start, len(text)))
    found: list[_Sentence] = []
    for begin, stop in spans:
        tokens = _TOKEN.findall(text, begin, stop)
        if not tokens:
            continue
        sentence = _Sentence(begin, stop, defaultdict(list))
        run = 0
        for i, token in enumerate(tokens):
            digits = 0 if token.isalpha() else sum(ch.isdigit() for ch in token)
            run = run + digits if digits else 0  # digits in consecutive words: "DE89 3704 0044"
            sentence.digits = max(sentence.digits, run)
            for key in {token[:n] for n in range(1, _KEY + 1)}:
                for cue in index.get(key, ()):
                    if _matches(tokens, i, cue):
                        sentence.at[cue.concept].append(i)
        found.append(sentence)
    return found


def _before(at: dict[str, list[int]], first: str, then: str, near: int = NEAR) -> list[int]:
    """Positions of `then` that have a `first` at most `near` words before them."""
    firsts = at.get(first, [])
    found = []
    for j in at.get(then, ()):
        k = bisect_left(firsts, j) - 1  # the nearest `first` strictly before j
        if k >= 0 and j - firsts[k] <= near:
            found.append(j)
    return found


def _unless(at: dict[str, list[int]], concept: str, near: int) -> list[int]:
    """Positions of `concept` with no negation `near` words before it ("never share ...") or
    three after it ("gib es niemals weiter", "don't share it, never")."""
    negated = set(_before(at, "negation", concept, near)) | set(_after(at, concept, 3))
    return [j for j in at.get(concept, ()) if j not in negated]


def _after(at: dict[str, list[int]], concept: str, near: int) -> list[int]:
    """Positions of `concept` that have a negation at most `near` words after them."""
    negations = at.get("negation", [])
    found = []
    for j in at.get(concept, ()):
        k = bisect_right(negations, j)  # the nearest negation strictly after j
        if k < len(negations) and negations[k] - j <= near:
            found.append(j)
    return found


def _kinds(s: _Sentence) -> dict[str, float]:
    """The combinations one sentence holds, each with its weight before the window's bonus."""
    at = s.at
    kinds: dict[str, float] = {}
    has = at.__contains__
    discard = _unless(at, "discard", 3)
    if discard and has("rules"):
        kinds["override"] = 1.0
    asks = _unless(at, "ask", NEAR)
    if has("credential") and asks:
        kinds["secret-request"] = 2.0
    if has("pay_channel") and (asks or has("reader") or s.digits >= 8):
        kinds["payment"] = 2.0  # a price alone ("a registration fee of $50") is not a demand
    elif s.digits >= 8 and (has("pay_verb") and asks):
        kinds["payment"] = 1.0
    if has("hide") or _before(at, "negation", "tell", 3):
        kinds["hide"] = 1.0
    if has("secretly"):
        kinds["secretly"] = 1.0
    if has("role") and has("unrestricted"):
        kinds["persona"] = 2.0
    elif has("role") or has("unrestricted"):
        kinds["role"] = 1.0
    if has("leak_noun") and has("reveal"):
        kinds["prompt-leak"] = 2.0
    if _before(at, "vocative", "addressee", 3):
        kinds["addresses-model"] = 1.0
    if _before(at, "ask", "reader", 4) or _before(at, "tell", "reader", 4):
        kinds["directs-reader"] = 1.0
    for concept in ("prior", "your", "reader", "note", "addressee"):
        if has(concept):
            kinds["~" + concept] = 0.0  # qualifiers: weigh nothing alone
    return kinds


def _window_score(kinds: dict[str, float]) -> float:
    score = sum(w for k, w in kinds.items() if k in _SCORED)
    if "override" in kinds and any(q in kinds for q in ("~prior", "~your", "addresses-model")):
        score += 1.0  # the model's own or earlier rules
    if "hide" in kinds and any(q in kinds for q in ("~reader", "~note", "~addressee")):
        score += 1.0  # kept from the reader: "don't tell the user about this note"
    if "role" in kinds and any(q in kinds for q in ("~addressee", "~your")):
        score += 0.5
    return score


_SCORED = (
    "override", "secret-request", "payment", "hide", "secretly", "persona", "role",
    "prompt-leak", "addresses-model", "directs-reader",
)  # fmt: skip


def score(text: str, at_least: float = THRESHOLD) -> list[Hit]:
    """Windows of folded `text` that score `at_least` or more, in text order."""
    sentences = _sentences(text)
    per = [_kinds(s) for s in sentences]
    hits: list[Hit] = []
    for i in range(len(sentences)):
        kinds: dict[str, float] = {}
        for k in per[i : i + WINDOW]:
            for name, weight in k.items():
                kinds[name] = max(weight, kinds.get(name, 0.0))
        total = _window_score(kinds)
        if total >= at_least:
            last = sentences[min(i + WINDOW, len(sentences)) - 1]
            named = tuple(k for k in _SCORED if k in kinds)
            hits.append(Hit(total, named, sentences[i].start, last.end))
    return hits
