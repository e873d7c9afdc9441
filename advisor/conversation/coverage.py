"""Coverage of the question's own terms: each is in the quoted sentences or named in one note.

A term here is a word of the question the corpus never uses (a tool, a place, a company,
"Kubernetes") or an amount with its unit ("10 hours a week"). The same test serves the
refusal: a follow-up whose own words are all the corpus's is on the conversation's topic,
however weakly its few words match a passage.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from advisor.text import normalize, tokens

TYPO_CUTOFF = 0.84
"""How close an unknown word must be to a corpus word to count as a typo of it."""
MIN_LETTERS = 3
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#]*(?:[.-][A-Za-z0-9+#]+)*")
_AMOUNT = re.compile(
    r"(?<![\w$£€])(\d+(?:[.,]\d+)?)\s*(?:-|to|–)?\s*(\d+(?:[.,]\d+)?)?\s*"
    r"(hours?|hrs?|h|days?|weeks?|months?|years?|yrs?|k|%|dollars?|usd)\b"
    r"(?:\s+(?:a|per|each|every|/)\s+(day|week|month|year))?",
    re.I,
)
CHAT = frozenset(
    """ok okay yeah yep yes nope hi hey hello thanks thank thx pls plz please lol hmm cool great
    sure right well actually maybe kinda sorta stuff whatever anyway anyways btw still even ever
    guys dude wow oh ah um uh tbh imo idk ngl gotcha alright fine nice awesome""".split()
)
"""Words of chat, not of the subject: never a term to cover."""


@dataclass(frozen=True)
class Lexicon:
    """The corpus's words: whether a token occurs in it, and every token (to spot typos)."""

    knows: Callable[[str], bool]
    terms: Sequence[str] = ()

    def unknown(self, text: str) -> list[str]:
        """The words of `text` (as typed) that the corpus never uses, typos of its words aside."""
        found: list[str] = []
        for word in _WORD.findall(text):
            low = normalize(word)
            parts = tokens(word)
            if not parts or low in CHAT or len(low) < MIN_LETTERS:
                continue
            if all(self.knows(p) for p in parts) or self._typo(parts[0]):
                continue
            if low not in (normalize(f) for f in found):
                found.append(word)
        return found

    def _typo(self, token: str) -> bool:
        return bool(difflib.get_close_matches(token, self.terms, n=1, cutoff=TYPO_CUTOFF))


def amounts(text: str) -> list[str]:
    """Amounts with a unit the question names ("10 hours a week", "6 months")."""
    return [m.group(0).strip() for m in _AMOUNT.finditer(text)]


def uncovered_terms(
    question: str, quoted: Iterable[str], lexicon: Lexicon, named: Iterable[str] = ()
) -> list[str]:
    """The question's terms that neither the quoted text nor `named` (already noted) holds."""
    said = normalize(" ".join(quoted))
    noted = normalize(" ".join(named))
    missing = []
    counted = amounts(question)
    inside = normalize(" ".join(counted))
    words = [
        w
        for w in lexicon.unknown(question)
        if not re.search(rf"\b{re.escape(normalize(w))}\b", inside)
    ]
    for term in [*words, *counted]:
        low = normalize(term)
        number = re.match(r"\d+", low)
        key = number.group(0) if number else low
        if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", said):
            continue
        if re.search(rf"\b{re.escape(key)}\b", noted):
            continue
        missing.append(term)
    return missing


def coverage_note(missing: Sequence[str]) -> str:
    """One plain sentence naming what the guide does not mention ("" when nothing is missing)."""
    if not missing:
        return ""
    names = list(dict.fromkeys(missing))
    joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"The guide doesn't mention {joined}."
