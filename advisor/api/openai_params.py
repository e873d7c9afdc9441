"""The Chat Completions request: its model, the checks OpenAI makes, and OpenAI's error shape.

Parameters the advisor cannot honour (`n>1`, forced tool calls, structured output,
logprobs, out-of-range sampling values) are refused with 400 and the `param` at fault,
as OpenAI answers, unless the client asked to drop them (ADVISOR_DROP_UNSUPPORTED, the
`X-Advisor-Drop-Unsupported` header or `career_advisor.drop_unsupported`), as LiteLLM's
`drop_params` does. Sampling hints with no effect on a cited answer (`seed`,
`presence_penalty`, ...) are accepted and ignored, as other OpenAI-compatible servers do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from fastapi.responses import JSONResponse
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from advisor.api.openai_text import Limits
from advisor.api.schemas.base import NONBLANK, Positive, Whole, whole

MODEL = "career-advisor"
DROP_HEADER = "x-advisor-drop-unsupported"
"""A request header that turns refusals of unsupported parameters into silent drops."""
_TRUE = ("1", "true", "yes", "on")
_NONBLANK = re.compile(NONBLANK)
log = logging.getLogger("advisor.api")


class OpenAIError(Exception):
    """A request OpenAI would refuse: becomes {"error": {message, type, param, code}}."""

    def __init__(
        self,
        message: str,
        param: str | None,
        code: str | None = None,
        *,
        status: int = 400,
        kind: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code
        self.status, self.kind, self.headers = status, kind, headers

    def response(self) -> JSONResponse:
        """The error as OpenAI sends it."""
        error = {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}
        return JSONResponse({"error": error}, status_code=self.status, headers=self.headers)


ROLES = ("system", "developer", "user", "assistant", "tool", "function")
"""OpenAI's message roles; only user and assistant turns reach the advisor."""


class ContentPart(BaseModel):
    """One part of a message's content: text parts are read, other kinds are ignored."""

    model_config = ConfigDict(extra="allow", strict=True)
    type: str = Field(examples=["text"])
    text: str | None = None


class ChatMessage(BaseModel):
    """One message; content is text or a list of content parts (text parts are used).

    A user message must hold text other than whitespace (at most ADVISOR_MAX_QUESTION_CHARS).
    Fields a message carries back from a response (`name`, `tool_calls`, `refusal`, ...) pass.
    """

    model_config = ConfigDict(extra="allow", strict=True)
    role: Literal[ROLES]  # type: ignore[valid-type]
    content: str | list[ContentPart] | None = None

    @field_validator("content")
    @classmethod
    def _user_text(cls, content: Any, info: ValidationInfo) -> Any:
        if info.data.get("role") == "user" and not _NONBLANK.search(message_text(content)):
            raise ValueError("a user message is empty: it must hold text other than whitespace")
        return content


def message_text(content: str | list[ContentPart] | None) -> str:
    """The text of a message's content: the string, or its text parts joined."""
    if isinstance(content, str):
        return content
    return "".join(p.text or "" for p in content or () if p.type == "text")


class StreamOptions(BaseModel):
    """`stream_options`: `include_usage` adds a last chunk with the usage."""

    model_config = ConfigDict(extra="allow", strict=True)
    include_usage: bool = False


class AdvisorOptions(BaseModel):
    """The request extension `career_advisor`: what only this server understands."""

    model_config = ConfigDict(extra="forbid", strict=True)
    sources_in_content: bool = Field(
        default=True,
        description='Append the Markdown "Sources" list to the content (annotations stay).',
    )
    drop_unsupported: bool | None = Field(
        default=None,
        description="Drop unsupported parameters instead of refusing them (default: the "
        "X-Advisor-Drop-Unsupported header, else ADVISOR_DROP_UNSUPPORTED).",
    )


class ChatRequest(BaseModel):
    """The Chat Completions request. Parameters the advisor cannot honour are refused (400
    with `param`) unless dropping is asked for; hints with no effect on a cited answer
    (`seed`, `presence_penalty`, `metadata`, ...) are accepted and ignored; any other field
    is refused, as OpenAI refuses an unrecognized argument."""

    model_config = ConfigDict(extra="forbid", strict=True)
    model: str = Field(
        description="The one model; any other name is 404 `model_not_found`.",
        json_schema_extra={"enum": [MODEL]},
    )
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    max_tokens: Positive | None = None
    max_completion_tokens: Positive | None = None
    stop: str | list[str] | None = Field(None, description="At most 4 stop sequences.")
    user: str | None = Field(None, max_length=256)
    n: Positive | None = None
    temperature: float | None = None
    top_p: float | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    logprobs: bool | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20), BeforeValidator(whole)] | None = None
    career_advisor: AdvisorOptions = Field(default_factory=AdvisorOptions)
    # accepted and ignored: they cannot change a cited answer
    seed: Whole | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: dict[str, float] | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None
    parallel_tool_calls: bool | None = None
    service_tier: str | None = None
    reasoning_effort: str | None = None
    verbosity: str | None = None
    modalities: list[str] | None = None
    prompt_cache_key: str | None = None
    prompt_cache_retention: str | None = None
    safety_identifier: str | None = None
    audio: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    moderation: dict[str, Any] | None = None
    prompt_cache_options: dict[str, Any] | None = None
    web_search_options: dict[str, Any] | None = None


class Extended(Protocol):
    """A request that carries the `career_advisor` extension."""

    @property
    def career_advisor(self) -> AdvisorOptions: ...


@dataclass(frozen=True)
class Options:
    """What a checked request asks of the answer."""

    limits: Limits
    include_usage: bool
    sources_in_content: bool
    user: str | None
    dropped: tuple[str, ...]


