"""What in a message points back at the conversation: pronouns ("they", "its", "which one"),
a "that" or "it" standing for a thing said before (not the "it" of "it will rain"), and a
word left at the end without its thing ("what do i need before"). `turns` reads a message's
kind with these; `rewrite` puts the thing in their place.
"""

from __future__ import annotations

import re

from advisor.conversation.vocabulary import Entity
from advisor.text import normalize

SEVERAL = "which one|which ones|either|both|the two|the three|all three"
"""Words that point at several things the chat named ("which one is free?", "the two")."""
_POINTERS = f"{SEVERAL}|which of them|that one|this one|one of them|they|them|their|those|these"
_PRONOUN = re.compile(rf"\b({_POINTERS}|its)\b", re.I)
_POINTER = re.compile(rf"\b(?:{_POINTERS})\b", re.I)
"""The pronouns alone: a typed "its" is as often "it's" about the message's own subject
("my printer its offline") as a possessive pointing back."""
_IT = re.compile(r"\bit\b", re.I)
_DUMMY_IT = re.compile(
    r"\bit\s+(?:\w+\s+){0,4}?to\s+\w+\s+\w|\bit\s+worth\b"
    r"|\bit(?:'s|\s+is|\s+will)?\s+(?:rain|rains|raining|snow|snows|snowing|sunny|cold|hot)\b",
    re.I,
)
_THAT = re.compile(
    r"(?:\b(?:is|was|does|do|did|for|about|like|with|than|cover|covers|learn|need|use|into|"
    r"on|of|after|before)\s+(?:that|this)\b(?!\s+(?:the|my|your)\b)"
    r"|\b(?:that|this)(?='s|\s*[?.!,]|\s*$|\s+(?:or|vs|versus|is|was|would|will|take|takes|"
    r"mean|means|cost|costs|help|helps|work|works|be|one|course|role|path|stuff|thing|matter)\b))",
    re.I,
)
_THAT_ALONE = re.compile(
    r"\bthat(?:'s|s|\s+is|\s+was)\b|\b(?:that|this)\s*(?:[?.!,]|$)"
    r"|\b(?:is|was)\s+(?:that|this)\s+(?:a|an|the|same|true|ok|okay|enough)\b"
    r"|\binstead\s*[?.!]*$"
)
""""that" standing alone for a thing ("is that free?", "thats usa right?", "is that a
problem?"), or a message ending on "instead" ("is flask ok instead?": instead of what was
said)."""
_STRANDED = re.compile(
    r"(?P<word>\b(?:before|after)(?:\s+(?:starting|beginning|i\s+start))?"
    r"|(?<!\bis\s)(?<!\bare\s)(?<!\bwas\s)(?<!\bout\s)(?<!\bover\s)\b(?:in\s+)?there"
    r"|\binstead)(?:\s+(?:too|then|tho|though|also))?\s*[?.!…]*$",
    re.I,
)
"""A word that relates to a thing, left at the end without it: "what do i need to know
before", "should a beginner start there", "what do i need before starting". Like a pronoun
it stands for the subject in focus (not the "there" of "what jobs are there")."""


def stranded(text: str) -> re.Match[str] | None:
    """The word at the end of `text` left without the thing it relates to ("before",
    "there", "instead"), if any."""
    return _STRANDED.search(text)


def names_pointer(text: str) -> bool:
    """Whether `text` holds a pronoun or an "it" at all ("is it free", "are they")."""
    return bool(_POINTER.search(text) or _IT.search(text))


def points_back(text: str) -> bool:
    """Whether a pronoun, a pointing "that"/"this" or an "it" in `text` stands for something
    said before (not the "it" of "how long does it take to learn X")."""
    return bool(_PRONOUN.search(text) or _THAT.search(text)) or refers_with_it(text)


def stands_for_something_said(text: str) -> bool:
    """A pronoun, a "that" standing alone ("is that free?") or a pointing "it" in `text`."""
    low = normalize(text)
    return bool(_POINTER.search(low) or _THAT_ALONE.search(low)) or refers_with_it(text)


_CLAUSE_BREAK = re.compile(
    r"[,;:?!.(–—]|\s-\s|^\s*(?:what|whats|how|is|are|do|does|can|should|why|which)\b"
    r"|\b(?:or|and|but|so)\s+(?:can|could|do|does|should|is|are|will|would|i|you)\b"
)
"""What opens a clause of its own after a name ("mlflow - what is it?", "the ng course labs,
are they ...", "is statquest ok for a kid? is it boring", "the math or can i skip it")."""


def clause_after(text: str, named: Entity) -> bool:
    """Whether a clause of its own follows the first thing a message names: only then may a
    pronoun after it point at it. In one clause a pronoun is not the thing named beside it
    ("does pandas use it under the hood", "can i do neural nets in it" point back)."""
    return bool(_CLAUSE_BREAK.search(normalize(text)[named.start + len(named.surface) :]))


def pointing_that(text: str) -> frozenset[int]:
    """Where a "that" or "this" in `text` stands for something said before ("is that free?",
    "learn this"); not the "that" of "a video that explains it"."""
    spots: set[int] = set()
    for match in _THAT.finditer(text):
        inner = list(re.finditer(r"\b(?:that|this)\b", match.group(0), re.I))
        if inner:
            spots.add(match.start() + inner[-1].start())
    return frozenset(spots)


def refers_with_it(text: str) -> bool:
    """True when some "it" in text points back (not "how long does it take to learn X")."""
    low = normalize(text)
    dummy = {m.start() for m in _DUMMY_IT.finditer(low)}
    return any(m.start() not in dummy for m in _IT.finditer(low))
