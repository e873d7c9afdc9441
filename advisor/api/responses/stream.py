"""The streamed response: OpenAI's documented event sequence over the shared stream guard.

`response.created`, `response.in_progress`, `response.output_item.added`,
`response.content_part.added`, one `response.output_text.delta` per released piece, one
`response.output_text.annotation.added` per citation, `response.output_text.done`,
`response.content_part.done`, `response.output_item.done`, then `response.completed` (or
`response.incomplete` when `max_output_tokens` cut the text). Every event is named in the
SSE `event:` line and numbered by `sequence_number`. A failure after the first byte ends the
stream with `error` and `response.failed`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from advisor.api.common import describe_error, sse
from advisor.api.openai_params import Options
from advisor.api.openai_stream import Ending, limited_text
from advisor.api.responses.objects import Draft, flat_citations, status_of
from advisor.api.usage import TokenCounter, usage_of
from advisor.errors import AdvisorError
from advisor.records import Answer

log = logging.getLogger("advisor.api")


class ResponseStream:
    """One streamed response; `on_end` gets the ending (to store the turns)."""

    def __init__(
        self,
        draft: Draft,
        options: Options,
        counter: TokenCounter,
        prompts: list[str],
        on_end: Callable[[Ending], None],
    ) -> None:
        self.draft, self.options, self.counter, self.prompts = draft, options, counter, prompts
        self.on_end = on_end
        self.sequence = 0

    def event(self, kind: str, **data: Any) -> str:
        """One numbered, named event."""
        payload = {"type": kind, "sequence_number": self.sequence, **data}
        self.sequence += 1
        return sse(payload, event=kind)

    def _where(self) -> dict[str, Any]:
        return {"item_id": self.draft.message_id, "output_index": 0, "content_index": 0}

    async def events(self, items: AsyncIterator[str | Answer], secrets: Any) -> AsyncIterator[str]:
        """The whole stream, from `response.created` to `response.completed` (or a failure)."""
        draft = self.draft
        started = draft.response("in_progress", [])
        yield self.event("response.created", response=started)
        yield self.event("response.in_progress", response=started)
        item = draft.message("in_progress", [])
        yield self.event("response.output_item.added", output_index=0, item=item)
        part = draft.part()
        where = self._where()
        yield self.event("response.content_part.added", part=part, **where)
        failure: tuple[str, str] | None = ("server_error", "the answer ended without a result")
        try:
            async for piece in limited_text(items, self.options, self.counter):
                if isinstance(piece, str):
                    yield self.event(
                        "response.output_text.delta", delta=piece, logprobs=[], **where
                    )
                else:
                    for event in self._ending(piece):
                        yield event
                    failure = None
        except AdvisorError as exc:
            _, kind, message = describe_error(exc, secrets)
            failure = (kind, message)
        except Exception:
            log.exception("streamed response failed")
            failure = ("server_error", "internal error while answering")
        if failure is not None:
            kind, message = failure
            yield self.event("error", code=kind, message=message, param=None)
            error = {"code": "server_error", "message": message, "type": kind}
            yield self.event("response.failed", response=draft.response("failed", [], error=error))

    def _ending(self, end: Ending) -> list[str]:
        """The annotations, the done events and the finished response."""
        draft, where = self.draft, self._where()
        marks = flat_citations(end.annotations)
        events = [
            self.event(
                "response.output_text.annotation.added",
                annotation_index=i,
                annotation=mark,
                **where,
            )
            for i, mark in enumerate(marks)
        ]
        events.append(
            self.event("response.output_text.done", text=end.content, logprobs=[], **where)
        )
        part = draft.part(end.content, marks)
        events.append(self.event("response.content_part.done", part=part, **where))
        item = draft.message(status_of(end), [part])
        events.append(self.event("response.output_item.done", output_index=0, item=item))
        usage = usage_of(end.answer, self.counter, self.prompts, end.content)
        response = draft.finished(end, usage)
        self.on_end(end)
        kind = "response.completed" if response["status"] == "completed" else "response.incomplete"
        events.append(self.event(kind, response=response))
        return events
