"""Messages in plain words: no environment variable names, no developer terms."""

from __future__ import annotations

import re

from advisor import InputError

_SETTING_NAME = re.compile(
    r"\s*\((?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+\)|\b(?:ADVISOR|OPENAI|CHROMA)_[A-Z0-9_]+"
)
"""`(ADVISOR_MAX_QUESTION_CHARS)` and bare names like OPENAI_BASE_URL."""
_TO_CHECK = re.compile(r"\b(check|set) ((?:[A-Z][A-Z0-9]*_)+[A-Z0-9]+)(?: \(and ([A-Z0-9_]+)\))?")
"""`check OPENAI_API_KEY`, `check ADVISOR_LLM_MODEL (and OPENAI_BASE_URL)`: advice to keep."""
_IN_WORDS = {
    "OPENAI_API_KEY": "the API key",
    "OPENAI_BASE_URL": "the server address",
    "ADVISOR_LLM_MODEL": "the model name",
    "ADVISOR_EMBEDDING_MODEL": "the embedding model",
}
"""The settings a message may ask a person to check, said in words."""


def _advice(match: re.Match[str]) -> str:
    """The advice of `check NAME (and NAME)` with each setting said in words."""
    said = [_IN_WORDS.get(name) for name in match.group(2, 3) if name]
    known = [words for words in said if words]
    things = " and ".join(known) if known else "the advisor's settings"
    return f"{match.group(1)} {things}"


def plain(message: str) -> str:
    """A message without setting names, starting with a capital letter."""
    text = _SETTING_NAME.sub("", _TO_CHECK.sub(_advice, message))
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
