"""The API key never shows: not in logs, error messages, the app, API responses or the prompt.

A known fake key is configured and the LLM (tests/llm_server.py, extended here to echo the
Authorization header back in every error body, as verbose upstreams do) fails in each way it
can: 401, 404, 429, 500, stall, cut stream. Then every byte the API server process logged and
answered, everything the CLI printed or logged, and every element the app rendered is
searched for the key. The prompts the LLM received must hold no secret either.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from tests.llm_server import ScriptedLLM, _handler
from tests.servers import advisor_replica

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
SECRET = "sk-test-SECRET-KEY-4e8a1f0c9d7b"
TOKEN = "api-token-SECRET-2c6b5a"
OTHER = "env-secret-SECRET-9f3e"
SECRETS = (SECRET, TOKEN, OTHER, "SECRET-KEY", "4e8a1f0c9d7b")
QUESTION = "PyTorch or TensorFlow first?"
FAILURES = ("401", "404", "429", "500", "stall", "cut")


class EchoingLLM(ScriptedLLM):
    """The scripted LLM, also recording the Authorization header of every request."""

    def __init__(self, script: list[str]) -> None:
        super().__init__(script)
        self.auth: list[str] = []


@contextlib.contextmanager
def echoing_llm(script: list[str]) -> Iterator[EchoingLLM]:
    """tests/llm_server.py's server, whose error bodies repeat the key it was sent."""
    state = EchoingLLM(script)
    base: Any = _handler(state)

    class Handler(base):  # type: ignore[misc, valid-type]
        def do_POST(self) -> None:
            state.auth.append(self.headers.get("Authorization", ""))
            super().do_POST()

        def _error(self, status: int, code: str, message: str, **headers: str) -> None:
            leaked = f"{message}; Incorrect API key provided: {self.headers.get('Authorization')}"
            super()._error(status, code, leaked, **headers)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def llm_env(llm: ScriptedLLM) -> dict[str, str]:
    return {
        "ADVISOR_BACKEND": "openai",
        "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": llm.base_url,
        "ADVISOR_LLM_TIMEOUT": "3",  # a local reply fits with room to spare on a busy machine
        "ADVISOR_LLM_MAX_RETRIES": "0",
        "AWS_SECRET_ACCESS_KEY": OTHER,
    }


def assert_prompts_hold_no_secret(llm: EchoingLLM) -> None:
    assert llm.requests, "the LLM was never called"
    assert set(llm.auth) == {f"Bearer {SECRET}"}  # the key was really in use...
    assert leaks(json.dumps(llm.requests)) == []  # ...but never inside a prompt


# --- API server process ------------------------------------------------------------------------


