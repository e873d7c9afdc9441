"""The official `openai` client against a real `advisor serve` process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.servers import Server, advisor_replica

pytestmark = pytest.mark.slow

TOKEN = "test-token-for-the-openai-client"
QUESTION = "PyTorch or TensorFlow first?"


@pytest.fixture(scope="module")
def server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    logs = tmp_path_factory.mktemp("logs")
    env = {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(logs / "feedback.sqlite3"),
        "ADVISOR_API_TOKEN": TOKEN,
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
    }
    with advisor_replica(env, log_dir=logs) as replica:
        yield replica


@pytest.fixture
def client(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=TOKEN, max_retries=0, timeout=60)


def test_models_list(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["career-advisor"]


def test_completion(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="career-advisor", messages=[{"role": "user", "content": QUESTION}]
    )
    text = completion.choices[0].message.content or ""
    assert "PyTorch" in text and "**Sources**" in text
    assert completion.choices[0].finish_reason == "stop"
    sources = (completion.model_extra or {})["sources"]
    assert sources and any(s["cited"] for s in sources)


def test_streaming_completion(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="career-advisor",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": QUESTION},
        ],
        stream=True,
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "PyTorch" in text and "**Sources**" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["sources"]


def test_follow_up_with_history(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model="career-advisor", messages=[{"role": "user", "content": QUESTION}]
    )
    reply = first.choices[0].message.content or ""
    completion = client.chat.completions.create(
        model="career-advisor",
        messages=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": reply},
            {"role": "user", "content": "why is that?"},
        ],
    )
    assert "PyTorch" in (completion.choices[0].message.content or "")


def test_client_errors(server: Server, client: openai.OpenAI) -> None:
    anonymous = openai.OpenAI(base_url=f"{server.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="bearer token"):
        anonymous.models.list()
    with pytest.raises(openai.NotFoundError, match="career-advisor"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="empty"):
        client.chat.completions.create(
            model="career-advisor", messages=[{"role": "user", "content": " "}]
        )
