"""How a rewritten question is worded: the words a follow-up opens or closes with that say
nothing of its subject ("ok so", "what about", "then", "tho"), the amounts the person typed,
and one tidy form (one space, "an" before a vowel, a capital and a question mark).

String work only, no conversation state: advisor/conversation/rewrite.py decides what the
question asks, this module how it reads.
"""

from __future__ import annotations

import re

from advisor.conversation.asks import AMOUNT
from advisor.text import normalize

_LEAD = re.compile(
    r"^\s*+(?:(?:ok|okay|so|and|but|also|plus|then)[\s,]++)*+(?:what about|how about|what of)?+"
    r"\s*+",
    re.I,
)
_MARKS = "?.!…,"
_TRAILING_WORD = re.compile(r"then|though|tho|again|instead", re.I)
"""Matched only against the last three to seven characters (`untrail`)."""


def keep_amounts(text: str, typed: str) -> str:
    """The rewrite with every amount the user typed that it lost put back, with its
    preposition ("how long would that take at 8 hours a week?" keeps "at 8 hours a week"),
    so the search and the coverage note still see the user's own terms."""
    kept = normalize(text)
    for match in AMOUNT.finditer(typed):
        if normalize(match.group(0)) in kept:
            continue
        before = re.search(
            r"\b(at|in|on|for|with|within|over|under|by)\s+(?:\w+\s+)?$",
            typed[: match.start()],
            re.I,
        )
        lead = f"{before.group(1).lower()} " if before else ""
        text = f"{untrail(text)}, {lead}{match.group(0).strip()}"
        kept = normalize(text)
    return text


def untrail(text: str) -> str:
    """The text without its closing marks and a last "then", "though", "tho", "again" or
    "instead".

    String operations in one pass: the pattern this replaces,
    `[\\s?.!…,]*(?:\\b(?:then|though|again)\\b)?[\\s?.!…,]*$`, backtracked cubically.
    """
    core = _without_marks(text)
    for size in (3, 4, 5, 6, 7):
        start = len(core) - size
        if start < 0 or not _TRAILING_WORD.fullmatch(core, start):
            continue
        if start == 0 or not _is_word_char(core[start - 1]):
            return _without_marks(core[:start])
    return core


def _without_marks(text: str) -> str:
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] in _MARKS):
        end -= 1
    return text[:end]


def _is_word_char(char: str) -> bool:
    """What `\\w` matches: a letter, digit or underscore, in any script."""
    return char.isalnum() or char == "_"


def strip_lead(text: str) -> str:
    return _LEAD.sub("", text, count=1).strip() or text.strip()


def tidy(text: str) -> str:
    """One space, "an" before a vowel, a capital first letter and a question mark."""
    text = re.sub(r"\s+", " ", text).strip(" ,")
    text = re.sub(r"\ba(?= [aeiou])", "an", text, flags=re.I)
    text = untrail(text) if not text.endswith(")") else text
    return f"{text[:1].upper()}{text[1:]}?" if text else text
