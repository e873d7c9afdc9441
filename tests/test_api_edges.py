"""The API's edges: proxy headers believed only from ADVISOR_TRUSTED_PROXIES, and a lone
UTF-16 surrogate anywhere in a JSON body answered with 400 naming the field, never a 500.

The server under test is the one `advisor serve` runs (`make_server`), driven in process
through its ASGI app with the connecting address set to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from advisor import Settings
from advisor.api.app import create_app
from advisor.api.serving import make_server
from advisor.api.unicode import lone_surrogate
from advisor.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """`make_server` sets up the server's logging; put every logger back afterwards."""
    names = ("advisor", "uvicorn", "uvicorn.error", "uvicorn.access", *LIBRARIES)
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names}
    yield
    for name, (handlers, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = True


LIBRARIES = ("a.library", "an.orphan")
"""Loggers a library might set up after the server started, or leave without a handler."""


def test_the_servers_log_lines_mask_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    key, password = "sk-edge-KEY-5512ab", "pw-edge-77x"
    url = f"http://bob:{password}@127.0.0.1:9/v1"
    make_server(Settings.from_env(env={}, openai_api_key=key, openai_base_url=url))
    logging.getLogger("advisor.api").warning("upstream said: bad key %s at %s", key, url)
    try:
        raise RuntimeError(f"boom with {key}")
    except RuntimeError:
        logging.getLogger("advisor.api").exception("failed")
    logging.getLogger("uvicorn.error").warning("and %s", password)
    late = logging.getLogger(LIBRARIES[0])  # a handler added after the server was made
    late.addHandler(logging.StreamHandler())
    late.propagate = False
    late.warning("late with %s", key)
    orphan = logging.getLogger(LIBRARIES[1])  # no handler anywhere: logging.lastResort writes
    orphan.propagate = False
    orphan.warning("orphan with %s", password)
    err = capsys.readouterr().err
    assert "upstream said: bad key «redacted»" in err and "RuntimeError: boom with" in err
    assert "late with «redacted»" in err and "orphan with «redacted»" in err
    assert key not in err and password not in err


def statuses(settings: Settings, requests: int) -> list[int]:
    """Statuses of `requests` GETs from 127.0.0.1, each with a new X-Forwarded-For."""
    config = make_server(settings).config
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 40000))

    async def run() -> list[int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://advisor") as client:
            out = []
            for n in range(requests):
                forwarded = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
                out.append((await client.get("/v1/models", headers=forwarded)).status_code)
            return out

    return asyncio.run(run())


def test_rotating_x_forwarded_for_does_not_bypass_the_rate_limit() -> None:
    settings = Settings.from_env(env={}, api_rate_limit=3)
    got = statuses(settings, 10)
    assert got.count(429) == 7 and 429 not in got[:3], got


def test_a_trusted_proxys_x_forwarded_for_is_honoured() -> None:
    env = {"ADVISOR_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}
    settings = Settings.from_env(env=env, api_rate_limit=3)
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert 429 not in statuses(settings, 10)  # ten clients behind the proxy, one request each
    with pytest.raises(ConfigurationError, match="ADVISOR_TRUSTED_PROXIES"):
        Settings.from_env(env={"ADVISOR_TRUSTED_PROXIES": "proxy.internal"})


LONE = [
    ("/v1/retrieve", {"query": "PyTorch \ud800 first?"}, "query"),
    ("/v1/retrieve", {"query": "PyTorch?", "filters": {"kind": "\udfff"}}, "filters.kind"),
    ("/v1/retrieve", {"query": "PyTorch?", "filters": {"\ud800": "x"}}, "a field name in filters"),
    ("/v1/ask", {"question": "PyTorch \ud800?"}, "question"),
    (
        "/v1/ask",
        {"question": "Why?", "history": [{"role": "user", "content": "a\udc00"}]},
        "history[0].content",
    ),
    ("/v1/ask/stream", {"question": "x", "filters": {"cost": "\ud800"}}, "filters.cost"),
    ("/v1/plan", {"profile": {"background": "\ud800"}}, "profile.background"),
    (
        "/v1/chat/completions",
        {"model": "career-advisor", "messages": [{"role": "user", "content": "\ud800"}]},
        "messages[0].content",
    ),
]


@pytest.mark.parametrize(("path", "body", "where"), LONE)
def test_a_lone_surrogate_is_400_naming_the_field(path: str, body: Any, where: str) -> None:
    app = create_app(Settings.from_env(env={}, api_rate_limit=0))  # refused before any model
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def post() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://advisor") as client:
            content = json.dumps(body)  # ASCII-escaped: "\\ud800" travels as valid JSON
            headers = {"content-type": "application/json"}
            return await client.post(path, content=content, headers=headers)

    response = asyncio.run(post())
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert "lone UTF-16 surrogate" in message and where in message and "Traceback" not in message
    assert response.json()["error"]["param"] == where.removeprefix("a field name in ")


def test_surrogate_pairs_and_escaped_backslashes_are_text() -> None:
    assert lone_surrogate(json.dumps({"q": "emoji \U0001f600"}).encode()) is None
    assert lone_surrogate(rb'{"q": "a literal \\ud800"}') is None
    assert lone_surrogate(rb'{"q": ["ok", {"deep": "\udbff"}]}') == "q[1].deep"
    assert lone_surrogate(b"not json \\ud800") is None  # the route's own check says so
