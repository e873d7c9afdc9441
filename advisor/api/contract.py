"""What the OpenAPI document says beyond the pydantic models: the limits that come from the
settings (k, question length), the filter grammar, and the Chat Completions rules that hold
across fields (refusals unless dropping, `stream_options` only with `stream`).

The server checks each of these itself (the advisor's filter check, `checked_k`, the
question length, the request checks of `openai_params`); these schemas state the same
rules, so a generated client or a contract test sees exactly what the server accepts.
"""

from __future__ import annotations

from typing import Any

from advisor.api.schemas.base import NONBLANK
from advisor.filters import EQUALITY, FIELDS, MAX_DEPTH, MAX_VALUES, NUMBER_FIELDS, ORDER
from advisor.settings import Settings

FILTER = "Filter"
"""The component name of a top-level filter (which may be empty)."""
NESTED = "NestedFilter"
"""A filter inside $and/$or (never empty)."""


def _condition(value: dict[str, Any], ops: tuple[str, ...]) -> dict[str, Any]:
    """A field's condition: a plain value (equality) or exactly one {operator: value}."""
    listed = {"type": "array", "minItems": 1, "maxItems": MAX_VALUES, "items": value}
    operators = {op: listed if op in ("$in", "$nin") else value for op in ops}
    return {
        "anyOf": [
            value,
            {
                "type": "object",
                "properties": operators,
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
            },
        ]
    }


