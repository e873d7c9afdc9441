"""How long a model's reply may be, and what a streamed reply says about itself.

A reply is held to ADVISOR_LLM_MAX_TOKENS (or the caller's lower limit) twice: the server is
asked for at most that many tokens, and the text received is cut at CHARS_PER_TOKEN
characters a token, for a server that ignores the limit. Its chunks report why it ended
(`finished`) and, on the last one, the tokens spent (`reported_usage`).
"""

from __future__ import annotations

from typing import Any

from advisor.deadline import Deadline
from advisor.records import Usage
from advisor.settings import Settings

CHARS_PER_TOKEN = 8
"""Characters a token stands for when ADVISOR_LLM_MAX_TOKENS is enforced on the text received:
twice the usual 4, so a server that keeps max_tokens (and ends with finish_reason "length") is
never cut first; only one that ignores it (floods) is."""


def reply_tokens(settings: Settings, deadline: Deadline | None = None) -> int:
    """Most tokens one reply may have: ADVISOR_LLM_MAX_TOKENS, or the caller's lower limit."""
    limit = deadline.max_tokens if deadline is not None else None
    return min(settings.llm_max_tokens, limit) if limit else settings.llm_max_tokens


def text_budget(settings: Settings, deadline: Deadline | None = None) -> int:
    """The most characters of model text one answer keeps, whatever the server sends."""
    return CHARS_PER_TOKEN * reply_tokens(settings, deadline)


def finished(reason: str) -> bool:
    """True when the model said it was done; "length" (cut at max_tokens or the end of its
    context) and no reason at all (the stream broke off) are unfinished answers."""
    return bool(reason) and reason != "length"


def reported_usage(chunk: Any) -> Usage | None:
    """The token usage a streamed chunk carries (the server's last chunk, when it reports one)."""
    meta = getattr(chunk, "usage_metadata", None) or {}
    prompt, completion = meta.get("input_tokens"), meta.get("output_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return Usage(prompt, completion) if prompt or completion else None
