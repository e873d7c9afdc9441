"""The HTTP service: `advisor serve`, a stateless FastAPI app over one CareerAdvisor.

Routes: `POST /v1/ask`, `POST /v1/ask/stream` (SSE), `POST /v1/retrieve`, `POST /v1/plan`,
`GET /v1/roles/compare`, the OpenAI-compatible `/v1/chat/completions` and `/v1/models`,
`GET /v1/sources`, `/healthz`, `/readyz`, and OpenAPI docs at `/docs`. History travels
with each request, so replicas share nothing but the store. Errors use OpenAI's envelope
`{"error": {message, type, param, code}}`; every response carries `x-request-id`.
Needs the `api` extra: pip install 'career-advisor[api]'.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

try:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"the advisor API needs FastAPI ({exc.name} is missing): pip install 'career-advisor[api]'"
    ) from None

from advisor.api.common import describe_error, input_param
from advisor.api.docs import install_docs
from advisor.api.feedback_routes import router as feedback_router
from advisor.api.guard import Guard, error_body, redact
from advisor.api.metrics import Measure, Metrics, store_chunks
from advisor.api.metrics import router as metrics_router
from advisor.api.openai_compat import router as openai_router
from advisor.api.openapi import install_openapi
from advisor.api.plan_routes import router as plan_router
from advisor.api.probes import probe_pool
from advisor.api.probes import router as probe_router
from advisor.api.request_log import RequestId
from advisor.api.responses import router as responses_router
from advisor.api.routes import router as advisor_router
from advisor.api.schemas.base import NONBLANK
from advisor.core import CareerAdvisor
from advisor.deadline import Deadline
from advisor.errors import AdvisorError, ConfigurationError, LLMError
from advisor.safety import url_secrets
from advisor.settings import Settings
from advisor.version import advisor_version

log = logging.getLogger("advisor.api")
_STATUS_TYPES = {
    401: "authentication_error",
    404: "not_found",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_exceeded",
    503: "unavailable",
}
CORS_ANY_HEADER = ["*"]
"""Request headers a browser may send: any (the SDKs add `x-stainless-*` names, Firefox and
Safari also list `user-agent`); the origin list is what guards access, and the token still must
be sent. Starlette answers a preflight by echoing the headers it asks for."""
CORS_EXPOSED = (
    "retry-after",
    "x-request-id",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
)


def create_app(
    settings: Settings | None = None,
    advisor: CareerAdvisor | None = None,
    *,
    stopping: threading.Event | None = None,
) -> FastAPI:
    """The FastAPI app; `advisor` is built (and warmed up) at start-up unless injected.

    Once `stopping` is set, the answers of the advisor built here stop reading the model.
    """
    if settings is None:
        settings = advisor.settings if advisor is not None else Settings.from_env()
    cfg = settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        worker = threading.Thread(
            target=_start, args=(app, cfg, stop), name="advisor-start", daemon=True
        )
        worker.start()
        try:
            yield
        finally:
            stop.set()
            app.state.probe_pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="career-advisor",
        version=advisor_version(),
        summary="Cited answers about becoming an AI/ML engineer, from one guide and its resources.",
        lifespan=lifespan,
        docs_url=None,  # served offline by install_docs
        redoc_url=None,
    )
    app.state.advisor = advisor
    app.state.stopping = stopping or threading.Event()
    app.state.probe_pool = probe_pool()
    app.state.ready = False
    app.state.startup_error = None
    injected = advisor.settings if advisor is not None else settings
    app.state.secrets = (
        settings.openai_api_key,
        settings.api_token,
        injected.openai_api_key,
        *url_secrets(settings.openai_base_url),  # user-info and query of the LLM's URL
        *url_secrets(injected.openai_base_url),
    )
    _install_handlers(app)
    app.add_middleware(
        Guard,
        token=settings.api_token,
        max_body_bytes=settings.api_max_body_bytes,
        rate_limit=settings.api_rate_limit,
        docs_public=settings.api_docs_public,
    )
    if settings.api_cors_origins:  # outside the guard: a preflight needs no token
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=CORS_ANY_HEADER,
            expose_headers=list(CORS_EXPOSED),
            max_age=600,
        )
    app.state.metrics = Metrics(store_chunks(app.state))  # this app's own registry
    app.add_middleware(Measure, metrics=app.state.metrics)
    app.add_middleware(RequestId)  # outermost: every response, even a rejection, gets an id
    app.include_router(metrics_router)
    app.include_router(probe_router)
    app.include_router(advisor_router)
    app.include_router(plan_router)
    app.include_router(openai_router)
    app.include_router(responses_router)
    app.include_router(feedback_router)
    install_openapi(app, settings)
    install_docs(app)
    return app


def _start(app: FastAPI, settings: Settings, stop: threading.Event) -> None:
    """Build the advisor once, load the model and keyword index; retry while the store is down."""
    state, delay = app.state, 1.0
    while not stop.is_set():
        try:
            if state.advisor is None:
                built = CareerAdvisor.from_settings(settings)
                built.deadlines = partial(Deadline.for_settings, stop=state.stopping)
                state.advisor = built
            state.advisor.warm_up()
        except ConfigurationError as exc:
            state.startup_error = redact(str(exc), state.secrets)
            log.error("the advisor cannot start: %s", state.startup_error)
            return
        except AdvisorError as exc:
            state.startup_error = redact(str(exc), state.secrets)
            log.warning("not ready (retrying in %.0f s): %s", delay, state.startup_error)
        except Exception:
            state.startup_error = "start-up failed; see the server log"
            log.exception("the advisor failed to start (retrying in %.0f s)", delay)
        else:
            state.ready, state.startup_error = True, None
            log.info("advisor ready: %s", state.advisor.describe_backend())
            return
        stop.wait(delay)
        delay = min(delay * 2, 10.0)


def _install_handlers(app: FastAPI) -> None:
    secrets = app.state.secrets

    def reply(
        status: int, message: str, kind: str, headers: Any = None, param: str | None = None
    ) -> JSONResponse:
        body = error_body(redact(message, secrets), kind, param=param)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(AdvisorError)
    async def advisor_error(request: Request, exc: AdvisorError) -> JSONResponse:
        status, kind, message = describe_error(exc, secrets)
        if isinstance(exc, LLMError):
            app.state.metrics.llm_failed(exc)
        headers = {"Retry-After": "5"} if status == 503 else None
        return reply(status, message, kind, headers, input_param(exc, request.url.path))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = _STATUS_TYPES.get(exc.status_code, "invalid_request_error")
        param = getattr(exc, "param", None)  # the guard's 400 for a field that is not text
        return reply(exc.status_code, str(exc.detail), kind, exc.headers, param)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = validation_message(errors)
        return reply(400, message, "invalid_request_error", param=validation_param(errors))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        rid = request.scope.get("state", {}).get("request_id", "")
        log.exception("unhandled error on %s %s [%s]", request.method, request.url.path, rid)
        return reply(500, "internal server error", "server_error")


def validation_param(errors: Any) -> str | None:
    """The first invalid field as OpenAI names it ("messages[0].content"); None for the body."""
    for err in list(errors)[:1]:
        loc = list(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            return None
        if loc[:1] != ["body"]:
            return ".".join(str(part) for part in loc[1:]) or None
        path = ""
        for part in loc[1:]:
            if isinstance(part, int):
                path += f"[{part}]"
            elif _FIELD.fullmatch(str(part)) and part not in _TYPE_TAGS:
                path += f".{part}" if path else str(part)
            else:  # a union member's tag ("str", "list[...]"): the field ends before it
                break
        return path or None
    return None


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "none", "literal"})


def validation_message(errors: Any) -> str:
    """One readable line for FastAPI validation errors (no input echoed back)."""
    parts: list[str] = []
    for err in list(errors)[:5]:
        kind = err.get("type", "")
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        if kind == "json_invalid":
            return "the request body is not valid JSON"
        if not where and kind in ("model_attributes_type", "dict_type"):
            return "the request body must be a JSON object (Content-Type: application/json)"
        if kind == "missing":
            parts.append(f"{where or 'the request body'} is required")
        elif kind == "extra_forbidden":
            parts.append(f"{where} is not a field of this request")
        elif kind == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == NONBLANK:
            parts.append(f"{where} is empty: it must hold text other than whitespace")
        else:
            parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)
