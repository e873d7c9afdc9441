"""The LLM path against a real model: llama.cpp's server with SmolLM2-135M (tests/llama_server.py).

A 135M model writes poor answers, so these tests assert behaviour, never wording: every call
gives an Answer (or a marked fallback), never an exception; usage is present; the deadline
holds. Test settings keep prompts short (2 sources) and replies shorter (48 tokens): each
call then costs a few seconds of one CPU thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from advisor import Answer, CareerAdvisor, Settings, Store, make_answerer
from advisor.api import create_app
from advisor.cli import main
from advisor.grounding import CUT_NOTICE
from advisor.llm import ChatAnswerer
from advisor.prompting import build_messages
from advisor.replies import CHARS_PER_TOKEN
from tests.llama_server import MODEL, LlamaServer, llama_server

pytestmark = pytest.mark.slow

TIMEOUT = 600.0
"""The answer's whole budget: generous, since the machine may run 3x oversubscribed."""
FIRST_TOKEN = 400.0
QUESTION = "Should I learn PyTorch or TensorFlow first?"
HISTORY = [("user", QUESTION), ("assistant", "Start with PyTorch [1].")]
APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


@pytest.fixture(scope="module")
def llama() -> Iterator[LlamaServer]:
    """The real server, 1 thread, a 4,096-token context."""
    with llama_server(context=4096) as server:
        yield server


def real_settings(store: Store, server: LlamaServer, **changes: Any) -> Settings:
    """The openai backend pointed at the real server, with test-sized prompts and replies."""
    values: dict[str, Any] = {
        "backend": "openai",
        "openai_base_url": server.base_url,
        "llm_timeout": TIMEOUT,
        "llm_first_token_timeout": FIRST_TOKEN,
        "llm_max_tokens": 48,
        "top_k": 2,
        "api_rate_limit": 0,
        **changes,
    }
    return store.settings.with_(**values)


def real_advisor(store: Store, server: LlamaServer, **changes: Any) -> CareerAdvisor:
    settings = real_settings(store, server, **changes)
    return CareerAdvisor(settings, store, make_answerer(settings))


def env_for(server: LlamaServer, llm_max_tokens: int = 48) -> dict[str, str]:
    """The environment of `real_settings`, for the app and the CLI."""
    return {
        "ADVISOR_BACKEND": "openai",
        "OPENAI_BASE_URL": server.base_url,
        "ADVISOR_LLM_TIMEOUT": str(TIMEOUT),
        "ADVISOR_LLM_FIRST_TOKEN_TIMEOUT": str(FIRST_TOKEN),
        "ADVISOR_LLM_MAX_TOKENS": str(llm_max_tokens),
        "ADVISOR_TOP_K": "2",
    }


def assert_answered(answer: Answer) -> None:
    """An answer the model wrote, or the offline answer marked as the fallback for a model
    answer that cited nothing (a 135M model rarely cites), with the model's usage."""
    assert isinstance(answer, Answer) and answer.text.strip()
    assert not answer.refused and answer.sources
    assert answer.usage is not None and answer.usage.prompt_tokens > 0
    assert (answer.backend, answer.fallback) in (("openai", ""), ("extractive", "ungrounded"))


def shows_the_cut(answer: dict[str, Any]) -> bool:
    """An answer (as `to_dict` gives it) marked incomplete, or, when the cut came before any
    citation, replaced by the whole offline answer under the notice that says so."""
    if answer["fallback"] == "ungrounded":
        return answer["incomplete"] is False and answer["answer"].startswith(CUT_NOTICE)
    return answer["incomplete"] is True


