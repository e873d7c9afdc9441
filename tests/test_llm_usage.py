"""Usage and reply limits through the scripted server: the server's report, else an estimate of
the prompt actually sent; the rewrite's tokens added; an API client's max_tokens forwarded."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from advisor import CareerAdvisor, Store, make_answerer
from advisor.api import create_app
from advisor.llm import REWRITE_MAX_TOKENS
from advisor.prompting import build_messages
from advisor.records import Usage
from advisor.tokens import token_counter
from tests.llm_server import ANSWER, USAGE, scripted_llm

QUESTION = "What is DVC used for?"
HISTORY = [("user", "Which tools does the guide name for MLOps?"), ("assistant", "DVC [1].")]


def llm_advisor(store: Store, base_url: str, **changes: Any) -> CareerAdvisor:
    settings = store.settings.with_(
        backend="openai",
        openai_base_url=base_url,
        llm_model="scripted-model",
        api_rate_limit=0,
        **changes,
    )
    return CareerAdvisor(settings, store, make_answerer(settings))


def test_without_a_report_the_prompt_sent_is_counted_and_marked(shared_store: Store) -> None:
    with scripted_llm(["no-usage"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        answer = advisor.ask(QUESTION)
    assert answer.usage is not None and answer.usage.estimated
    counter = token_counter(advisor.settings)
    sent = build_messages(answer.question, answer.sources, [], advisor.settings)
    assert answer.usage.prompt_tokens == sum(counter.count(m.text) for m in sent)
    assert answer.usage.prompt_tokens > 10 * counter.count(QUESTION)  # not the question alone
    assert answer.usage.completion_tokens == counter.count(ANSWER)
    assert answer.to_dict()["usage"]["estimated"] is True


def test_the_rewrites_usage_is_added(shared_store: Store) -> None:
    with scripted_llm(["ok"], answer="What is DVC used for in MLOps?") as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        answer = advisor.ask("are they free?", HISTORY)  # a plural pronoun: the model rewrites
        rewrite = llm.requests[0]
    assert not rewrite.get("stream") and rewrite["max_tokens"] == REWRITE_MAX_TOKENS
    calls = len(llm.requests)  # the rewrite and the answer: each reported its usage
    assert calls == 2 and answer.usage == Usage(
        USAGE["prompt_tokens"] * calls, USAGE["completion_tokens"] * calls
    )


def test_usage_reaches_ask_and_the_streams_done_event(shared_store: Store) -> None:
    with scripted_llm(["ok"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        with TestClient(create_app(advisor.settings, advisor)) as client:
            asked = client.post("/v1/ask", json={"question": QUESTION}).json()
            with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as reply:
                events = "".join(reply.iter_text()).split("\n\n")
    expected = {**USAGE, "estimated": False}
    assert asked["usage"] == expected
    (done,) = [e for e in events if e.startswith("event: done")]
    assert json.loads(done.split("data: ", 1)[1])["usage"] == expected


def test_an_api_clients_max_tokens_is_forwarded_capped(shared_store: Store) -> None:
    body = {"model": "career-advisor", "messages": [{"role": "user", "content": QUESTION}]}
    with scripted_llm(["ok"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url, llm_max_tokens=300)
        with TestClient(create_app(advisor.settings, advisor)) as client:
            client.post("/v1/chat/completions", json={**body, "max_tokens": 40})
            client.post("/v1/chat/completions", json={**body, "max_completion_tokens": 5000})
            client.post("/v1/chat/completions", json={**body, "stream": True, "max_tokens": 41})
            client.post("/v1/chat/completions", json=body)
    assert [r["max_tokens"] for r in llm.requests] == [40, 300, 41, 300]


def test_a_length_finish_is_incomplete(shared_store: Store) -> None:
    with scripted_llm(["length"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        answer = advisor.ask(QUESTION)
    assert answer.text and answer.incomplete
