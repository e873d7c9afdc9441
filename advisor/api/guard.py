"""The API's front door: bearer token, request body cap and per-client rate limit.

A plain ASGI middleware, so a rejected request costs no parsing and no model call.
Health probes (`/healthz`, `/readyz`) pass freely so load balancers can always ask; the
docs (`/docs`, `/openapi.json`) skip the token unless ADVISOR_DOCS_PUBLIC is false.
Rate-limited responses carry OpenAI's `x-ratelimit-*-requests` headers.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor.api import unicode
from advisor.api.unicode import lone_surrogate

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
DOC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
DOC_ASSETS = "/docs/assets/"
"""Swagger UI's files, public whenever the docs are."""


def error_body(
    message: str, kind: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """The one JSON error shape of the API (OpenAI's, so standard clients show the message)."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every configured secret replaced, as a last line of defence."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class Quota:
    """One request's verdict: allowed or not, and what is left of the client's bucket."""

    limit: int
    remaining: int
    reset: float
    """Seconds until the bucket is full again."""
    retry_after: float
    """Seconds to wait before the next request can pass (0 when this one passed)."""

    def headers(self) -> dict[str, str]:
        """OpenAI's request rate-limit headers."""
        return {
            "x-ratelimit-limit-requests": str(self.limit),
            "x-ratelimit-remaining-requests": str(self.remaining),
            "x-ratelimit-reset-requests": duration(self.reset),
        }


def duration(seconds: float) -> str:
    """A wait as OpenAI writes it: "120ms", "1s", "6m0s"."""
    if seconds < 1:
        return f"{math.ceil(seconds * 1000)}ms"
    whole = math.ceil(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._last_sweep = clock()

    def hit(self, client: str) -> float:
        """Take one request for `client`; return 0 when allowed, else seconds to wait."""
        return self.take(client).retry_after

    def take(self, client: str) -> Quota:
        """Take one request for `client` when its bucket allows; say what is left."""
        now = self._clock()
        self._sweep(now)
        tokens, seen = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - seen) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        reset = (self.capacity - tokens) / self.rate
        return Quota(int(self.capacity), math.floor(tokens), reset, wait)

    def _sweep(self, now: float) -> None:
        """Forget clients whose bucket is full again, so memory stays bounded."""
        if now - self._last_sweep < 60.0:
            return
        self._last_sweep = now
        full = 60.0
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}


class FieldHTTPError(HTTPException):
    """A 400 the guard finds in one request field; `param` names it (None for the body)."""

    def __init__(self, detail: str, param: str | None) -> None:
        super().__init__(400, detail)
        self.param = param


class Guard:
    """Rate limit, then token, then body cap; everything else goes to the app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body_bytes: int,
        rate_limit: int,
        docs_public: bool = True,
    ) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.max_body = max_body_bytes
        self.limiter = RateLimiter(rate_limit) if rate_limit > 0 else None
        self.tokenless = DOC_PATHS if docs_public else frozenset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            quota = self.limiter.take(_client(scope))
            limits = quota.headers()
            if quota.retry_after > 0:
                retry = str(max(1, math.ceil(quota.retry_after)))
                message = f"too many requests from this client; retry in {retry} s"
                headers = {"Retry-After": retry, **limits}
                await _reply(scope, receive, send, 429, message, "rate_limit_exceeded", headers)
                return
            send = _with_headers(send, limits)
        if (
            self.token is not None
            and not self._public(scope["path"])
            and not self._authorized(scope)
        ):
            message = "missing or wrong bearer token (Authorization: Bearer <ADVISOR_API_TOKEN>)"
            await _reply(
                scope,
                receive,
                send,
                401,
                message,
                "authentication_error",
                {"WWW-Authenticate": "Bearer"},
            )
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _reply(scope, receive, send, 413, self._too_large(), "request_too_large")
            return
        await self.app(scope, self._capped(receive), send)

    def _public(self, path: str) -> bool:
        """The docs and their assets, when they are public."""
        return path in self.tokenless or bool(self.tokenless and path.startswith(DOC_ASSETS))

    def _authorized(self, scope: Scope) -> bool:
        value = _header(scope, b"authorization") or ""
        scheme, _, credential = value.partition(" ")
        if scheme.lower() != "bearer" or self.token is None:
            return False
        return hmac.compare_digest(credential.strip().encode(), self.token)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body} bytes (ADVISOR_API_MAX_BODY_BYTES)"

    def _capped(self, receive: Receive) -> Receive:
        """Count streamed (chunked) body bytes too, and refuse a body that is not valid
        Unicode; the app turns the HTTPException into 413 or 400."""
        body = bytearray()

        async def capped() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
                if len(body) > self.max_body:
                    raise HTTPException(413, self._too_large())
                if not message.get("more_body") and (where := lone_surrogate(bytes(body))):
                    raise FieldHTTPError(unicode.message(where), unicode.param(where))
            return message

        return capped


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    """`send` that adds `headers` to the response head."""
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *raw]}
        await send(message)

    return sending


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip()
    return None


async def _reply(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    kind: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = JSONResponse(error_body(message, kind), status_code=status, headers=headers)
    await response(scope, receive, send)
