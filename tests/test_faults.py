"""Faults injected under the surfaces: a failing LLM behind the app and the API, an ingest
while readers answer from the same embedded store, and a Chroma server that goes away and
comes back.

The LLM is tests/llm_server.py (scripted, misbehaves on cue); the app is driven with
AppTest, the API with TestClient; the ingest runs as a real `advisor ingest` subprocess and
the Chroma server as a real `chroma run`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from streamlit.testing.v1 import AppTest

from advisor import Answer, CareerAdvisor, Settings, Store, StoreUnavailable, make_answerer
from advisor.api import create_app
from tests.clocks import FakeTime
from tests.llm_server import ANSWER, ScriptedLLM, scripted_llm
from tests.samples import ZORB_QUESTION, write_zorb
from tests.servers import chroma_server, free_port

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
SECRET = "sk-test-faults-NEVER-SHOW-5b1e9d"
STARTER = "PyTorch or TensorFlow first?"


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLM]:
    """One scripted LLM server for the module; each test sets its script."""
    with scripted_llm(["ok"]) as server:
        yield server


def script(llm: ScriptedLLM, *behaviours: str) -> None:
    llm.script = list(behaviours)
    llm.requests.clear()


# --- the app with a failing LLM -------------------------------------------------------------


@pytest.fixture
def app_on_llm(built_env: Path, monkeypatch: pytest.MonkeyPatch, llm: ScriptedLLM) -> AppTest:
    """The app, configured through the environment to use the scripted LLM."""
    monkeypatch.setenv("ADVISOR_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("ADVISOR_LLM_MAX_RETRIES", "1")
    monkeypatch.setenv("ADVISOR_LLM_TIMEOUT", "5")
    script(llm, "ok")
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    at.button(key="starter_0").click().run()  # a first, good answer
    assert not at.exception
    first = at.session_state["turns"][0].answer
    assert isinstance(first, Answer) and first.text == ANSWER and first.backend == "openai"
    return at


def page_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "warning", "error")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


OUR_LINK = re.compile(r"\[\\\[(\d+)\\\]\]\(#src-[0-9a-zA-Z]+-\1\)")
"""A citation `[n]` as the app links it to its source: `[\\[n\\]](#src-<turn id>-<n>)`."""


def unlinked(text: str) -> str:
    """The page's text with our in-page citation links turned back into plain `[n]`."""
    return OUR_LINK.sub(r"[\1]", text)


@pytest.mark.parametrize(
    ("status", "word"),
    [("500", "failing"), ("429", "busy"), ("stall", "did not answer within 5 s")],
)
def test_app_survives_a_persistently_failing_llm(
    app_on_llm: AppTest, llm: ScriptedLLM, status: str, word: str
) -> None:
    at = app_on_llm
    script(llm, status)
    started = time.monotonic()
    at.chat_input[0].set_value("How long does it take to learn it?").run()
    elapsed = time.monotonic() - started
    assert not at.exception
    assert elapsed < 30, f"the failure took {elapsed:.0f} s to surface"
    assert len(llm.requests) >= 2  # retried, then gave up

    (warning,) = at.warning
    assert "not answering right now" in warning.value and word in warning.value
    assert "offline" in warning.value
    turns = at.session_state["turns"]
    assert [t.question for t in turns] == [STARTER, "How long does it take to learn it?"]
    assert turns[0].answer.text == ANSWER and ANSWER in unlinked(page_text(at))  # history kept
    assert turns[1].answer is None and turns[1].can_answer_offline
    assert SECRET not in page_text(at)

    offline = next(b for b in at.button if b.label == "Answer offline from the guide")
    offline.click().run()
    assert not at.exception and not at.warning
    answer = at.session_state["turns"][1].answer
    assert isinstance(answer, Answer) and answer.backend == "extractive"
    assert not answer.refused and answer.sources
    assert at.session_state["turns"][0].answer.text == ANSWER
    assert "Answered offline from the guide" in "\n".join(c.value for c in at.caption)


def test_app_marks_a_cut_answer_incomplete_and_carries_on(
    app_on_llm: AppTest, llm: ScriptedLLM
) -> None:
    at = app_on_llm
    script(llm, "ok", "cut")  # condense the follow-up, then cut the answer's stream
    llm.chunk_chars = 20  # three pieces: the whole answer, cited, but no finish reason
    at.chat_input[0].set_value("Why that one?").run()
    assert not at.exception
    cut = at.session_state["turns"][-1].answer
    assert isinstance(cut, Answer) and cut.incomplete and cut.text == ANSWER
    assert "may be incomplete" in "\n".join(c.value for c in at.caption)
    assert any(m.value.startswith("Learn PyTorch first: it is") for m in at.markdown)

    script(llm, "ok")
    at.chat_input[0].set_value("What is DVC?").run()
    assert not at.exception
    turns = at.session_state["turns"]
    assert len(turns) == 3 and turns[1].answer is cut
    assert turns[2].answer.text == ANSWER and not turns[2].answer.incomplete


