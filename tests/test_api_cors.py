"""CORS preflights as browsers send them for openai-node (`dangerouslyAllowBrowser: true`).

openai-node sets `Accept`, `User-Agent`, `Authorization`, `Content-Type`, the
`X-Stainless-*` platform headers, `X-Stainless-Retry-Count` and `X-Stainless-Timeout` (and
`X-Stainless-Helper-Method: stream` from `.stream()` helpers). A browser's preflight lists the
CORS-unsafe ones, lower-cased, sorted and joined by "," (Fetch standard); `Accept:
application/json` is safelisted. Chromium drops a script's `User-Agent`, so only Firefox and
Safari list `user-agent`.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor.api import create_app
from advisor.settings import Settings

ORIGIN = "https://careers.example.org"
SDK = [
    "authorization",
    "content-type",
    "x-stainless-arch",
    "x-stainless-lang",
    "x-stainless-os",
    "x-stainless-package-version",
    "x-stainless-retry-count",
    "x-stainless-runtime",
    "x-stainless-runtime-version",
    "x-stainless-timeout",
]
BROWSERS = {
    "chromium": SDK,
    "firefox": sorted([*SDK, "user-agent"]),
    "safari": sorted([*SDK, "user-agent"]),
}
ROUTES = ["/v1/chat/completions", "/v1/responses", "/v1/models"]


@pytest.fixture(scope="module")
def api() -> TestClient:
    """The app with one allowed origin and a token (a preflight needs neither advisor nor token)."""
    settings = Settings.from_env(env={}, api_cors_origins=(ORIGIN,), api_token="cors-token")
    return TestClient(create_app(settings))


def preflight(api: TestClient, route: str, headers: list[str], origin: str = ORIGIN) -> Any:
    return api.options(
        route,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET" if route == "/v1/models" else "POST",
            "Access-Control-Request-Headers": ",".join(headers),
        },
    )


@pytest.mark.parametrize("browser", sorted(BROWSERS))
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("helper", [False, True], ids=["create", "stream-helper"])
def test_the_preflight_of_each_browser_passes(
    api: TestClient, browser: str, route: str, helper: bool
) -> None:
    names = (
        sorted([*BROWSERS[browser], "x-stainless-helper-method"]) if helper else BROWSERS[browser]
    )
    reply = preflight(api, route, names)
    assert reply.status_code == 200, reply.text
    headers = reply.headers
    assert headers["access-control-allow-origin"] == ORIGIN
    allowed = {h.strip() for h in headers["access-control-allow-headers"].lower().split(",")}
    assert set(names) <= allowed
    assert "POST" in headers["access-control-allow-methods"]


def test_an_unlisted_origin_is_still_refused(api: TestClient) -> None:
    reply = preflight(api, "/v1/responses", BROWSERS["firefox"], origin="https://evil.example")
    assert reply.status_code == 400
    assert "access-control-allow-origin" not in reply.headers


def test_the_request_after_the_preflight_can_be_read(api: TestClient) -> None:
    reply = api.get(
        "/v1/models",
        headers={
            "Origin": ORIGIN,
            "Authorization": "Bearer cors-token",
            "User-Agent": "OpenAI/JS 6.0.0",
            "X-Stainless-Lang": "js",
        },
    )
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in reply.headers["access-control-expose-headers"].lower()
