"""The HTTP service: `advisor serve`, a stateless FastAPI app over one CareerAdvisor.

Routes: `POST /v1/ask`, `POST /v1/ask/stream` (SSE), `POST /v1/plan`,
`GET /v1/roles/compare`, the OpenAI-compatible
`/v1/chat/completions` and `/v1/models`, `GET /v1/sources`, `/healthz`, `/readyz`,
and OpenAPI docs at `/docs`. History travels with each request, so replicas share
nothing but the store. Needs the `api` extra: pip install 'career-advisor[api]'.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

try:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, StreamingResponse
    from pydantic import BaseModel, Field
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        f"the advisor API needs FastAPI ({exc.name} is missing): pip install 'career-advisor[api]'"
    ) from None

from advisor.api.common import (
    advisor_of,
    describe_error,
    open_stream,
    public_answer,
    public_source,
    safe_url,
    sse,
)
from advisor.api.guard import Guard, error_body, redact
from advisor.api.openai_compat import router as openai_router
from advisor.api.plan_routes import router as plan_router
from advisor.core import CareerAdvisor
from advisor.errors import AdvisorError, ConfigurationError, InputError
from advisor.records import Answer
from advisor.safety import safe_markdown, url_secrets
from advisor.settings import Settings

log = logging.getLogger("advisor.api")
_STATUS_TYPES = {
    401: "authentication_error",
    404: "not_found",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_exceeded",
    503: "unavailable",
}


class Turn(BaseModel):
    """One earlier message of the conversation."""

    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    """A question and, optionally, the conversation so far (oldest first)."""

    question: str = Field(examples=["PyTorch or TensorFlow first?"])
    history: list[Turn] = Field(default_factory=list)

    def turns(self) -> list[tuple[str, str]]:
        return [(t.role, t.content) for t in self.history]


def create_app(settings: Settings | None = None, advisor: CareerAdvisor | None = None) -> FastAPI:
    """The FastAPI app; `advisor` is built (and warmed up) at start-up unless injected."""
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

    app = FastAPI(
        title="career-advisor",
        version="0.1.0",
        summary="Cited answers about becoming an AI/ML engineer, from one guide and its resources.",
        lifespan=lifespan,
    )
    app.state.advisor = advisor
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
    )
    if settings.api_cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    _add_routes(app)
    app.include_router(plan_router)
    app.include_router(openai_router)
    return app


def _start(app: FastAPI, settings: Settings, stop: threading.Event) -> None:
    """Build the advisor once, load the model and keyword index; retry while the store is down."""
    state, delay = app.state, 1.0
    while not stop.is_set():
        try:
            if state.advisor is None:
                state.advisor = CareerAdvisor.from_settings(settings)
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


def _add_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["health"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="The store is reachable and the model loaded",
        response_model=None,
    )
    def readyz(request: Request) -> dict[str, Any] | JSONResponse:
        state = request.app.state
        if not state.ready:
            detail = state.startup_error or "loading the model and the index"
            return JSONResponse({"status": "starting", "detail": detail}, 503)
        advisor: CareerAdvisor = state.advisor
        try:
            chunks = advisor.store.count_chunks()
        except AdvisorError as exc:
            _, _, message = describe_error(exc, state.secrets)
            return JSONResponse({"status": "unavailable", "detail": message}, 503)
        return {"status": "ready", "chunks": chunks, "backend": advisor.describe_backend()}

    @app.post("/v1/ask", tags=["advisor"], summary="Answer a question, with sources")
    async def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        advisor = advisor_of(request)
        answer = public_answer(await run_in_threadpool(advisor.ask, body.question, body.turns()))
        return {**answer.to_dict(), "sources": [public_source(s) for s in answer.sources]}

    @app.post(
        "/v1/ask/stream",
        tags=["advisor"],
        summary="Answer as Server-Sent Events: delta*, sources, done (or error)",
        response_class=StreamingResponse,
    )
    async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        advisor = advisor_of(request)
        items = await open_stream(advisor, body.question, body.turns(), fail_early=(InputError,))
        return StreamingResponse(
            _ask_events(items, request.app.state.secrets),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/v1/sources", tags=["advisor"], summary="The indexed documents")
    async def sources(request: Request) -> dict[str, Any]:
        advisor = advisor_of(request)
        index = await run_in_threadpool(advisor.retriever.keyword_index)
        docs: dict[str, dict[str, Any]] = {}
        for chunk in index.chunks:
            doc = docs.setdefault(
                chunk.doc_key,
                {
                    "title": safe_markdown(chunk.title),
                    "url": safe_url(chunk.url),
                    "source": chunk.source,
                    "kind": chunk.kind,
                    "origin": safe_markdown(chunk.origin),
                    "trusted": chunk.trusted,
                    "chunks": 0,
                },
            )
            doc["chunks"] += 1
        listed = sorted(docs.values(), key=lambda d: (d["title"].lower(), d["source"]))
        return {"count": len(listed), "documents": listed}


async def _ask_events(items: AsyncIterator[str | Answer], secrets: Any) -> AsyncIterator[str]:
    try:
        async for item in items:
            if isinstance(item, Answer):
                data = item.to_dict()
                yield sse({"sources": [public_source(s) for s in item.sources]}, "sources")
                yield sse({k: v for k, v in data.items() if k != "sources"}, "done")
            else:
                yield sse({"text": item}, "delta")
    except AdvisorError as exc:
        status, kind, message = describe_error(exc, secrets)
        yield sse({**error_body(message, kind)["error"], "status": status}, "error")
    except Exception:
        log.exception("streamed answer failed")
        yield sse({"message": "internal error while answering", "type": "server_error"}, "error")


def _install_handlers(app: FastAPI) -> None:
    secrets = app.state.secrets

    def reply(status: int, message: str, kind: str, headers: Any = None) -> JSONResponse:
        body = error_body(redact(message, secrets), kind)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(AdvisorError)
    async def advisor_error(request: Request, exc: AdvisorError) -> JSONResponse:
        status, kind, message = describe_error(exc, secrets)
        return reply(status, message, kind, {"Retry-After": "5"} if status == 503 else None)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        kind = _STATUS_TYPES.get(exc.status_code, "invalid_request_error")
        return reply(exc.status_code, str(exc.detail), kind, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return reply(422, validation_message(exc.errors()), "invalid_request_error")

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return reply(500, "internal server error", "server_error")


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
        else:
            parts.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API with uvicorn (one worker); the advisor loads once at start-up."""
    try:
        import uvicorn
    except ImportError:
        raise ImportError(
            "serving the API needs uvicorn: pip install 'career-advisor[api]'"
        ) from None
    logger = logging.getLogger("advisor")
    if not logger.handlers:  # the service's own messages; client libraries stay quiet
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    uvicorn.run(create_app(settings), host=host, port=port, workers=1, log_level="info")
