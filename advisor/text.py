"""Small text helpers shared by retrieval and answering: tokens and sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import Any

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.\-]*[a-z0-9+#]|[a-z0-9]")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-Z0-9\"'“‘(])")
"""Where a sentence ends: not after an initial ("John D. Hunter")."""

QUESTION_OPENER = re.compile(
    r"^\s*(?:(?:how|what|where|who)(?:'?s)?|which|when|why|should|can|could|do|does|is|are"
    r"|will|would|am)\b",
    re.I,
)
"""A sentence or clause that opens on a question word ("whats next", "could i switch")."""

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    im ive id dont doesnt isnt arent wont cant also get got gonna wanna really thing things one
    please tell know like want need much many lot lots s t
    """.split()
)


def normalize(text: str) -> str:
    """Lowercase, fold accents and typographic quotes so matching is forgiving."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return text.lower()


def stem(word: str) -> str:
    """The word's English Snowball stem ("evaluation" and "evaluating" -> "evalu"), with the
    maths words as one ("maths", "mathematical" -> "math")."""
    if word.startswith("mathemat") or word == "maths":
        return "math"  # "maths", "mathematical", "mathematics" all ask about the same subject
    return _snowball(word)


@lru_cache(maxsize=1 << 16)
def _snowball(word: str) -> str:
    return _stemmer().stemWord(word)


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def tokens(text: str) -> list[str]:
    """Content-word tokens, stemmed, stopwords removed."""
    words = _WORD.findall(normalize(text).replace("'", ""))
    return [stem(w.strip(".-")) for w in words if w not in STOPWORDS and w.strip(".-")]


def heading(line: str) -> tuple[int, str] | None:
    """(level, title) of a Markdown ATX heading line ("## Skills ##"), or None.

    Read with string operations, in one pass: the pattern it replaces,
    `^(#{1,6})\\s+(.+?)\\s*#*\\s*$`, backtracked cubically on a long run of spaces.
    """
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or len(line) == level or not line[level].isspace():
        return None
    body = line[level:]
    rest = body.lstrip()
    title = rest.rstrip().rstrip("#").rstrip()
    if title:
        return level, title
    if rest:  # "# ##": the title is the first mark
        return level, rest[0]
    return (level, body[-1]) if len(body) > 1 else None  # "#" and spaces: one of them


def headed_lines(text: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """(headings over it inside the passage, stripped line) for each line; a heading itself
    comes as an empty line, since it ends a paragraph as a blank line does."""
    stack: list[tuple[int, str]] = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        found = heading(line)
        if found:
            level, title = found
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            line = ""
        yield tuple(title for _, title in stack), line


def headed_sentences(text: str) -> list[tuple[str, str]]:
    """(heading path inside the passage, sentence) for each sentence and list item."""
    found: list[tuple[str, str]] = []
    for headings, line in headed_lines(text):
        if not line:
            continue
        line = re.sub(r"^(?:[-*•]|\d+\.)\s+", "", line)
        path = " > ".join(headings)
        found.extend((path, part.strip()) for part in _SENTENCE_END.split(line) if part.strip())
    return found


def sentences(text: str) -> list[str]:
    """Split a passage into sentences and list items, keeping their original wording."""
    return [sentence for _, sentence in headed_sentences(text)]
