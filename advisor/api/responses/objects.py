"""The JSON objects of the Responses API: the response, its message, annotations and usage.

Shapes follow the `openai` package's `openai.types.responses` models; `sources` is the
advisor's extension (SDKs keep it as an extra field).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from advisor.api.common import public_source
from advisor.api.openai_params import MODEL
from advisor.api.openai_stream import Ending
from advisor.api.responses.params import ResponsesRequest


def flat_citations(marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat Completions' nested `url_citation` annotations in the Responses API's flat shape."""
    return [{"type": "url_citation", **mark["url_citation"]} for mark in marks]


def responses_usage(usage: dict[str, int]) -> dict[str, Any]:
    """A Chat Completions `usage` in the Responses API's names."""
    return {
        "input_tokens": usage["prompt_tokens"],
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": usage["completion_tokens"],
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage["total_tokens"],
    }


def status_of(end: Ending) -> str:
    """ "incomplete" when the text was cut by `max_output_tokens` (or the model ran out)."""
    return "incomplete" if end.finish == "length" else "completed"


@dataclass
class Draft:
    """One response being built: its ids, the request it answers, and its objects."""

    body: ResponsesRequest
    id: str = field(default_factory=lambda: f"resp_{uuid.uuid4().hex}")
    message_id: str = field(default_factory=lambda: f"msg_{uuid.uuid4().hex}")
    created: int = field(default_factory=lambda: int(time.time()))

    def part(
        self, text: str = "", annotations: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The `output_text` content part."""
        return {
            "type": "output_text",
            "text": text,
            "annotations": annotations or [],
            "logprobs": [],
        }

    def message(self, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
        """The one output item: the assistant's message."""
        return {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "status": status,
            "content": content,
        }

    def response(self, status: str, output: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        """The response object in this state (`extra`: usage, error, incomplete_details, ...)."""
        body = self.body
        data: dict[str, Any] = {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "status": status,
            "model": MODEL,
            "output": output,
            "error": None,
            "incomplete_details": None,
            "instructions": body.instructions,
            "max_output_tokens": body.max_output_tokens,
            "previous_response_id": body.previous_response_id,
            "parallel_tool_calls": False,
            "tool_choice": "none" if body.tool_choice == "none" else "auto",
            "tools": [],
            "temperature": body.temperature,
            "top_p": body.top_p,
            "text": {"format": {"type": "text"}},
            "truncation": "disabled",
            "store": body.store,
            "user": body.user,
            "metadata": body.metadata or {},
            "usage": None,
        }
        return {**data, **extra}

    def finished(self, end: Ending, usage: dict[str, int]) -> dict[str, Any]:
        """The whole response once the answer ended."""
        status = status_of(end)
        part = self.part(end.content, flat_citations(end.annotations))
        extra: dict[str, Any] = {
            "usage": responses_usage(usage),
            "sources": [public_source(s) for s in end.answer.sources],
        }
        if status == "incomplete":
            extra["incomplete_details"] = {"reason": "max_output_tokens"}
        else:
            extra["completed_at"] = int(time.time())
        return self.response(status, [self.message(status, [part])], **extra)
