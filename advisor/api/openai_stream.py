"""The streamed chat completion: chunks of safe text, limited, then annotations and usage.

Every content piece is text `CareerAdvisor.stream` already made safe (SafeStream);
the `Truncator` only holds back or cuts it, so what is streamed is always a prefix
of what the whole answer would say.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from advisor.api.common import describe_error, public_source, sources_footer, sse
from advisor.api.guard import error_body
from advisor.api.openai_params import MODEL, Options
from advisor.api.openai_text import Truncator, finish_of, url_citations
from advisor.api.usage import TokenCounter, usage_of
from advisor.errors import AdvisorError
from advisor.records import Answer

log = logging.getLogger("advisor.api")


class StreamReply:
    """One streamed completion: chunks of safe text, limited, then annotations and usage."""

    def __init__(
        self,
        completion_id: str,
        created: int,
        options: Options,
        counter: TokenCounter,
        prompts: list[str],
    ) -> None:
        self.id, self.created, self.options = completion_id, created, options
        self.counter, self.prompts = counter, prompts

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        """One `chat.completion.chunk` event."""
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL,
            "choices": [choice],
            **extra,
        }
        if self.options.include_usage:
            data.setdefault("usage", None)
        return sse(data)

    async def events(self, items: AsyncIterator[str | Answer], secrets: Any) -> AsyncIterator[str]:
        """The whole stream: role, content pieces, the last chunk, usage, [DONE] (or an error)."""
        yield self.chunk({"role": "assistant", "content": ""})
        try:
            async for item in limited_text(items, self.options, self.counter):
                if isinstance(item, str):
                    yield self.chunk({"content": item})
                else:
                    for event in self._ending(item):
                        yield event
        except AdvisorError as exc:
            _, kind, message = describe_error(exc, secrets)
            yield sse(error_body(message, kind))
        except Exception:
            log.exception("streamed chat completion failed")
            yield sse(error_body("internal error while answering", "server_error"))
        yield sse("[DONE]")

    def _ending(self, end: Ending) -> list[str]:
        """The finishing chunk with annotations, then the usage chunk."""
        sources = [public_source(s) for s in end.answer.sources]
        events = [self.chunk({"annotations": end.annotations}, end.finish, sources=sources)]
        if self.options.include_usage:
            usage = usage_of(end.answer, self.counter, self.prompts, end.content)
            events.append(self.chunk_usage(usage))
        return events

    def chunk_usage(self, usage: dict[str, int]) -> str:
        """The last chunk when `stream_options.include_usage` is set: no choices, the usage."""
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": MODEL,
            "choices": [],
            "usage": usage,
        }
        return sse(data)


@dataclass(frozen=True)
class Ending:
    """How a limited stream ended: the answer, all text sent, its annotations, the finish."""

    answer: Answer
    content: str
    annotations: list[dict[str, Any]]
    finish: str


async def limited_text(
    items: AsyncIterator[str | Answer], options: Options, counter: TokenCounter
) -> AsyncIterator[str | Ending]:
    """The stream guard shared by the OpenAI-compatible streams: each safe piece as far as the
    limits release it, the sources footer, then one `Ending` (none if the answer never came)."""
    truncator = Truncator(options.limits, counter)
    answer: Answer | None = None
    body = 0  # characters of answer text pushed (the rest is the sources footer)
    async for item in items:
        if isinstance(item, Answer):
            answer = item
            continue
        body += len(item)
        piece = truncator.push(item)  # past a limit: drained, not sent
        if piece:
            yield piece
    if answer is None:
        return
    footer = sources_footer(answer) if options.sources_in_content else ""
    rest = truncator.push(footer) + truncator.close()
    if rest:
        yield rest
    content = truncator.sent
    marks = url_citations(content, min(body, len(content)), answer.sources)
    yield Ending(answer, content, marks, truncator.finish or finish_of(answer))
