"""What every advisor request and response body shares: the bases, field types, errors."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

NONBLANK = (
    "[^\\u0000\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029"
    "\\u202f\\u205f\\u3000]"
)
"""A character that is neither whitespace nor NUL: what a question must contain (the
advisor strips both, and an empty question is refused)."""


def whole(value: Any) -> Any:
    """12.0 is the JSON integer 12 (JSON Schema says so); "12" and true stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(whole)]
"""A JSON integer: a whole number, never a string or a boolean."""
Positive = Annotated[int, Field(ge=1), BeforeValidator(whole)]
"""A JSON integer from 1 up."""


class RequestBody(BaseModel):
    """A request body: JSON types exactly as documented ("3" is not a number), no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ResponseBody(BaseModel):
    """A response body: documented fields, and any the advisor adds later kept."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    """What went wrong, in OpenAI's error shape."""

    message: str = Field(description="One readable line; never a traceback or a secret.")
    type: str = Field(examples=["invalid_request_error"])
    param: str | None = Field(default=None, description="The request field at fault, if any.")
    code: str | None = None


class Error(BaseModel):
    """The one error envelope of every route: {"error": {message, type, param, code}}."""

    error: ErrorDetail
