"""Prometheus metrics at `GET /metrics`, in a registry of the app's own (never the global one:
tests build many apps, and two apps in one process must not count into each other).

- `advisor_http_requests_total{route, method, status}` and
  `advisor_http_request_duration_seconds{route, method}`: every request, by route template;
- `advisor_answers_total{backend, outcome}`: answers by answerer and answered/refused/incomplete;
- `advisor_fallbacks_total{reason}`: answers where the offline answer stood in for the model's
  (ungrounded, error);
- `advisor_llm_errors_total{kind}`: language-model failures by error class (LLMTimeout, ...);
- `advisor_streams_total{route, ending}`: streamed answers by how they ended: answered (the
  answer was sent whole), failed (an error event instead) or disconnected (the client left);
- `advisor_store_chunks`: passages in the store, read when scraped.

Answers, fallbacks and LLM errors are counted on every answering route, whole or streamed:
a whole answer when it is returned, a streamed one as its final `Answer` passes (`counted`),
a failure by the app's error handler or, once a stream has begun, by `counted`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.errors import LLMError
from advisor.records import Answer

try:
    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        CollectorRegistry,
        Counter,
        Gauge,
        Histogram,
        generate_latest,
    )
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "the API's metrics need prometheus-client: pip install 'career-advisor[api]'"
    ) from None

PATH = "/metrics"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """One app's counters, histograms and gauges, and the registry that holds them."""

    def __init__(self, store_chunks: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "advisor_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "advisor_http_request_duration_seconds",
            "Time to the end of the response, by route template and method",
            ["route", "method"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "advisor_answers",
            "Answers by backend and outcome (answered, refused, incomplete)",
            ["backend", "outcome"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "advisor_fallbacks",
            "Answers where the offline answer stood in for the model's, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.streams = Counter(
            "advisor_streams",
            "Streamed answers by route and ending (answered, failed, disconnected)",
            ["route", "ending"],
            registry=self.registry,
        )
        self.llm_errors = Counter(
            "advisor_llm_errors",
            "Language-model failures by kind (the error class)",
            ["kind"],
            registry=self.registry,
        )
        chunks = Gauge(
            "advisor_store_chunks", "Passages in the vector store", registry=self.registry
        )
        chunks.set_function(store_chunks)

    def answered(self, answer: Answer) -> None:
        """Count one answer by its backend and outcome."""
        outcome = "refused" if answer.refused else "incomplete" if answer.incomplete else "answered"
        self.answers.labels(answer.backend, outcome).inc()
        if answer.fallback:
            self.fallbacks.labels(answer.fallback).inc()

    def llm_failed(self, exc: BaseException) -> None:
        """Count one language-model failure by its kind."""
        self.llm_errors.labels(type(exc).__name__).inc()

    def response(self) -> Response:
        """The metrics in Prometheus's text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


router = APIRouter()


@router.get(PATH, include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus's scrape: the store is counted on a worker thread, never the event loop."""
    found = metrics_of(request)
    if found is None:
        return Response(status_code=404)
    return await run_in_threadpool(found.response)


def metrics_of(request: Request) -> Metrics | None:
    """The app's metrics, if it keeps any."""
    found = getattr(request.app.state, "metrics", None)
    return found if isinstance(found, Metrics) else None


class Measure:
    """Middleware: count and time each request under its route template (not the raw path,
    so `/v1/models/<anything>` stays one series; unknown paths are "unmatched")."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        stream = sent = False
        state = scope.setdefault("state", {})

        async def sending(message: Message) -> None:
            nonlocal status, stream, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                stream = (
                    dict(message.get("headers", ()))
                    .get(b"content-type", b"")
                    .startswith(b"text/event-stream")
                )
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                sent = True

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)
            if stream:
                ending = state.get(ENDING, "failed") if sent else "disconnected"
                self.metrics.streams.labels(route, ending).inc()


ENDING = "advisor_stream_ending"
"""Where `counted` notes, in the request's state, how a stream's answer ended."""


async def counted(
    items: AsyncIterator[str | Answer], request: Request
) -> AsyncIterator[str | Answer]:
    """A stream's items, passed on; its Answer (or its model's failure) is counted as it
    passes, and how it ended is noted for `Measure`, which counts the stream once sent."""
    metrics = metrics_of(request)
    state = request.scope.setdefault("state", {})
    try:
        async for item in items:
            if isinstance(item, Answer):
                state[ENDING] = "answered"
                if metrics is not None:
                    metrics.answered(item)
            yield item
    except Exception as exc:
        state[ENDING] = "failed"
        if metrics is not None and isinstance(exc, LLMError):
            metrics.llm_failed(exc)
        raise


def store_chunks(request_state: object) -> Callable[[], float]:
    """Read the store's size when scraped: NaN while the advisor is not ready."""

    def count() -> float:
        advisor = getattr(request_state, "advisor", None)
        if advisor is None or not getattr(request_state, "ready", False):
            return float("nan")
        try:
            return float(advisor.store.count_chunks())
        except Exception:  # a store that is down reads as unknown, never a failed scrape
            return float("nan")

    return count
