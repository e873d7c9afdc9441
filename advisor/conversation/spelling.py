"""How a word is spelt: shapes to find a typo's word, the start a short form cuts, capitals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DIGRAPHS = frozenset("ch sh th ph gh ck".split())
"""Letter pairs that spell one sound: a short form keeps them whole ("mac" is no cut of
"machine")."""


def common_start(words: Sequence[str]) -> str:
    """The letters all of `words` start with."""
    first, last = min(words), max(words)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first if size is None else first[:size]


def capitals(word: str) -> bool:
    """True for a word typed in capitals ("SHAP", "LFS"): an acronym or a name as written."""
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


Shapes = dict[tuple[str, int], tuple[str, ...]]


def shapes(words: Iterable[str]) -> Shapes:
    """Words by (first letter, length)."""
    found: dict[tuple[str, int], list[str]] = {}
    for word in sorted(words):
        found.setdefault((word[:1], len(word)), []).append(word)
    return {shape: tuple(words) for shape, words in found.items()}
