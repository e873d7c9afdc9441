"""Request ids: every response carries `x-request-id`, and every request is logged with it.

The client's own id is kept when it is sane (1-128 characters of letters, digits and
`-_.:`), so a caller can follow its request through the log; otherwise one is generated.
The id is also in `scope["state"]["request_id"]` and `current_request_id()` for error logs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.api.guard import error_body

HEADER = "x-request-id"
_RAW = HEADER.encode()
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("advisor_request_id", default="")
log = logging.getLogger("advisor.api.requests")


def current_request_id() -> str:
    """The id of the request being handled ("" outside one)."""
    return _current.get()


def request_id_of(scope: Scope) -> str:
    """The client's `x-request-id` when sane, else a new `req_<hex>` id."""
    for key, value in scope.get("headers", ()):
        if key.lower() == HEADER.encode():
            given = bytes(value).decode("latin-1").strip()
            if _SANE.fullmatch(given):
                return given
            break
    return f"req_{uuid.uuid4().hex}"


class RequestId:
    """Outermost middleware: tag the response with the id and log one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = rid
        token = _current.set(rid)
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() != _RAW]
                message = {**message, "headers": [*kept, (_RAW, rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if not status:  # the generic 500 goes out here, so it carries the id too
                body = error_body("internal server error", "server_error")
                await JSONResponse(body, status_code=500)(scope, receive, sending)
            raise  # the server (or the app's last-resort handler) logs the traceback
        finally:
            _current.reset(token)
            took = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s -> %s in %.0f ms [%s]",
                scope.get("method", ""),
                scope.get("path", ""),
                status or "no response",
                took,
                rid,
            )
