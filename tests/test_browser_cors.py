"""The CORS preflight Debian's Chromium really sends for openai-node's headers, and that the
server lets the request through.

The page, served at http://localhost:PORT/page by the test's server, calls `fetch` on
http://127.0.0.1:PORT (another origin, the same loopback server) with the headers openai-node
sets; the server records each preflight's `Access-Control-Request-Headers`. It
must equal the Chromium list `tests/test_api_cors.py` tests (Chromium drops the script's
`User-Agent`), and the page must read the answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.responses import HTMLResponse

from advisor.api import create_app
from advisor.settings import Settings
from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, free_port
from tests.test_api_cors import BROWSERS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OPENAI_NODE_HEADERS = {  # what openai-node's buildHeaders sets on a POST, browser platform
    "Accept": "application/json",
    "Content-Type": "application/json",
    "User-Agent": "OpenAI/JS 6.0.0",
    "Authorization": "Bearer browser-token",
    "X-Stainless-Retry-Count": "0",
    "X-Stainless-Timeout": "600",
    "X-Stainless-Lang": "js",
    "X-Stainless-Package-Version": "6.0.0",
    "X-Stainless-OS": "Unknown",
    "X-Stainless-Arch": "unknown",
    "X-Stainless-Runtime": "browser:chrome",
    "X-Stainless-Runtime-Version": "138.0.0",
}


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[int, list[str]]]:
    """(port, preflight header lists seen): the app on 127.0.0.1 with the page's origin
    allowed; it serves the page at /page and records each preflight."""
    port = free_port()
    origin = f"http://localhost:{port}"
    settings = Settings.from_env(env={}, api_cors_origins=(origin,), api_token="browser-token")
    app = create_app(settings)
    seen: list[str] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/page":
            page = HTMLResponse("<p>an app that embeds the advisor</p>")
            await page(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = dict(scope["headers"])
            seen.append(headers.get(b"access-control-request-headers", b"").decode())
        await app(scope, receive, send)

    config = uvicorn.Config(recording, host="127.0.0.1", port=port, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="cors-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield port, seen
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_chromium_preflight_for_openai_node_headers(api: tuple[str, list[str]]) -> None:
    from playwright.sync_api import sync_playwright

    port, seen = api
    script = """async ([url, headers]) => {
        const reply = await fetch(url, {method: "POST", headers, body: "{}"});
        const body = await reply.json();
        return [reply.status, body.error.param, reply.headers.get("x-request-id") !== null];
    }"""
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            page.goto(f"http://localhost:{port}/page")
            url = f"http://127.0.0.1:{port}/v1/feedback"
            status, param, exposed = page.evaluate(script, [url, OPENAI_NODE_HEADERS])
        finally:
            chromium.close()
    assert seen == [",".join(BROWSERS["chromium"])], json.dumps(seen)
    assert (status, param, exposed) == (400, "answer_id", True)  # past CORS and the token
