"""What the language model's failures mean: the advisor's own error, a retry, or a prompt to cut.

Client-library errors stop here: `translate_error` names the setting to fix, `retryable` and
`backoff` drive the retries, and `context_too_long` reads each server's wording of a prompt
longer than its context (llama.cpp, llama-cpp-python, OpenAI).
"""

from __future__ import annotations

import random
import re

from advisor.errors import ConfigurationError, LLMError, LLMTimeout
from advisor.settings import Settings

CONTEXT_RETRIES = 3
"""Times an answer is asked again, cut down, after the server said its prompt was too long."""

_CONTEXT_WORDS = (
    "exceed_context_size_error",  # llama.cpp's server: 400, its `type`
    "exceeds the available context size",  # ... and its message
    "exceed context window",  # llama-cpp-python: "Requested tokens (n) exceed context window of m"
    "context_length_exceeded",  # OpenAI (and llama-cpp-python's server): the error `code`
    "maximum context length",  # OpenAI's message
    "context length",
)
_CONTEXT_SIZES = (  # (prompt tokens, context tokens) as each server words them
    (r"\((\d+) tokens\) exceeds the available context size \((\d+) tokens\)", 1, 2),
    (r"requested tokens \((\d+)\) exceed context window of (\d+)", 1, 2),
    (r"maximum context length is (\d+) tokens.*?(?:resulted in|requested) (\d+) tokens", 2, 1),
)


class ContextTooLong(Exception):
    """The server rejected the prompt as longer than the model's context."""

    def __init__(self, prompt_tokens: int = 0, context_tokens: int = 0) -> None:
        super().__init__("the prompt exceeds the model's context")
        self.prompt_tokens = prompt_tokens
        self.context_tokens = context_tokens

    def fits(self, max_tokens: int) -> float:
        """The share of the prompt to keep: what the server says fits, less room for the reply
        (a quarter of the context at most) and a tenth for the tokenizer; else one half."""
        if not 0 < self.context_tokens < self.prompt_tokens:
            return 0.5
        room = self.context_tokens - min(max_tokens, self.context_tokens // 4)
        return max(0.1, min(0.9, 0.9 * room / self.prompt_tokens))


def context_too_long(exc: BaseException) -> ContextTooLong | None:
    """The overflow the error reports (llama.cpp, llama-cpp-python or OpenAI wording), if any."""
    import openai

    if not isinstance(exc, openai.APIError | ValueError):
        return None
    body = getattr(exc, "body", None)
    detail = body.get("error", body) if isinstance(body, dict) else {}
    text = f"{exc} {body}".lower()
    if not any(word in text for word in _CONTEXT_WORDS):
        return None
    if isinstance(detail, dict):
        prompt, context = detail.get("n_prompt_tokens"), detail.get("n_ctx")
        if isinstance(prompt, int) and isinstance(context, int):
            return ContextTooLong(prompt, context)
    for pattern, prompt_at, context_at in _CONTEXT_SIZES:
        if match := re.search(pattern, text, re.DOTALL):
            return ContextTooLong(int(match[prompt_at]), int(match[context_at]))
    return ContextTooLong()


def translate_error(exc: BaseException, settings: Settings) -> Exception:
    """Map client-library errors to the advisor's own, naming the setting to fix."""
    import openai

    if isinstance(exc, (LLMError, ConfigurationError)):
        return exc
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigurationError(
            "the language model rejected the credentials: check OPENAI_API_KEY"
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigurationError(
            f"the language model {settings.llm_model!r} was not found on the server: "
            "check ADVISOR_LLM_MODEL (and OPENAI_BASE_URL)"
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError("the language model is busy (rate limited); try again shortly")
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return LLMTimeout(
            f"the language model did not answer within {settings.llm_timeout:g} s "
            "(ADVISOR_LLM_TIMEOUT)"
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("the language model server cannot be reached (OPENAI_BASE_URL)")
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"the language model is failing (HTTP {exc.status_code})")
    return LLMError(f"the language model failed: {type(exc).__name__}")


def retryable(exc: BaseException) -> bool:
    """Worth another attempt: rate limits, 408/409/5xx, lost connections (never a silent
    server: the first-token limit is the whole answer's)."""
    import openai

    if isinstance(exc, openai.APIConnectionError):
        return True
    if not isinstance(exc, openai.APIStatusError):
        return False
    return exc.status_code in (408, 409, 429) or exc.status_code >= 500


def backoff(attempt: int, failure: BaseException | None) -> float:
    """Seconds to wait before retry number `attempt`: the server's Retry-After when it gives a
    short one, else exponential (0.5 s, 1 s, 2 s ... at most 8 s) with jitter."""
    response = getattr(failure, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    try:
        wait = float(header) if header is not None else -1.0
    except ValueError:
        wait = -1.0
    if 0 <= wait <= 60:
        return wait
    return min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.75, 1.0)