# --- the API with a failing LLM -------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_api(shared_store: Store, llm: ScriptedLLM) -> Iterator[TestClient]:
    settings = shared_store.settings.with_(
        backend="openai",
        openai_base_url=llm.base_url,
        openai_api_key=SECRET,
        llm_max_retries=0,
        llm_timeout=1.0,
        api_rate_limit=0,
    )
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with TestClient(create_app(settings, advisor), raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 120
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield client


def chat_body(stream: bool = False) -> dict[str, Any]:
    messages = [{"role": "user", "content": STARTER}]
    return {"model": "career-advisor", "messages": messages, "stream": stream}


@pytest.mark.parametrize(
    ("behaviour", "code", "message"),
    [
        ("500", 502, "the language model is failing (HTTP 500)"),
        ("429", 502, "the language model is busy"),
        ("stall", 504, "did not answer within 1 s (ADVISOR_LLM_TIMEOUT); waited"),
        ("keepalive", 504, "did not answer within 1 s (ADVISOR_LLM_TIMEOUT); waited"),
    ],
)
def test_api_reports_a_failing_llm_as_json(
    llm_api: TestClient,
    llm: ScriptedLLM,
    behaviour: str,
    code: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script(llm, behaviour)
    if behaviour in ("500", "429"):  # on a frozen clock: a slow reply can't become a timeout
        app: Any = llm_api.app
        monkeypatch.setattr(app.state.advisor, "deadlines", FakeTime().deadline)
    seen: list[str] = []
    for path, body in (("/v1/ask", {"question": STARTER}), ("/v1/chat/completions", chat_body())):
        started = time.monotonic()
        response = llm_api.post(path, json=body)
        assert time.monotonic() - started < 20
        assert response.status_code == code, response.text
        assert response.headers["content-type"] == "application/json"
        error = response.json()["error"]
        assert message in error["message"] and error["type"] == "llm_error"
        seen.append(response.text)
    streamed = llm_api.post("/v1/chat/completions", json=chat_body(stream=True))
    assert streamed.status_code == code and message in streamed.json()["error"]["message"]
    events = llm_api.post("/v1/ask/stream", json={"question": STARTER}).text
    assert "event: error" in events and message in events and f'"status": {code}' in events
    seen += [streamed.text, events]
    assert all(SECRET not in text for text in seen)

    script(llm, "ok")  # and the next request works again
    assert llm_api.post("/v1/ask", json={"question": STARTER}).json()["answer"] == ANSWER


# --- an ingest while readers answer from the same embedded store ----------------------------


def cards(folder: Path, count: int = 6) -> Path:
    """The Zorbulate card plus `count` filler cards (enough records to take a while)."""
    write_zorb(folder)
    for i in range(count):
        lines = [
            f"Filler practice {i} sentence {j}: learners revisit topic {i * 7 + j} weekly."
            for j in range(8)
        ]
        body = "\n".join(lines)
        (folder / f"filler-{i}.md").write_text(f"# Filler {i}\n\n## Notes\n{body}\n", "utf-8")
    return folder


class Readers:
    """Threads asking questions in a loop (through the API and the library), counting outcomes."""

    QUESTIONS = (STARTER, "How much do entry-level ML engineers earn?", "Which MLOps tools?")

    def __init__(self, client: TestClient, advisor: CareerAdvisor) -> None:
        self.client, self.advisor = client, advisor
        self.stop = threading.Event()
        self.outcomes: Counter[str] = Counter()
        self.errors: list[str] = []
        self.during: Counter[str] = Counter()
        self.writer: subprocess.Popen[bytes] | None = None
        self.threads = [
            threading.Thread(target=self._loop, args=(self._via_api,), daemon=True),
            threading.Thread(target=self._loop, args=(self._via_library,), daemon=True),
        ]

    def _via_api(self, question: str) -> None:
        response = self.client.post("/v1/ask", json={"question": question})
        if response.status_code != 200 or not response.json()["answer"]:
            raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")

    def _via_library(self, question: str) -> None:
        answer = self.advisor.ask(question)
        if answer.refused or not answer.sources:
            raise AssertionError(f"refused an in-scope question: {question!r}")

    def _loop(self, ask: Any) -> None:
        i = 0
        while not self.stop.is_set():
            question = self.QUESTIONS[i % len(self.QUESTIONS)]
            i += 1
            try:
                ask(question)
                self.outcomes[ask.__name__] += 1
                if self.writer is not None and self.writer.poll() is None:
                    self.during[ask.__name__] += 1
            except Exception as exc:
                self.errors.append(f"{ask.__name__}: {type(exc).__name__}: {exc}")
            self.stop.wait(0.05)  # leave the writer some CPU on a small machine

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_ingest_while_answering_from_the_same_embedded_store(
    index_dir: Path, tmp_path: Path
) -> None:
    store_dir = tmp_path / "store"
    shutil.copytree(index_dir, store_dir)
    settings = Settings.from_env(
        env={},
        store_dir=store_dir,
        backend="extractive",
        store_refresh_seconds=0.2,
        api_rate_limit=0,
    )
    advisor = CareerAdvisor.from_settings(settings)
    folder = cards(tmp_path / "cards")
    env = {
        **os.environ,
        "ADVISOR_STORE_DIR": str(store_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    exe = Path(sys.executable).with_name("advisor")
    log = tmp_path / "ingest.log"
    with (
        TestClient(create_app(settings, advisor), raise_server_exceptions=False) as client,
        Readers(client, advisor) as readers,
    ):
        deadline = time.monotonic() + 60
        while sum(readers.outcomes.values()) < 4:  # readers are warm and answering
            assert time.monotonic() < deadline and not readers.errors, readers.errors
            time.sleep(0.1)
        with log.open("wb") as out:
            readers.writer = subprocess.Popen(
                [str(exe), "ingest", str(folder), "--json"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                code = readers.writer.wait(timeout=300)
            finally:
                if readers.writer.poll() is None:
                    readers.writer.kill()
        output = log.read_text(encoding="utf-8", errors="replace")
        assert code == 0, output
        report = json.loads(output.strip().splitlines()[-1])
        assert report["added"] == 7 and report["skipped"] == []

        deadline = time.monotonic() + 30  # readers notice the new generation by themselves
        while True:
            titles = [s.title for s in advisor.retrieve(ZORB_QUESTION)]
            body = client.post("/v1/ask", json={"question": ZORB_QUESTION}).json()
            if "Zorbulate Method" in titles and "zorbulate" in body["answer"].lower():
                break
            assert time.monotonic() < deadline, (titles, body["answer"][:200])
            time.sleep(0.2)
        switched = sum(readers.outcomes.values())
        deadline = time.monotonic() + 60
        while sum(readers.outcomes.values()) <= switched:  # more questions after the switch
            assert time.monotonic() < deadline and not readers.errors, readers.errors
            time.sleep(0.1)
    assert readers.errors == []
    assert readers.during["_via_api"] >= 1 and readers.during["_via_library"] >= 1, readers.during
    print(f"\nanswers while the ingest ran: {dict(readers.during)}; total {dict(readers.outcomes)}")


# --- a Chroma server that goes away and comes back ------------------------------------------


def test_chroma_server_down_then_back_without_restarting_the_app(tmp_path: Path) -> None:
    from ingest import ingest

    data, logs, port = tmp_path / "chroma", tmp_path / "logs", free_port()
    settings = Settings.from_env(
        env={},
        chroma_host="127.0.0.1",
        chroma_port=port,
        store_dir=tmp_path / "local",
        backend="extractive",
        store_refresh_seconds=0.2,
        api_rate_limit=0,
    )
    folder = write_zorb(tmp_path / "cards").parent

    def asked_ok(advisor: CareerAdvisor, client: TestClient) -> None:
        answer = advisor.ask(ZORB_QUESTION)
        assert not answer.refused and "zorbulate" in answer.text.lower()
        response = client.post("/v1/ask", json={"question": ZORB_QUESTION})
        assert response.status_code == 200, response.text
        assert client.get("/readyz").status_code == 200

    with contextlib.ExitStack() as stack:
        with chroma_server(data, port=port, log_dir=logs) as chroma:
            assert ingest([folder], settings=settings, progress=False).added == 1
            advisor = CareerAdvisor.from_settings(settings)
            client = stack.enter_context(
                TestClient(create_app(settings, advisor), raise_server_exceptions=False)
            )
            deadline = time.monotonic() + 60
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            asked_ok(advisor, client)

            chroma.process.kill()  # the server dies under the app
            chroma.process.wait(timeout=10)

        for _ in range(2):  # every call fails fast and clearly, however often it is tried
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="vector store unavailable") as info:
                advisor.ask(ZORB_QUESTION)
            assert f"Chroma server at 127.0.0.1:{port}" in str(info.value)
            assert time.monotonic() - started < 10
        response = client.post("/v1/ask", json={"question": ZORB_QUESTION})
        assert response.status_code == 503 and response.headers["retry-after"]
        error = response.json()["error"]
        assert error["type"] == "store_unavailable"
        assert "vector store unavailable" in error["message"] and "Traceback" not in response.text
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "vector store unavailable" in ready.json()["detail"]

        with chroma_server(data, port=port, log_dir=logs):  # back on the same port and data
            deadline = time.monotonic() + 30
            while True:
                try:
                    asked_ok(advisor, client)  # the same advisor and app, not rebuilt
                    break
                except (StoreUnavailable, AssertionError):
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
