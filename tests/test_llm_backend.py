"""The openai backend against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import time

import pytest

from advisor import CareerAdvisor, ConfigurationError, LLMError, Store, make_answerer
from tests.clocks import FakeTime
from tests.llm_server import ANSWER, USAGE, scripted_llm

SECRET = "sk-test-DO-NOT-LEAK-1234567890"


def llm_advisor(
    store: Store, base_url: str, clock: FakeTime | None = None, **changes: object
) -> CareerAdvisor:
    """An advisor on the shared index whose answerer is ChatOpenAI pointed at base_url
    (its deadlines on `clock`, when given)."""
    settings = store.settings.with_(
        backend="openai",
        openai_base_url=base_url,
        openai_api_key=SECRET,
        llm_model="scripted-model",
        **changes,
    )
    if clock is None:
        return CareerAdvisor(settings, store, make_answerer(settings))
    return CareerAdvisor(settings, store, make_answerer(settings), deadlines=clock.deadline)


def test_generated_answer_is_grounded_in_the_same_sources(shared_store: Store) -> None:
    with scripted_llm(["ok"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        answer = advisor.ask("PyTorch or TensorFlow first?")
        offline = CareerAdvisor(
            shared_store.settings, shared_store, make_answerer(shared_store.settings, "extractive")
        ).ask("PyTorch or TensorFlow first?")
    assert answer.backend == "openai" and not answer.refused
    assert answer.text == ANSWER
    assert [s.id for s in answer.sources] == [s.id for s in offline.sources]
    sent = llm.requests[0]
    assert sent["model"] == "scripted-model"
    assert "tools" not in sent and "functions" not in sent
    user = sent["messages"][-1]["content"]
    assert "<sources>" in user and "PyTorch is the better first choice in 2026" in user


def test_the_servers_usage_is_passed_through(shared_store: Store) -> None:
    from fastapi.testclient import TestClient

    from advisor.api import create_app
    from advisor.records import Usage

    question = {"model": "career-advisor", "messages": [{"role": "user", "content": "DVC?"}]}
    with scripted_llm(["ok"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        answer = advisor.ask("What is DVC?")
        with TestClient(create_app(advisor.settings, advisor=advisor)) as client:
            whole = client.post("/v1/chat/completions", json=question).json()
            streamed = client.post(
                "/v1/chat/completions",
                json={**question, "stream": True, "stream_options": {"include_usage": True}},
            ).text
    assert answer.usage == Usage(USAGE["prompt_tokens"], USAGE["completion_tokens"])
    assert llm.requests[0]["stream_options"] == {"include_usage": True}
    assert whole["usage"] == USAGE and whole["choices"][0]["message"]["content"]
    last = [line for line in streamed.splitlines() if line.startswith("data: {")][-1]
    assert f'"choices": [], "usage": {json.dumps(USAGE)}' in last


def test_llm_condenses_follow_ups(shared_store: Store) -> None:
    with scripted_llm(["ok"], answer="What do senior ML engineers earn?") as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        answer = advisor.ask("And senior ones?", [("user", "What do juniors earn?")])
    assert answer.question == "What do senior ML engineers earn?"
    assert "Last message: And senior ones?" in llm.requests[0]["messages"][0]["content"]


def test_rate_limit_then_success_is_retried(shared_store: Store) -> None:
    with scripted_llm(["429", "429", "ok"]) as llm:
        answer = llm_advisor(shared_store, llm.base_url, llm_max_retries=2).ask("What is DVC?")
    assert answer.text == ANSWER
    assert len(llm.requests) == 3


@pytest.mark.parametrize("status", ["429", "500"])
def test_persistent_failure_is_a_clear_error_in_bounded_time(
    shared_store: Store, status: str
) -> None:
    clock = FakeTime()  # frozen: attempts cost nothing, back-offs are charged but not slept
    with scripted_llm([status]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url, clock, llm_max_retries=2)
        started = time.monotonic()
        with pytest.raises(LLMError, match=r"busy|failing"):
            advisor.ask("What is DVC?")
    assert time.monotonic() - started < 30  # generous: ask() also searches, on a busy machine
    assert len(llm.requests) == 3  # first try + 2 retries, then stop
    assert len(clock.slept) == 2


@pytest.mark.parametrize(
    ("status", "setting"), [("401", "OPENAI_API_KEY"), ("404", "ADVISOR_LLM_MODEL")]
)
def test_configuration_errors_are_not_retried(
    shared_store: Store, status: str, setting: str
) -> None:
    with scripted_llm([status]) as llm, pytest.raises(ConfigurationError, match=setting) as info:
        llm_advisor(shared_store, llm.base_url, llm_max_retries=3).ask("What is DVC?")
    assert len(llm.requests) == 1
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("behaviour", ["stall", "stall-mid"])
def test_stalled_server_fails_within_the_timeout(shared_store: Store, behaviour: str) -> None:
    # "stall-mid" sends its first words at once: 3 s lets them arrive on a busy machine
    timeout = 1.0 if behaviour == "stall" else 3.0
    with scripted_llm([behaviour]) as llm:
        llm.chunk_chars = 20  # the words sent before the stall cite a source (grounding.py)
        advisor = llm_advisor(shared_store, llm.base_url, llm_timeout=timeout, llm_max_retries=0)
        started = time.monotonic()
        if behaviour == "stall":
            with pytest.raises(LLMError, match=r"did not answer within 1 s"):
                advisor.ask("What is DVC?")
        else:
            answer = advisor.ask("What is DVC?")
            assert answer.incomplete and answer.text.startswith("Learn PyTorch")
    assert time.monotonic() - started < timeout + 30  # the search too, on a busy machine


def test_cut_stream_is_marked_incomplete_and_session_continues(shared_store: Store) -> None:
    with scripted_llm(["cut", "ok"]) as llm:
        llm.chunk_chars = 20  # three pieces: the whole answer, cited, but no finish reason
        advisor = llm_advisor(shared_store, llm.base_url)
        first = advisor.ask("What is DVC?")
        second = advisor.ask("What is DVC?")
    assert first.incomplete and first.text == ANSWER
    assert not second.incomplete and second.text == ANSWER


def test_context_too_long_trims_and_succeeds(shared_store: Store) -> None:
    history = [("user", "tell me about ML " * 200), ("assistant", "ok " * 400)] * 3
    with scripted_llm(["ok", "400-context", "ok"]) as llm:  # condense, answer, retry
        answer = llm_advisor(shared_store, llm.base_url).ask("And PyTorch?", history)
    assert answer.text == ANSWER
    first, retry = llm.requests[-2]["messages"], llm.requests[-1]["messages"]
    assert len(retry) == 2 < len(first)  # system + question only on the retry
    assert sum(len(m["content"]) for m in retry) < sum(len(m["content"]) for m in first)


def test_unreachable_server_offers_offline_answer(shared_store: Store) -> None:
    advisor = llm_advisor(shared_store, "http://127.0.0.1:9/v1", llm_max_retries=0)
    with pytest.raises(LLMError, match="cannot be reached") as info:
        advisor.ask("PyTorch or TensorFlow first?")
    assert SECRET not in str(info.value)
    offline = advisor.offline_answer("PyTorch or TensorFlow first?")
    assert offline.backend == "extractive" and "PyTorch" in offline.text
