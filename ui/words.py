"""Messages in plain words: no environment variable names, no developer terms."""

from __future__ import annotations

import re

from advisor import InputError

_SETTING_NAME = re.compile(
    r"\s*\((?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+\)|\b(?:ADVISOR|OPENAI|CHROMA)_[A-Z0-9_]+"
)
"""`(ADVISOR_MAX_QUESTION_CHARS)` and bare names like OPENAI_BASE_URL."""


def plain(message: str) -> str:
    """A message without setting names, starting with a capital letter."""
    text = _SETTING_NAME.sub("", message)
    text = re.sub(r"\s{2,}", " ", text).strip()
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    return text[:1].upper() + text[1:]


def too_long(length: int, limit: int) -> str:
    """The message for a question longer than the box allows."""
    return (
        f"That message is {length:,} characters long, and I can read up to {limit:,}. "
        "Please shorten it, or ask one question at a time."
    )


def input_problem(exc: InputError, limit: int) -> str:
    """What was wrong with a question, in words."""
    found = re.search(r"is (\d+) characters long", str(exc))
    if found:
        return too_long(int(found.group(1)), limit)
    return plain(str(exc))
