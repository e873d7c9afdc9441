"""One language-model call in flight on a worker thread, and the HTTP client that obeys it.

`Call` is what `deadline.bounded` cancels when it abandons a call: `http_client`'s requests
cap their network waits at the call's limit and register their socket, so a cancel cuts
the connection (no thread keeps reading a server that hangs or floods).
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any


class Call:
    """One request in flight on a worker thread; `cancel()` cuts its connection."""

    def __init__(self, limit: float | None = None) -> None:
        self.limit = limit
        """Seconds any single network wait of this call may take (connect, read, write)."""
        self.cancelled = threading.Event()
        self._closers: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def on_cancel(self, closer: Callable[[], None]) -> None:
        """Run `closer` when the call is cancelled (now, if it already was)."""
        with self._lock:
            if not self.cancelled.is_set():
                self._closers.append(closer)
                return
        _quietly(closer)

    def cancel(self) -> None:
        """Stop the call: flag it and close whatever connection it holds."""
        with self._lock:
            self.cancelled.set()
            closers, self._closers = self._closers, []
        for closer in closers:
            _quietly(closer)


CURRENT_CALL: contextvars.ContextVar[Call | None] = contextvars.ContextVar(
    "advisor_llm_call", default=None
)
"""The call the current worker thread runs (read by the HTTP transport)."""


def http_client(timeout: float) -> Any:
    """The HTTP client for the openai SDK: each request obeys the current call's limit, uses a
    fresh connection, and that connection is cut when the call is cancelled."""
    import openai

    http = _httpx_package()
    return openai.DefaultHttpxClient(
        timeout=timeout,
        limits=http.Limits(max_keepalive_connections=0),
        event_hooks={"request": [_bind_to_call]},
    )


def _httpx_package() -> ModuleType:
    """The httpx package the openai SDK is built on (httpx, or its successor httpx2)."""
    import importlib

    import openai

    client = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__name__ == "Client")
    return importlib.import_module(client.__module__.split(".")[0])


def _bind_to_call(request: Any) -> None:
    """Request hook: cap the request's timeouts and let a cancel cut its socket."""
    call = CURRENT_CALL.get()
    if call is None:
        return
    if call.limit is not None:
        timeouts = request.extensions.get("timeout", {})
        request.extensions["timeout"] = {
            key: call.limit if value is None else min(value, call.limit)
            for key, value in timeouts.items()
        }
    request.extensions["trace"] = _tracer(call, request.extensions.get("trace"))


def _tracer(call: Call, previous: Callable[[str, dict[str, Any]], Any] | None) -> Any:
    """A connection trace hook that registers the new socket's shutdown with the call."""

    def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith("connect_tcp.complete"):
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None:
                call.on_cancel(lambda: socket.socket.shutdown(sock, socket.SHUT_RDWR))
        if previous is not None:
            previous(event, info)

    return trace


def _quietly(closer: Callable[[], None]) -> None:
    with contextlib.suppress(Exception):  # closing a connection that is already gone is fine
        closer()
