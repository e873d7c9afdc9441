"""`/metrics` counts every answering route alike: answers by backend, fallbacks by reason,
LLM errors by kind, whole or streamed; and each stream once, by how it ended.

The advisor runs on the shipped fake chat model, scripted per request: an uncited reply
("[1] [2][3]") trips the grounding gate, "!error" makes the model fail. Samples are read
with prometheus_client's own parser.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.testclient import TestClient
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from prometheus_client.parser import text_string_to_metric_families

from advisor import CareerAdvisor, Store, make_answerer
from advisor.fake import FakeChatModel
from advisor.llm import ChatAnswerer
from tests.servers import api_in_thread
from tests.test_api import QUESTION, events, serving

UNCITED = "[1] [2][3]"
MODEL = "career-advisor"
ASKED = [{"role": "user", "content": QUESTION}]
ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("/v1/ask", "whole", {"question": QUESTION}),
    ("/v1/ask/stream", "stream", {"question": QUESTION}),
    ("/v1/chat/completions", "whole", {"model": MODEL, "messages": ASKED}),
    ("/v1/chat/completions", "stream", {"model": MODEL, "messages": ASKED, "stream": True}),
    ("/v1/responses", "whole", {"model": MODEL, "input": QUESTION}),
    ("/v1/responses", "stream", {"model": MODEL, "input": QUESTION, "stream": True}),
]
STREAMED = ["/v1/ask/stream", "/v1/chat/completions", "/v1/responses"]


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    scrape: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """One sample's value (0 when the series was never counted)."""
    return scrape.get((name, frozenset(labels.items())), 0.0)


def fake_advisor(store: Store, *replies: str) -> CareerAdvisor:
    settings = store.settings.with_(backend="fake", fake_responses=replies, api_rate_limit=0)
    return CareerAdvisor(settings, store, make_answerer(settings))


def run_every_route(client: TestClient) -> list[str]:
    """One request per answering route, in ROUTES order; each response's body text."""
    bodies = []
    for path, _, body in ROUTES:
        reply = client.post(path, json=body)
        assert reply.status_code == 200, (path, reply.text)
        bodies.append(reply.text)
    return bodies


def test_every_route_counts_answers_and_fallbacks(shared_store: Store) -> None:
    # The first six model replies cite nothing (the offline answer stands in), the next six
    # are the fake's own cited sentence: each route answers once of each.
    advisor = fake_advisor(shared_store, *[UNCITED] * len(ROUTES))
    with serving(advisor) as client:
        fell_back = run_every_route(client)
        grounded = run_every_route(client)
        scrape = samples(client.get("/metrics").text)
    assert all("did not cite its sources" in body for body in fell_back)
    assert not any("did not cite its sources" in body for body in grounded)
    n = len(ROUTES)
    assert value(scrape, "advisor_fallbacks_total", reason="ungrounded") == n
    assert value(scrape, "advisor_fallbacks_total", reason="error") == 0
    answered = {
        backend: value(scrape, "advisor_answers_total", backend=backend, outcome="answered")
        for backend in ("fake", "extractive")
    }
    assert answered == {"fake": n, "extractive": n}  # the stand-ins are the offline answerer's
    for route in STREAMED:
        assert value(scrape, "advisor_streams_total", route=route, ending="answered") == 2, route
        assert value(scrape, "advisor_streams_total", route=route, ending="failed") == 0, route
    assert sum(v for (name, _), v in scrape.items() if name == "advisor_llm_errors_total") == 0


def test_every_route_counts_llm_errors_by_kind(shared_store: Store) -> None:
    advisor = fake_advisor(shared_store, *["!error"] * len(ROUTES))
    with serving(advisor, raise_server_exceptions=False) as client:
        statuses = [client.post(path, json=body).status_code for path, _, body in ROUTES]
        scrape = samples(client.get("/metrics").text)
    # /v1/ask/stream has begun its 200 before the model is asked: the error is an event;
    # the OpenAI-compatible streams ask first, so they fail with a status as the whole ones
    assert statuses == [502, 200, 502, 502, 502, 502]
    assert value(scrape, "advisor_llm_errors_total", kind="LLMError") == len(ROUTES)
    assert value(scrape, "advisor_streams_total", route="/v1/ask/stream", ending="failed") == 1
    assert sum(v for (name, _), v in scrape.items() if name == "advisor_answers_total") == 0


HELD_AFTER = 160
"""Characters the held model says before it waits: past its first citation and enough more
that the stream's guards (which keep back a short tail) have released a delta."""


class HeldModel(FakeChatModel):
    """The fake model, holding its stream after its first few sentences until released."""

    release: Any = None

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        said = ""
        for chunk in super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs):
            if len(said) >= HELD_AFTER:
                self.release.wait(60)
            said += str(chunk.message.content)
            yield chunk


def test_a_stream_the_client_leaves_counts_as_disconnected(shared_store: Store) -> None:
    release = threading.Event()
    reply = "PyTorch is the better first choice in 2026 [1]. " + "TensorFlow can come later. " * 20
    settings = shared_store.settings.with_(backend="fake", api_rate_limit=0)
    model = HeldModel(responses=[reply], release=release)
    advisor = CareerAdvisor(settings, shared_store, ChatAnswerer(model, settings, "fake"))
    try:
        with api_in_thread(settings, advisor) as url:
            with httpx.stream(
                "POST", f"{url}/v1/ask/stream", json={"question": QUESTION}, timeout=60
            ) as r:
                for line in r.iter_lines():  # leave at the first delta: the model is held
                    if line.startswith("event: delta"):
                        break
            release.set()  # the server may now go on, and find the client gone
            found, until = 0.0, time.monotonic() + 60
            while found < 1 and time.monotonic() < until:
                scrape = samples(httpx.get(f"{url}/metrics", timeout=30).text)
                route = {"route": "/v1/ask/stream"}
                found = value(scrape, "advisor_streams_total", ending="disconnected", **route)
                time.sleep(0.1)  # polling the scrape, not synchronising
            assert found == 1
            assert value(scrape, "advisor_streams_total", ending="answered", **route) == 0
            whole = httpx.post(f"{url}/v1/ask/stream", json={"question": QUESTION}, timeout=60)
            assert [e for e, _ in events(whole.text)][-1] == "done"
            after = samples(httpx.get(f"{url}/metrics", timeout=30).text)
            assert value(after, "advisor_streams_total", ending="answered", **route) == 1
    finally:
        release.set()