def filter_schemas() -> dict[str, dict[str, Any]]:
    """The filter grammar as components: `Filter` (which nests) and the field conditions."""
    fields: dict[str, Any] = {
        name: _ref("StepCondition" if name in NUMBER_FIELDS else "TextCondition") for name in FIELDS
    }
    branches = {"type": "array", "minItems": 1, "items": _ref(NESTED)}
    fields |= {"$and": branches, "$or": branches}
    nested: dict[str, Any] = {
        "type": "object",
        "properties": fields,
        "additionalProperties": False,
        "minProperties": 1,
    }
    top = {
        **nested,
        "minProperties": 0,
        "description": (
            "{field: value} or {field: {operator: value}}; several fields must all hold; "
            f"$and/$or take lists of filters and nest up to {MAX_DEPTH} levels. Operators: "
            f"$eq, $ne, $in, $nin (a list of up to {MAX_VALUES}), and $gt, $gte, $lt, $lte "
            "for step."
        ),
    }
    return {
        "TextCondition": _condition({"type": "string"}, EQUALITY),
        "StepCondition": _condition({"type": "integer"}, EQUALITY + ORDER),
        FILTER: top,
        NESTED: nested,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def constrain(models: dict[str, Any], settings: Settings) -> None:
    """Put the settings' limits, the filter grammar and the cross-field rules into `models`."""
    models.update(filter_schemas())
    for name, text in (("AskRequest", "question"), ("RetrieveRequest", "query")):
        props = models[name]["properties"]
        props[text]["maxLength"] = settings.max_question_chars
        props["k"]["anyOf"][0]["maximum"] = settings.max_k
        props["filters"] = {
            "anyOf": [_ref(FILTER), {"type": "null"}],
            "description": props["filters"].get("description", ""),
        }
    said = {
        "anyOf": [
            {"type": "string", "maxLength": 0},
            {"type": "string", "pattern": NONBLANK, "maxLength": settings.max_question_chars},
            {"type": "null"},
        ]
    }
    for name in ("message", "about"):
        props = models["PlanRequest"]["properties"]
        props[name] = {**said, "description": props[name].get("description", "")}
    if "ChatRequest" in models:
        _chat(models, settings)
    if "ResponsesRequest" in models:
        _responses(models, settings)


def _responses(models: dict[str, Any], settings: Settings) -> None:
    """The Responses API's input: a user's text, as a string or in a message's text parts,
    holds something other than whitespace (what `responses.params.conversation` checks)."""
    user_text = {"type": "string", "pattern": NONBLANK, "maxLength": settings.max_question_chars}
    text_part = {
        "type": "object",
        "properties": {"type": {"enum": ["input_text", "output_text", "text"]}, "text": user_text},
        "required": ["type", "text"],
    }
    parts = {"type": "array", "contains": text_part}
    models["InputMessage"]["if"] = {"properties": {"role": {"const": "user"}}}
    models["InputMessage"]["then"] = {"properties": {"content": {"anyOf": [user_text, parts]}}}
    request = models["ResponsesRequest"]
    request["properties"]["input"]["oneOf"][0] = user_text
    request["allOf"] = [_honoured(settings, RESPONSES_REFUSED)]


def _honoured(settings: Settings, refused: dict[str, Any]) -> dict[str, Any]:
    """The values a request may give the parameters the advisor cannot honour: any value
    when the request (or the server) drops unsupported parameters, else only these."""
    option: dict[str, Any] = {
        "type": "object",
        "properties": {"career_advisor": {"type": "object"}},
        "required": ["career_advisor"],
    }
    honour = not settings.drop_unsupported  # what happens when the request does not say
    said = {"properties": {"drop_unsupported": {"const": honour}}, "required": ["drop_unsupported"]}
    option["properties"]["career_advisor"] = {"type": "object", **said}
    rule: dict[str, Any] = {"if": option}
    rule["else" if honour else "then"] = {"properties": refused}
    return rule


def _chat(models: dict[str, Any], settings: Settings) -> None:
    """The chat request's rules across fields; the user's text limits on each message."""
    request = models["ChatRequest"]
    request["properties"]["stop"]["anyOf"][1]["maxItems"] = 4  # checked by openai_params._stops
    request["properties"]["messages"]["contains"] = {
        "type": "object",
        "properties": {"role": {"const": "user"}},
        "required": ["role"],
    }
    limit = settings.max_question_chars
    user_text = {"type": "string", "pattern": NONBLANK, "maxLength": limit}
    text_part = {
        "type": "object",
        "properties": {"type": {"const": "text"}, "text": user_text},
        "required": ["type", "text"],
    }
    capped = {
        "if": {"properties": {"type": {"const": "text"}}, "required": ["type"]},
        "then": {"properties": {"text": {"maxLength": limit}}},
    }
    parts = {"type": "array", "contains": text_part, "items": capped}
    models["ChatMessage"]["if"] = {"properties": {"role": {"const": "user"}}}
    models["ChatMessage"]["then"] = {
        "required": ["content"],
        "properties": {"content": {"anyOf": [user_text, parts]}},
    }
    rule = _honoured(settings, REFUSED)
    streaming = {
        "if": {
            "properties": {"stream_options": {"type": "object"}},
            "required": ["stream_options"],
        },
        "then": {"properties": {"stream": {"const": True}}, "required": ["stream"]},
    }
    request["allOf"] = [rule, streaming]


REFUSED: dict[str, Any] = {
    "n": {"anyOf": [{"maximum": 1}, {"type": "null"}]},
    "tool_choice": {"enum": ["none", "auto", None]},
    "function_call": {"enum": ["none", "auto", None]},
    "response_format": {
        "anyOf": [
            {"type": "object", "properties": {"type": {"const": "text"}}},
            {"type": "null"},
        ]
    },
    "logprobs": {"enum": [False, None]},
    "top_logprobs": {"type": "null"},
    "temperature": {"anyOf": [{"minimum": 0, "maximum": 2}, {"type": "null"}]},
    "top_p": {"anyOf": [{"minimum": 0, "maximum": 1}, {"type": "null"}]},
}
"""What the advisor cannot honour, stated as the values it takes: any other value is refused
with 400 unless the request asks to drop unsupported parameters."""
RESPONSES_REFUSED: dict[str, Any] = {
    "tool_choice": REFUSED["tool_choice"],
    "text": {
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "format": {"type": "object", "properties": {"type": {"const": "text"}}}
                },
            },
            {"type": "null"},
        ]
    },
    "top_logprobs": {"enum": [0, None]},
    "include": {
        "anyOf": [
            {"type": "array", "not": {"contains": {"const": "message.output_text.logprobs"}}},
            {"type": "null"},
        ]
    },
    "background": {"enum": [False, None]},
    "conversation": {"type": "null"},
    "prompt": {"type": "null"},
    "temperature": REFUSED["temperature"],
    "top_p": REFUSED["top_p"],
}
"""The same for the Responses API (responses/params.py `_refusals`)."""
