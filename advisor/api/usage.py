"""Token counts for the OpenAI-compatible `usage`: the model's report, else a count.

Offline there is no language model to report usage, so the route counts with the embedding
model's tokenizer (`advisor.tokens`).
"""

from __future__ import annotations

from advisor.records import Answer
from advisor.tokens import TokenCounter, token_counter

__all__ = ["TokenCounter", "token_counter", "usage_of"]


def usage_of(
    answer: Answer, counter: TokenCounter, prompts: list[str], text: str
) -> dict[str, int]:
    """The `usage` object: the model's own report, else counted with the embedding tokenizer."""
    used = answer.usage or counter.usage(prompts, text)
    return {
        "prompt_tokens": used.prompt_tokens,
        "completion_tokens": used.completion_tokens,
        "total_tokens": used.prompt_tokens + used.completion_tokens,
    }
