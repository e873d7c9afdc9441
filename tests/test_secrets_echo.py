"""A model that echoes the API key, the base URL's password or its query secret shows none of them.

tests/llm_server.py's scripted LLM answers with all three, sent in 3-character pieces so
every secret is split across pieces. `CareerAdvisor.stream` masks them once, for every
surface: the library, `/v1/ask`, `/v1/ask/stream`, `/v1/chat/completions` (streamed and
not), the CLI and the app. For every stream, the text so far is checked after each piece:
not even the first few characters of a secret may show before it is masked.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor import Answer, CareerAdvisor, Store, make_answerer
from advisor.records import Chunk
from advisor.secrets import MASK, RedactingStream, Redactor, public_url, url_credentials
from tests.llm_server import ScriptedLLM, scripted_llm
from tests.test_api import events, serving

KEY = "sk-live-ECHO-KEY-77aa31"
PASSWORD = "pw-2024-hunterX"  # digits the number check would flag (and split) if it saw them
QUERY = "qs-TOKEN-c0ffee99"
USER = "usr-qz9wkv7"
SECRETS = (KEY, PASSWORD, QUERY, USER)
QUESTION = "PyTorch or TensorFlow first?"
ECHO = (
    f"Learn PyTorch first [1]. Your key is {KEY} and the server password is {PASSWORD}; "
    f"the token is {QUERY} for {USER}. Then move on [1]."
)


def fragments(text: str, size: int = 6) -> list[str]:
    """Pieces of any secret (`size` characters or more) that show in `text`."""
    pieces = {s[i : i + size] for s in SECRETS for i in range(len(s) - size + 1)}
    return sorted(p for p in pieces if p in text)


def assert_stream_hides(pieces: list[str]) -> str:
    """Every prefix of a stream (after each piece) shows no secret fragment; the whole text."""
    so_far = ""
    for piece in pieces:
        so_far += piece
        assert fragments(so_far) == [], so_far
    return so_far


def llm_url(llm: ScriptedLLM) -> str:
    """The scripted server's URL, with a user, a password and a query secret in it."""
    return llm.base_url.replace("http://", f"http://{USER}:{PASSWORD}@") + f"?token={QUERY}"


@pytest.fixture
def echoing() -> Iterator[ScriptedLLM]:
    with scripted_llm(["ok"], answer=ECHO) as llm:
        llm.chunk_chars = 3
        yield llm


def advisor_for(store: Store, llm: ScriptedLLM) -> CareerAdvisor:
    settings = store.settings.with_(
        backend="openai", openai_api_key=KEY, openai_base_url=llm_url(llm), llm_max_retries=0
    )
    return CareerAdvisor(settings, store, make_answerer(settings))


# --- the redactor itself ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11])
def test_a_stream_never_shows_a_split_secret(size: int) -> None:
    redactor = Redactor.of(SECRETS)
    stream = RedactingStream(redactor)
    pieces = [stream.push(ECHO[i : i + size]) for i in range(0, len(ECHO), size)]
    shown = assert_stream_hides([*pieces, stream.finish()])
    assert shown == redactor.redact(ECHO) and shown.count(MASK) == 4
    assert shown.startswith("Learn PyTorch first [1]. Your key is «redacted» and")


def test_random_splits_of_random_text_match_the_whole_masked() -> None:
    rnd = random.Random(7)  # a small alphabet, so secrets overlap, repeat and nearly match
    for _ in range(3000):
        secrets = ["".join(rnd.choice("ab-") for _ in range(rnd.randint(4, 7))) for _ in "123"]
        redactor = Redactor.of(secrets)
        text = "".join(rnd.choice("ab- ") for _ in range(rnd.randint(0, 60)))
        stream, shown, at = RedactingStream(redactor), "", 0
        while at < len(text):
            step = rnd.randint(1, 5)
            shown += stream.push(text[at : at + step])
            at += step
            assert not any(s in shown for s in redactor.secrets), (secrets, text, shown)
        assert shown + stream.finish() == redactor.redact(text), (secrets, text)


def test_overlapping_and_repeated_secrets_are_masked_whole() -> None:
    redactor = Redactor.of(["abcdef", "defghi", "xyz", None, ""])  # "xyz" is too short to mask
    assert redactor.redact("1 abcdefghi 2 abcdef abcdef xyz") == f"1 {MASK} 2 {MASK} {MASK} xyz"
    stream = RedactingStream(redactor)
    assert stream.push("see abcde") == "see "  # "abcde" may still become a secret
    assert stream.push("Z ok") == "abcdeZ ok"  # it did not
    assert stream.finish() == ""