def test_api_server_never_shows_the_key(index_dir: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    seen: list[str] = []
    with echoing_llm(["ok"]) as llm:
        env = {
            **llm_env(llm),
            "ADVISOR_STORE_DIR": str(index_dir),
            "ADVISOR_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
            "ADVISOR_API_TOKEN": TOKEN,
            "ADVISOR_API_RATE_LIMIT": "0",
        }
        with (
            advisor_replica(env, log_dir=logs) as server,
            httpx.Client(base_url=server.url, timeout=60) as http,
        ):
            auth = {"Authorization": f"Bearer {TOKEN}"}
            history = [{"role": "user", "content": "Do I need a degree?"}]
            history.append({"role": "assistant", "content": "No [1]."})
            for behaviour in ("ok", *FAILURES):
                llm.script = [behaviour]
                calls = [
                    http.post("/v1/ask", json={"question": QUESTION}, headers=auth),
                    http.post(
                        "/v1/ask", json={"question": "And why?", "history": history}, headers=auth
                    ),
                    http.post("/v1/ask/stream", json={"question": QUESTION}, headers=auth),
                    http.post("/v1/chat/completions", json=chat(), headers=auth),
                    http.post("/v1/chat/completions", json=chat(stream=True), headers=auth),
                ]
                expected = {"ok": 200, "cut": 200, "401": 503, "404": 503, "stall": 504}.get(
                    behaviour, 502
                )
                assert calls[0].status_code == expected, (behaviour, calls[0].text)
                if behaviour == "401":
                    assert "check OPENAI_API_KEY" in calls[0].json()["error"]["message"]
                seen += [r.text + json.dumps(dict(r.headers)) for r in calls]
            others = [
                http.get("/healthz"),
                http.get("/readyz"),
                http.get("/v1/sources", headers=auth),
                http.get("/openapi.json", headers=auth),
                http.get("/v1/models", headers={"Authorization": "Bearer wrong"}),
                http.post("/v1/ask", content=b"{", headers={**auth, "content-type": "text/json"}),
            ]
            assert others[1].json()["status"] == "ready" and others[4].status_code == 401
            seen += [r.text + json.dumps(dict(r.headers)) for r in others]
        assert_prompts_hold_no_secret(llm)
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert "advisor ready" in log and "POST /v1/ask" in log  # the log really was captured
    assert leaks(log) == [], log
    for text in seen:
        assert leaks(text) == [], text


def chat(stream: bool = False) -> dict[str, Any]:
    messages = [{"role": "user", "content": QUESTION}]
    return {"model": "career-advisor", "messages": messages, "stream": stream}


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_never_shows_the_key(
    built_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from advisor.cli import main

    caplog.set_level(logging.DEBUG)  # even the client libraries' debug logs
    with echoing_llm(["ok"]) as llm:
        for name, value in llm_env(llm).items():
            monkeypatch.setenv(name, value)
        for behaviour in FAILURES:
            llm.script = [behaviour]
            code = main(["ask", QUESTION])
            out, err = capfd.readouterr()
            if behaviour == "cut":  # marked cut, or (cut before a citation) the offline answer
                assert code == 0 and "cut off before it" in out
            else:  # the error in one line, then the offline answer
                assert code == 0 and err.startswith("advisor: ") and len(err.splitlines()) == 1
                assert "Traceback" not in err and "Offline answer" in out
            assert leaks(out + err) == [], out + err
            llm.script = [behaviour]
            code = main(["ask", QUESTION, "--json"])
            out, err = capfd.readouterr()
            assert leaks(out + err) == []
        lines = iter([QUESTION, "And why?", "/quit"])
        monkeypatch.setattr("builtins.input", lambda _prompt="": next(lines))
        llm.script = ["500"]
        assert main(["chat"]) == 0
        out, err = capfd.readouterr()
        assert "(advisor: the language model is failing" in out
        assert leaks(out + err) == []
        assert_prompts_hold_no_secret(llm)
    assert caplog.records and leaks(caplog.text) == []


# --- the app ------------------------------------------------------------------------------------


def rendered(at: AppTest) -> str:
    """Every element of the page (main area and sidebar), as protobuf text, plus the chat state."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [repr(turn) for turn in at.session_state["turns"]]
    return "\n".join(parts)


def test_app_never_shows_the_key(
    built_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with echoing_llm(["ok"]) as llm:
        for name, value in llm_env(llm).items():
            monkeypatch.setenv(name, value)
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.run()
        assert not at.exception
        pages: list[str] = []
        said: dict[str, str | None] = {}
        for behaviour in FAILURES:
            llm.script = [behaviour]
            at.chat_input[0].set_value(f"{QUESTION} ({behaviour})").run()
            assert not at.exception
            turn = at.session_state["turns"][-1]
            if behaviour == "cut":
                assert turn.answer is not None  # marked cut, or the grounding gate's fallback
                assert turn.answer.incomplete or turn.answer.fallback == "ungrounded"
            else:
                assert turn.answer is None and turn.error
            pages.append(rendered(at))
            said[behaviour] = turn.error
        offline = [b for b in at.button if b.label == "Answer offline from the guide"]
        offline[0].click().run()
        pages.append(rendered(at))
        assert_prompts_hold_no_secret(llm)
    # a 401 or 404 says in words what to check (no setting name in the main view, no value)
    assert "rejected the credentials: check the API key." in str(said["401"])
    assert "check the model name and the server address." in str(said["404"])
    for message in said.values():
        assert message is None or not re.search(r"OPENAI_|ADVISOR_", message)
    assert str(said["401"]) in pages[0]
    for page in pages:
        assert leaks(page) == [], page
    assert leaks(caplog.text) == []
