"""Health probes: `/healthz` (the process is up) and `/readyz` (the advisor can answer).

Both are async and never enter the answer thread pool, so they answer at once however
many answers are running. `/readyz` asks the store on a small pool of its own, bounded by
`PROBE_SECONDS`, and names the backend by kind only: never an address or a model URL.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from advisor.api.common import describe_error
from advisor.api.schemas.health import Health, NotReady, Ready
from advisor.core import CareerAdvisor
from advisor.errors import AdvisorError
from advisor.version import advisor_version

PROBE_SECONDS = 5.0
"""Longest `/readyz` waits for the store before it says not ready."""
LLM_KINDS = {"openai": "openai-compatible", "extractive": "offline", "fake": "fake"}

router = APIRouter(tags=["health"])


def probe_pool() -> ThreadPoolExecutor:
    """The readiness probe's own threads (two: one slow store call cannot block the next)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="advisor-probe")


def llm_kind(backend: str) -> str:
    """What answers, by kind: "offline", "openai-compatible" or "fake"."""
    return LLM_KINDS.get(backend, "other")


@router.get("/healthz", summary="The process is up", response_model=Health)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> Response:
    return Response(status_code=200)


@router.head("/readyz", include_in_schema=False)
async def readyz_head(request: Request) -> Response:
    """`/readyz`'s status without a body, for load balancers that probe with HEAD."""
    answer = await readyz(request)
    status = answer.status_code if isinstance(answer, Response) else 200
    headers = {"Retry-After": "2"} if status == 503 else None
    return Response(status_code=status, headers=headers)


@router.get(
    "/readyz",
    summary="The store is reachable and the model loaded",
    response_model=Ready,
    responses={503: {"model": NotReady, "description": "Starting or store unavailable"}},
)
async def readyz(request: Request) -> Any:
    state = request.app.state
    if not state.ready:
        detail = state.startup_error or "loading the model and the index"
        return _not_ready("starting", detail)
    advisor: CareerAdvisor = state.advisor
    loop = asyncio.get_running_loop()
    try:
        count = loop.run_in_executor(state.probe_pool, advisor.store.count_chunks)
        chunks = await asyncio.wait_for(count, PROBE_SECONDS)
    except AdvisorError as exc:
        _, _, message = describe_error(exc, state.secrets)
        return _not_ready("unavailable", message)
    except TimeoutError:
        return _not_ready("unavailable", f"the store did not answer within {PROBE_SECONDS:.0f} s")
    kind = llm_kind(advisor.backend)
    return {
        "status": "ready",
        "chunks": chunks,
        "backend": advisor.backend,
        "llm": kind,
        "version": advisor_version(),
    }


def _not_ready(status: str, detail: str) -> JSONResponse:
    body = {"status": status, "detail": public_detail(detail)}
    return JSONResponse(body, 503, headers={"Retry-After": "2"})


_WHERE = re.compile(r"\s*\([^()]*(?:\bat\b|\bin\b|://)[^()]*\)")
_ADDRESS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S+|(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?|\blocalhost(?::\d+)?\b"
    r"|(?<![\w.])/(?:[\w.-]+/)*[\w.-]+",
    re.IGNORECASE,
)


def public_detail(message: str) -> str:
    """A not-ready reason without addresses: no URL, host, port or file path (the probe is open)."""
    return _ADDRESS.sub("<address>", _WHERE.sub("", message)).strip()