def check_request(body: ChatRequest, drop: bool) -> Options:
    """The request's options; raises OpenAIError for what cannot be honoured (unless `drop`)."""
    dropped = refuse_or_drop(_refusals(body), drop)
    stream_options = body.stream_options
    if stream_options is not None and not body.stream:
        raise OpenAIError(
            "stream_options is only allowed when stream is true", "stream_options", "invalid_value"
        )
    return Options(
        limits=Limits(max_tokens=_max_tokens(body), stop=_stops(body.stop)),
        include_usage=bool(stream_options and stream_options.include_usage),
        sources_in_content=body.career_advisor.sources_in_content,
        user=body.user or None,
        dropped=dropped,
    )


def refuse_or_drop(refused: list[OpenAIError], drop: bool) -> tuple[str, ...]:
    """The parameters dropped (logged once); raises the first refusal unless `drop`."""
    if refused and not drop:
        raise refused[0]
    dropped = tuple(e.param or "" for e in refused)
    if dropped:
        log.info("dropped unsupported parameters: %s", ", ".join(dropped))
    return dropped


def wants_drop(header: str | None, body: Extended, default: bool) -> bool:
    """Whether to drop unsupported parameters: the body's extension, then the header, then
    the server's setting."""
    if body.career_advisor.drop_unsupported is not None:
        return body.career_advisor.drop_unsupported
    if header is not None:
        return header.strip().lower() in _TRUE
    return default


def _refusals(body: ChatRequest) -> list[OpenAIError]:
    """Every parameter this request sets that the advisor cannot honour, in request order."""
    found: list[OpenAIError] = []
    if body.n is not None and body.n > 1:
        found.append(_unsupported("n", f"n={body.n}: the advisor returns one choice (n=1)"))
    for choice, param in ((body.tool_choice, "tool_choice"), (body.function_call, "function_call")):
        found += refuse_tool_choice(choice, param)
    found += refuse_format((body.response_format or {}).get("type", "text"), "response_format")
    if body.logprobs:
        found.append(_unsupported("logprobs", "logprobs are not available from the advisor"))
    if body.top_logprobs is not None:
        found.append(_unsupported("top_logprobs", "top_logprobs are not available"))
    found += refuse_sampling(body.temperature, body.top_p)
    return found


def refuse_tool_choice(choice: Any, param: str) -> list[OpenAIError]:
    """A refusal when `choice` forces a tool call (the advisor never calls tools)."""
    if choice is None or choice in ("none", "auto"):
        return []
    message = (
        f"{param} {_show(choice)} is not supported: the advisor answers in text and "
        "never calls tools (use 'none' or 'auto')"
    )
    return [_unsupported(param, message)]


def refuse_format(kind: Any, param: str) -> list[OpenAIError]:
    """A refusal when the output format asked for is not plain text."""
    if kind == "text":
        return []
    message = (
        f"{param} type {kind!r} is not supported: the advisor answers in cited "
        "prose only, so structured output (JSON mode, json_schema, with_structured_output) "
        "cannot be honoured; use type 'text'"
    )
    return [_unsupported(param, message)]


def refuse_sampling(temperature: float | None, top_p: float | None) -> list[OpenAIError]:
    """Refusals for sampling values outside OpenAI's ranges (in range, they are ignored)."""
    found = []
    for name, value, high in (("temperature", temperature, 2.0), ("top_p", top_p, 1.0)):
        if value is not None and not 0.0 <= value <= high:
            side = "above maximum" if value > high else "below minimum"
            message = (
                f"Invalid '{name}': decimal {side} value. "
                f"Expected a value between 0 and {high:g}, but got {value:g} instead."
            )
            found.append(OpenAIError(message, name, f"decimal_{side.replace(' ', '_')}_value"))
    return found


def _unsupported(param: str, message: str) -> OpenAIError:
    return OpenAIError(message, param, "unsupported_value")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        name = (value.get("function") or {}).get("name") or value.get("name")
        return f"forcing {name!r}" if name else repr(value.get("type", "object"))
    return repr(value)


def _max_tokens(body: ChatRequest) -> int | None:
    limits = [v for v in (body.max_tokens, body.max_completion_tokens) if v is not None]
    return min(limits) if limits else None


def _stops(stop: str | list[str] | None) -> tuple[str, ...]:
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    if len(stops) > 4:
        raise OpenAIError("stop takes at most 4 sequences", "stop", "invalid_value")
    return tuple(s for s in stops if s)


def validation_error(errors: Any) -> OpenAIError:
    """OpenAI's 400 for a body that does not fit the request model: the first field at fault."""
    first: dict[str, Any] = next(iter(errors), {}) if errors else {}
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        return OpenAIError("the request body is not valid JSON", None, "invalid_json")
    param = _param(first.get("loc", ()))
    if not param and kind in ("model_attributes_type", "dict_type"):
        message = "the request body must be a JSON object (Content-Type: application/json)"
        return OpenAIError(message, None, "invalid_type")
    if kind == "missing":
        return OpenAIError(
            f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
        )
    if kind == "extra_forbidden":
        message = f"Unrecognized request argument supplied: {param}"
        return OpenAIError(message, param, "unknown_parameter")
    message = f"Invalid '{param or 'body'}': {first.get('msg', 'invalid value')}."
    return OpenAIError(message, param or None, "invalid_value")


def _param(loc: Any) -> str:
    """A pydantic error location as OpenAI names parameters: messages[0].role."""
    name = ""
    for part in loc:
        if part == "body" and not name:
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        elif part in ("str", "list[str]", "int", "float", "bool") or "[" in str(part):
            continue  # pydantic's union-branch names are not parameters
        else:
            name += f".{part}" if name else str(part)
    return name