def test_url_credentials_and_public_urls() -> None:
    url = f"https://{USER}:{PASSWORD}@llm.example/v1?api-key={QUERY}&x=1"
    assert {USER, PASSWORD, QUERY} <= set(url_credentials(url))
    assert "admin" not in url_credentials("http://admin:longpassword@h/")  # a short user name
    shown = public_url(f"https://{USER}:{PASSWORD}@docs.example/p?id=3&access_token={QUERY}#top")
    assert shown == "https://docs.example/p?id=3&access_token=***#top"
    assert (
        public_url("https://www.example.org/watch?v=abc") == "https://www.example.org/watch?v=abc"
    )
    assert public_url("corpus/guide.md") == "corpus/guide.md"
    stored = f"https://{USER}:{PASSWORD}@docs.example/p?token={QUERY}"  # an index from before
    chunk = Chunk(
        id="c1", text="t", source=stored, title="T", section="", doc_key=f"{stored}::",
        doc_hash="h", doc_chunks=1, url=stored, root=stored,
    )  # fmt: skip
    source = chunk.as_source(0.5)
    assert fragments(json.dumps(source.to_dict())) == []
    assert source.url == "https://docs.example/p?token=***"


# --- every surface ------------------------------------------------------------------------------


def test_the_library_and_the_api_never_show_an_echoed_secret(
    shared_store: Store, echoing: ScriptedLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    advisor = advisor_for(shared_store, echoing)
    items = list(advisor.stream(QUESTION))
    answer = items[-1]
    assert isinstance(answer, Answer) and not answer.refused and answer.backend == "openai"
    shown = assert_stream_hides([i for i in items if isinstance(i, str)])
    assert shown == answer.text and answer.text.count(MASK) == 4, answer.text
    assert "Learn PyTorch first" in answer.text and fragments(json.dumps(answer.to_dict())) == []
    assert fragments(advisor.ask(QUESTION).text) == []
    assert echoing.requests and fragments(json.dumps(echoing.requests)) == []  # never in a prompt
    with serving(advisor) as client:
        plain = client.post("/v1/ask", json={"question": QUESTION})
        assert plain.status_code == 200 and MASK in plain.json()["answer"]
        streamed = client.post("/v1/ask/stream", json={"question": QUESTION})
        deltas = [data["text"] for event, data in events(streamed.text) if event == "delta"]
        assert MASK in assert_stream_hides(deltas)
        chat = {"model": "career-advisor", "messages": [{"role": "user", "content": QUESTION}]}
        completion = client.post("/v1/chat/completions", json=chat)
        assert MASK in completion.json()["choices"][0]["message"]["content"]
        chunks = client.post("/v1/chat/completions", json={**chat, "stream": True})
        parsed = [data for _, data in events(chunks.text) if data != "[DONE]"]
        contents = [d["choices"][0]["delta"].get("content") or "" for d in parsed if d["choices"]]
        assert MASK in assert_stream_hides(contents)
        bodies = [plain.text, streamed.text, completion.text, chunks.text]
    for body in bodies:
        assert fragments(body) == [], body
    assert fragments(caplog.text) == []


def test_the_cli_never_shows_an_echoed_secret(
    built_env: Path,
    echoing: ScriptedLLM,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    from advisor.cli import main

    monkeypatch.setenv("ADVISOR_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", llm_url(echoing))
    for args in (["ask", QUESTION], ["ask", QUESTION, "--json"]):
        assert main(args) == 0
        out, err = capfd.readouterr()
        assert MASK in out and fragments(out + err) == [], out + err


def test_the_app_never_shows_an_echoed_secret(
    built_env: Path, echoing: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.test_secrets import rendered

    monkeypatch.setenv("ADVISOR_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", llm_url(echoing))
    at = AppTest.from_file(str(Path(__file__).parents[1] / "ui" / "app.py"), default_timeout=120)
    at.run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    answer: Any = at.session_state["turns"][-1].answer
    assert answer is not None and MASK in answer.text
    page = rendered(at)
    assert "Learn PyTorch first" in page and fragments(page) == []
