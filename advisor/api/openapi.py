"""The OpenAPI document: real schemas, OpenAI's error envelope, bearer auth, SSE media types.

FastAPI documents the request and response models of each route; this adds what it
cannot infer: the error responses every route can give (in the `Error` shape, never
FastAPI's 422 `{"detail": ...}`), the bearer scheme, the rate-limit headers, and the
bodies of routes that build their responses themselves (chat completions, the streams).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from advisor.api.contract import constrain
from advisor.api.guard import OPEN_PATHS
from advisor.api.openai_schemas import ChatCompletion, ChatCompletionChunk, Model, ModelList
from advisor.api.responses.schemas import ResponseEvent, ResponseObject
from advisor.api.schemas.answers import AskEvent
from advisor.api.schemas.base import Error
from advisor.settings import Settings

ERRORS: dict[int, str] = {
    400: "Invalid request: OpenAI's `invalid_request_error`, with `param` naming the field",
    401: "Missing or wrong bearer token (ADVISOR_API_TOKEN is set)",
    404: 'Not found: a model (`model_not_found`, `param` "model"), a previous response '
    "or an answer id this server does not know",
    413: "Request body larger than ADVISOR_API_MAX_BODY_BYTES",
    429: "Too many requests from this client; wait `Retry-After` seconds",
    500: "An unexpected server error (logged with the request id)",
    502: "The language model failed",
    503: "Starting, vector store unavailable or misconfigured; retry after `Retry-After`",
    504: "The language model did not answer within ADVISOR_LLM_TIMEOUT",
}
ADVISOR = frozenset(
    {
        "/v1/ask",
        "/v1/ask/stream",
        "/v1/retrieve",
        "/v1/sources",
        "/v1/plan",
        "/v1/roles/compare",
        "/v1/chat/completions",
        "/v1/responses",
        "/v1/feedback",
    }
)
"""Routes that need the advisor: 503 while it starts or when the store is down."""
LLM = frozenset({"/v1/ask", "/v1/chat/completions", "/v1/responses"})
"""Routes whose answer may come from the language model: 502 and 504."""
MODEL_NAMED = frozenset(
    {"/v1/models/{model}", "/v1/chat/completions", "/v1/responses", "/v1/feedback"}
)
"""Routes that may answer 404: a model (`model_not_found`), a previous response or an answer
id the server does not know."""
RATE_HEADERS: dict[str, str] = {
    "x-ratelimit-limit-requests": "Requests allowed per minute for this client",
    "x-ratelimit-remaining-requests": "Requests left now",
    "x-ratelimit-reset-requests": 'Time until the allowance is full again, e.g. "1s"',
}
BODIES: dict[tuple[str, str], dict[str, type[BaseModel]]] = {
    ("/v1/chat/completions", "post"): {
        "application/json": ChatCompletion,
        "text/event-stream": ChatCompletionChunk,
    },
    ("/v1/responses", "post"): {
        "application/json": ResponseObject,
        "text/event-stream": ResponseEvent,
    },
    ("/v1/ask/stream", "post"): {"text/event-stream": AskEvent},
    ("/v1/models", "get"): {"application/json": ModelList},
    ("/v1/models/{model}", "get"): {"application/json": Model},
}
STREAM_NOTE = (
    "Server-Sent Events, one JSON object per `data:` line (chat completions end with "
    "`data: [DONE]`)"
)


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Replace the app's OpenAPI builder with one that adds errors, auth and stream bodies."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(schema, settings)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def statuses(path: str, method: str, settings: Settings) -> list[int]:
    """The error statuses a route can answer with under these settings."""
    found = [413, 500]
    if method in ("post", "put", "patch"):
        found.append(400)
    if settings.api_token:
        found.append(401)
    limited = settings.api_rate_limit > 0 or (
        path == "/v1/chat/completions" and (settings.api_user_rate_limit or 0) > 0
    )
    if limited:
        found.append(429)
    if path in MODEL_NAMED:
        found.append(404)
    if path in ADVISOR:
        found.append(503)
    if path in LLM:
        found += [502, 504]
    return sorted(found)


def complete(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """`schema` with the errors each route can give, the bearer scheme when a token is set,
    the settings' limits and the hand-built bodies added."""
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    built = (ChatCompletion, ChatCompletionChunk, ResponseObject, ResponseEvent)
    for model in (Error, *built, Model, ModelList, AskEvent):
        _add_model(models, model)
    constrain(models, settings)
    if settings.api_token:
        components["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "ADVISOR_API_TOKEN, which this server requires",
            }
        }
        schema["security"] = [{"bearer": []}]
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            bodies = BODIES.get((path, method))
            if bodies:
                responses["200"] = _success(bodies, responses.get("200", {}))
            if path in OPEN_PATHS:
                if settings.api_token:
                    operation["security"] = []
                continue
            for status in statuses(path, method, settings):
                text = ERRORS[status]
                documented = responses.setdefault(str(status), _error(status, text))
                documented.setdefault("content", _error(status, text)["content"])
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _add_model(models: dict[str, Any], model: type[BaseModel]) -> None:
    found = model.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="serialization"
    )
    for name, sub in found.pop("$defs", {}).items():
        models.setdefault(name, sub)
    models.setdefault(model.__name__, found)


def _success(bodies: dict[str, type[BaseModel]], old: dict[str, Any]) -> dict[str, Any]:
    content = {
        media: {"schema": _event(model) if media == "text/event-stream" else _ref(model.__name__)}
        for media, model in bodies.items()
    }
    text = old.get("description", "Successful Response")
    if "text/event-stream" in bodies:
        text = STREAM_NOTE if len(bodies) == 1 else f"JSON, or with `stream: true` {STREAM_NOTE}"
    return {**old, "description": text, "content": content}


def _event(model: type[BaseModel]) -> dict[str, Any]:
    """One Server-Sent Event whose `data` is a JSON `model` (or the closing `[DONE]`)."""
    data: dict[str, Any] = {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": _ref(model.__name__),
    }
    if model is ChatCompletionChunk:
        data = {"anyOf": [{"const": "[DONE]"}, data]}
    return {
        "type": "object",
        "properties": {"event": {"type": "string"}, "data": data},
        "required": ["data"],
    }


def _error(status: int, text: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": text,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    if status == 429:
        headers = {"Retry-After": "Seconds to wait", **RATE_HEADERS}
        response["headers"] = {
            name: {"description": doc, "schema": {"type": "string"}}
            for name, doc in headers.items()
        }
    elif status == 503:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}}
        }
    return response
