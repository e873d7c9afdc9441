"""The Responses API request: its input, the checks OpenAI makes, and what it asks of the answer.

Parameters the advisor cannot honour (forced tool calls, structured output, logprobs,
background mode, stored prompts and conversations, out-of-range sampling values) are
refused with 400 and the `param` at fault, as on Chat Completions, unless the client asked
to drop them. Hints with no effect on a cited answer (`reasoning`, `truncation`, ...) are
accepted and ignored; `instructions` and system or developer messages are ignored, since
the advisor keeps its own rules.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from advisor.api.openai_compat import split_messages
from advisor.api.openai_params import (
    MODEL,
    AdvisorOptions,
    ChatMessage,
    OpenAIError,
    Options,
    refuse_format,
    refuse_or_drop,
    refuse_sampling,
    refuse_tool_choice,
)
from advisor.api.openai_text import Limits
from advisor.errors import InputError

log = logging.getLogger("advisor.api")
TEXT_PARTS = frozenset({"input_text", "output_text", "text"})
"""Content part types whose `text` is read; other parts (images, files) are ignored."""
LOGPROBS = "message.output_text.logprobs"


class ContentPart(BaseModel):
    """One part of a message's content; the text of text parts is used."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(examples=["input_text"])
    text: str | None = None


class InputMessage(BaseModel):
    """One input message: the last user message is the question, earlier turns the history."""

    model_config = ConfigDict(extra="allow")
    type: Literal["message"] = "message"
    role: Literal["user", "assistant", "system", "developer"]
    content: str | list[ContentPart]


class TextFormat(BaseModel):
    """`text.format`: only plain text (the advisor answers in cited prose)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(default="text", examples=["text"])


class TextConfig(BaseModel):
    """`text`: the output format."""

    model_config = ConfigDict(extra="allow")
    format: TextFormat = Field(default_factory=TextFormat)


def _input_kind(value: Any) -> str | None:
    """Which form `input` takes, so that a bad message is reported where it is wrong."""
    if isinstance(value, str):
        return "str"
    return "list[message]" if isinstance(value, list) else None


class ResponsesRequest(BaseModel):
    """The Responses API request; parameters the advisor cannot honour are refused."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(examples=[MODEL])
    input: Annotated[
        Annotated[str, Tag("str")] | Annotated[list[InputMessage], Tag("list[message]")],
        Discriminator(
            _input_kind,
            custom_error_type="input_type",
            custom_error_message="input must be a string or a list of input messages",
        ),
    ]
    instructions: str | None = None
    previous_response_id: str | None = Field(None, max_length=128)
    stream: bool = False
    store: bool = True
    max_output_tokens: int | None = Field(None, ge=1)
    temperature: float | None = None
    top_p: float | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    text: TextConfig | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    include: list[str] | None = None
    background: bool | None = None
    conversation: str | dict[str, Any] | None = None
    prompt: dict[str, Any] | None = None
    user: str | None = Field(None, max_length=256)
    metadata: dict[str, str] | None = None
    career_advisor: AdvisorOptions = Field(default_factory=AdvisorOptions)


def check_request(body: ResponsesRequest, drop: bool) -> Options:
    """The request's options; raises OpenAIError for what cannot be honoured (unless `drop`)."""
    dropped = refuse_or_drop(_refusals(body), drop)
    return Options(
        limits=Limits(max_tokens=body.max_output_tokens),
        include_usage=True,
        sources_in_content=body.career_advisor.sources_in_content,
        user=body.user or None,
        dropped=dropped,
    )


def _refusals(body: ResponsesRequest) -> list[OpenAIError]:
    """Every parameter this request sets that the advisor cannot honour, in request order."""
    found = refuse_tool_choice(body.tool_choice, "tool_choice")
    if body.text is not None:
        found += refuse_format(body.text.format.type, "text.format")
    if body.top_logprobs:
        found.append(_unsupported("top_logprobs", "top_logprobs are not available"))
    if LOGPROBS in (body.include or ()):
        found.append(_unsupported("include", f"{LOGPROBS} is not available from the advisor"))
    if body.background:
        message = "background responses are not supported: the advisor answers while you wait"
        found.append(_unsupported("background", message))
    if body.conversation is not None:
        message = "conversations are not stored here: send previous_response_id or the history"
        found.append(_unsupported("conversation", message))
    if body.prompt is not None:
        found.append(_unsupported("prompt", "stored prompt templates are not supported"))
    return found + refuse_sampling(body.temperature, body.top_p)


def _unsupported(param: str, message: str) -> OpenAIError:
    return OpenAIError(message, param, "unsupported_value")


def message_text(content: str | list[ContentPart]) -> str:
    """The text of a message: a string, or its text parts joined."""
    if isinstance(content, str):
        return content
    return "".join(p.text or "" for p in content if p.type in TEXT_PARTS)


def conversation(
    body: ResponsesRequest, earlier: tuple[tuple[str, str], ...]
) -> tuple[str, list[tuple[str, str]]]:
    """(question, history): the last user message of the input, and the stored turns of
    `previous_response_id` followed by the input's turns before that message."""
    given = (
        [("user", body.input)]
        if isinstance(body.input, str)
        else [(m.role, message_text(m.content)) for m in body.input]
    )
    messages = []
    for i, (role, text) in enumerate(given):
        try:
            messages.append(ChatMessage(role=role, content=text))
        except ValidationError:  # a blank user message: the chat message's own rule
            param = "input" if isinstance(body.input, str) else f"input[{i}].content"
            raise OpenAIError(
                "a user message is empty: it must hold text other than whitespace",
                param,
                "invalid_value",
            ) from None
    try:
        question, history = split_messages(messages)
    except InputError:
        raise OpenAIError(
            "input must contain a user message (the question)", "input", "invalid_value"
        ) from None
    return question, [*earlier, *history]


def prompt_texts(body: ResponsesRequest, earlier: tuple[tuple[str, str], ...]) -> list[str]:
    """Every text the request sends as input, for counting `input_tokens`."""
    texts = [body.instructions or "", *(text for _, text in earlier)]
    if isinstance(body.input, str):
        return [*texts, body.input]
    return [*texts, *(message_text(m.content) for m in body.input)]
