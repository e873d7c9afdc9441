"""Relevance before priors: a FAQ's answer leads only when it answers the question asked.

A FAQ is a strong passage: "Do I need a degree or PhD to become an ML engineer? No."
shares "become an ML engineer" with half the questions people ask. Its answer leads
only when
- the FAQ's question holds much of the asked question's weight (the rare words count
  most: "nurse", "coding" and "background" are not in the degree FAQ), or, for the
  best-scored FAQ, the question names the FAQ's topic, and
- a verdict ("No.", "Yes.") answers a yes/no question, never "how long ..." or "what ...".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from advisor.text import normalize, tokens

FAQ_MATCH = 0.4
"""Share of the question's (idf-weighted) words the FAQ's question must hold."""
_LEAD = re.compile(r"^(?:(?:ok|okay|so|and|but|well|then|hi|hey)\b[\s,]*)*")
_YES_NO = re.compile(
    r"^(?:do|does|did|is|are|am|was|were|can|could|should|would|will|shall|must|need|have|"
    r"has|may|might)\b"
)
_VERDICT = re.compile(r"^(?:no|yes|not necessarily|it depends)\b", re.I)


def share_held(question: str, heading: str, idf: Callable[[str], float]) -> float:
    """The idf-weighted share of the question's words that `heading` holds."""
    wanted = set(tokens(question))
    total = sum(idf(w) for w in wanted) or 1.0
    return sum(idf(w) for w in wanted & set(tokens(heading))) / total


def yes_no(question: str) -> bool:
    """True when some sentence of the question asks for a yes or a no ("Can I ...?")."""
    for sentence in re.split(r"[.?!\n]+", normalize(question)):
        if _YES_NO.match(_LEAD.sub("", sentence.strip())):
            return True
    return False


def faq_answers(
    question: str, heading: str, answer: str, idf: Callable[[str], float], best: bool = False
) -> bool:
    """True when the FAQ (its question `heading`, its answer's first sentence) answers this.

    The best-scored FAQ may hold less of the question when the question names the FAQ's
    topic, its rarest word ("is a degree required for ML jobs?" names "degree")."""
    share = share_held(question, heading, idf)
    if share < FAQ_MATCH and not (best and share > 0 and _topic(heading, idf) in tokens(question)):
        return False
    return yes_no(question) or not _VERDICT.match(answer.strip())


def _topic(heading: str, idf: Callable[[str], float]) -> str:
    """The heading's rarest word (ties: the first)."""
    words = tokens(heading)
    return max(words, key=lambda w: (idf(w), -words.index(w))) if words else ""