def timed(run: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = run()
    return result, time.monotonic() - started


def test_ask_gets_an_answer_with_the_prompts_usage(shared_store: Store, llama: LlamaServer) -> None:
    advisor = real_advisor(shared_store, llama)
    assert advisor.describe_backend() == f"LLM: {MODEL} at {llama.base_url}"  # its /v1/models
    answer, elapsed = timed(lambda: advisor.ask(QUESTION))
    assert_answered(answer)
    assert elapsed < TIMEOUT
    # the usage counts the prompt sent (rules, sources, question), not the question alone
    assert answer.usage is not None and answer.usage.prompt_tokens > 300


def test_a_follow_up_is_rewritten_and_answered(shared_store: Store, llama: LlamaServer) -> None:
    advisor = real_advisor(shared_store, llama)
    answer, elapsed = timed(lambda: advisor.ask("And how long does it take to learn it?", HISTORY))
    assert isinstance(answer, Answer) and answer.text.strip() and elapsed < TIMEOUT
    assert answer.question.strip()  # what was searched for: the rewrite, or the offline one
    if not answer.refused:
        assert_answered(answer)


def test_stream_yields_text_then_the_answer(shared_store: Store, llama: LlamaServer) -> None:
    advisor = real_advisor(shared_store, llama)
    items = list(advisor.stream("What is DVC used for?"))
    answer = items[-1]
    deltas = [d for d in items[:-1] if isinstance(d, str)]
    assert isinstance(answer, Answer) and len(deltas) == len(items) - 1
    assert_answered(answer)
    assert "".join(deltas).strip()


@pytest.fixture(scope="module")
def api(shared_store: Store, llama: LlamaServer) -> Iterator[TestClient]:
    advisor = real_advisor(shared_store, llama)
    with TestClient(create_app(advisor.settings, advisor)) as client:
        until = time.monotonic() + 120
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < until
            time.sleep(0.05)  # polling the app's readiness
        yield client


def chat_body(stream: bool, **extra: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": QUESTION}]
    return {"model": "career-advisor", "messages": messages, "stream": stream, **extra}


def test_chat_completions_answer(api: TestClient) -> None:
    body = api.post("/v1/chat/completions", json=chat_body(False)).json()
    (choice,) = body["choices"]
    assert choice["message"]["content"].strip()
    assert choice["finish_reason"] in ("stop", "length")
    assert body["usage"]["prompt_tokens"] > 300 and body["usage"]["completion_tokens"] > 0


def test_chat_completions_stream(api: TestClient) -> None:
    request = chat_body(True, stream_options={"include_usage": True})
    with api.stream("POST", "/v1/chat/completions", json=request) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text.strip()
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] in ("stop", "length")
    assert chunks[-1]["usage"]["prompt_tokens"] > 300


def test_one_question_in_the_app(
    built_env: Path, llama: LlamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env_for(llama).items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    assert_answered(answer)
    # no ADVISOR_LLM_MODEL: the app names the model the server says it serves
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert f"language model `{MODEL}`" in sidebar and "gpt-4o-mini" not in sidebar


def test_the_server_is_llama_cpp_on_loopback(llama: LlamaServer) -> None:
    models = httpx.get(f"{llama.base_url}/models", timeout=30).json()
    assert models["data"][0]["owned_by"] == "llamacpp"
    assert llama.url.startswith("http://127.0.0.1:")


def test_a_reply_cut_at_max_tokens_is_incomplete_everywhere(
    shared_store: Store,
    llama: LlamaServer,
    built_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1 token: a reply with any text at all is cut there by the server ("length"), since the
    # end-of-text token brings no text (a 6-token limit once met "The answer is no." + end)
    advisor = real_advisor(shared_store, llama, llm_max_tokens=1)
    chat = advisor.answerer
    assert isinstance(chat, ChatAnswerer)
    draft = chat.answer(QUESTION, advisor.retrieve(QUESTION, k=2))
    # our own cut would keep exactly CHARS_PER_TOKEN characters: fewer means the server's
    assert not draft.complete and 0 < len(draft.text) < CHARS_PER_TOKEN
    assert shows_the_cut(advisor.ask(QUESTION).to_dict())

    with TestClient(create_app(advisor.settings, advisor)) as client:
        body = client.post("/v1/chat/completions", json=chat_body(False)).json()
        choice = body["choices"][0]
        replaced = choice["message"]["content"].startswith(CUT_NOTICE)
        assert choice["finish_reason"] == ("stop" if replaced else "length")
        with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as response:
            text = "".join(response.iter_text())
    done = [b for b in text.split("\n\n") if b.startswith("event: done")]
    assert len(done) == 1 and shows_the_cut(json.loads(done[0].split("data: ", 1)[1]))

    for name, value in env_for(llama, llm_max_tokens=1).items():
        monkeypatch.setenv(name, value)
    assert main(["ask", QUESTION, "--json"]) == 0
    assert shows_the_cut(json.loads(capsys.readouterr().out))


@pytest.fixture(scope="module")
def llama_small() -> Iterator[LlamaServer]:
    """The same server with a 1,024-token context: the advisor's full prompt overflows it."""
    with llama_server(context=1024) as server:
        yield server


def test_a_prompt_over_the_context_is_cut_and_asked_again(
    shared_store: Store, llama_small: LlamaServer
) -> None:
    advisor = real_advisor(shared_store, llama_small, top_k=4)
    history = [("user", "I am a Java developer with five years of backend work. " * 25)] * 2
    # the server counts the prompt the advisor would send first: more than its context
    sources = advisor.retrieve(QUESTION, k=4)
    whole = "\n".join(m.text for m in build_messages(QUESTION, sources, history, advisor.settings))
    counted = httpx.post(f"{llama_small.url}/tokenize", json={"content": whole}, timeout=60)
    assert len(counted.json()["tokens"]) > llama_small.context

    answer, elapsed = timed(lambda: advisor.ask(QUESTION, history))
    assert_answered(answer)
    assert answer.usage is not None and answer.usage.prompt_tokens < llama_small.context
    assert elapsed < TIMEOUT


def test_the_server_stops_when_its_parent_dies() -> None:
    # a parent that starts a server and is then killed outright (no cleanup of its own runs)
    script = "from tests.llama_server import start; import sys, time; " + (
        "s = start(512); print(s.process.pid, flush=True); time.sleep(600)"
    )
    root = str(Path(__file__).resolve().parents[1])
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert running(child)
    parent.kill()
    parent.wait(timeout=60)
    until = time.monotonic() + 120  # generous: the child only has to notice its stdin closed
    while running(child) and time.monotonic() < until:
        time.sleep(0.1)  # polling another process's exit
    assert not running(child)


def running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
