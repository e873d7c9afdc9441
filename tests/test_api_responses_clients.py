"""`/v1/responses` with the clients integrators use: the official `openai` SDK
(`responses.create` and `responses.stream`), `ChatOpenAI(use_responses_api=True)` and
LiteLLM's `responses`, over real HTTP to the app served by uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import uvicorn

from advisor import CareerAdvisor, Store, make_answerer
from advisor.api import create_app
from advisor.api.openai_text import URN_PREFIX
from tests.test_api import QUESTION

pytestmark = pytest.mark.slow

HEADING = "\n\n**Sources**\n"


@pytest.fixture(scope="module")
def base_url(shared_store: Store) -> Iterator[str]:
    """The app (offline, extractive) served by uvicorn in a thread; stops with the module."""
    settings = shared_store.settings.with_(backend="extractive", api_rate_limit=10_000)
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    config = uvicorn.Config(create_app(settings, advisor=advisor), host="127.0.0.1", port=0)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="responses-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a generous bound: start-up only loads nothing new
    while not (server.started and server.servers):
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="none", max_retries=0, timeout=120)


def check_marks(text: str, marks: list[dict[str, Any]]) -> None:
    """Each url_citation's indices cut out a "[n]" of the answer body; every [n] has one."""
    body = text.split(HEADING, 1)[0]
    markers = [m.span() for m in re.finditer(r"\[\d+\]", body)]
    assert marks and [(m["start_index"], m["end_index"]) for m in marks] == markers
    for mark in marks:
        assert mark["type"] == "url_citation" and mark["title"]
        assert mark["url"].startswith(("https://", "http://", URN_PREFIX))


def test_the_sdk_creates_a_cited_response(client: openai.OpenAI) -> None:
    response = client.responses.create(model="career-advisor", input=QUESTION)
    assert response.status == "completed" and "PyTorch" in response.output_text
    message = response.output[0]
    assert message.type == "message"
    part = message.content[0]
    assert part.type == "output_text"
    check_marks(part.text, [a.model_dump() for a in part.annotations])
    assert response.usage is not None and response.usage.output_tokens > 0
    follow = client.responses.create(
        model="career-advisor", input="why is that?", previous_response_id=response.id
    )
    assert "PyTorch" in follow.output_text
    with pytest.raises(openai.BadRequestError) as info:
        client.responses.create(model="career-advisor", input=QUESTION, tool_choice="required")
    assert info.value.param == "tool_choice"


def test_the_sdk_streams_a_response(client: openai.OpenAI) -> None:
    with client.responses.stream(model="career-advisor", input=QUESTION) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.annotation.added" in kinds
    part = final.output[0].content[0]  # type: ignore[union-attr]
    assert part.type == "output_text" and "PyTorch" in part.text
    check_marks(part.text, [a.model_dump() for a in part.annotations])


def test_langchain_keeps_the_citations(base_url: str) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        model="career-advisor",
        base_url=base_url,
        api_key="none",  # type: ignore[arg-type]
        max_retries=0,
        use_responses_api=True,
    )
    message = model.invoke(QUESTION)
    assert "PyTorch" in message.text
    blocks = [b for b in message.content if isinstance(b, dict) and b.get("type") == "text"]
    check_marks(blocks[0]["text"], blocks[0]["annotations"])
    chunks = list(model.stream(QUESTION))
    streamed = chunks[0]
    for chunk in chunks[1:]:
        streamed += chunk
    assert streamed.text == message.text


def test_litellm_responses(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price list download
    import litellm

    response = litellm.responses(
        model="openai/career-advisor", input=QUESTION, api_base=base_url, api_key="none"
    )
    data = response.model_dump()  # LiteLLM's own ResponsesAPIResponse
    assert data["status"] == "completed" and data["usage"]["output_tokens"] > 0
    part = data["output"][0]["content"][0]
    assert part["type"] == "output_text" and "PyTorch" in part["text"]
    check_marks(part["text"], part["annotations"])
