"""The streamed chat completion: chunks of safe text, limited, then annotations and usage.

Every content piece is text `CareerAdvisor.stream` already made safe (SafeStream);
the `Truncator` only holds back or cuts it, so what is streamed is always a prefix
of what the whole answer would say.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
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
        self.truncator = Truncator(options.limits, counter)

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
            answer: Answer | None = None
            body = 0  # characters of answer text pushed (the rest is the sources footer)
            async for item in items:
                if isinstance(item, Answer):
                    answer = item
                    continue
                body += len(item)
                piece = self.truncator.push(item)  # past a limit: drained, not sent
                if piece:
                    yield self.chunk({"content": piece})
            if answer is not None:
                for event in self._ending(answer, body):
                    yield event
        except AdvisorError as exc:
            _, kind, message = describe_error(exc, secrets)
            yield sse(error_body(message, kind))
        except Exception:
            log.exception("streamed chat completion failed")
            yield sse(error_body("internal error while answering", "server_error"))
        yield sse("[DONE]")

    def _ending(self, answer: Answer, body: int) -> list[str]:
        """The rest of the text, the finishing chunk with annotations, then the usage chunk."""
        events = []
        footer = sources_footer(answer) if self.options.sources_in_content else ""
        rest = self.truncator.push(footer) + self.truncator.close()
        if rest:
            events.append(self.chunk({"content": rest}))
        content = self.truncator.sent
        marks = url_citations(content, min(body, len(content)), answer.sources)
        finish = self.truncator.finish or finish_of(answer)
        sources = [public_source(s) for s in answer.sources]
        events.append(self.chunk({"annotations": marks}, finish, sources=sources))
        if self.options.include_usage:
            usage = usage_of(answer, self.counter, self.prompts, content)
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
