"""A model that floods: the answer stops at the token budget or the deadline, whatever the
server sends, and SIGTERM stops `advisor serve` in the middle of an answer.

The server is tests/llm_server.py's "flood": tokens as fast as it can write them, ignoring
max_tokens. The budget (CHARS_PER_TOKEN characters a token of ADVISOR_LLM_MAX_TOKENS) is asserted
exactly; times only get generous upper bounds.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor import Answer, CareerAdvisor, Store, make_answerer
from advisor.deadline import Deadline
from advisor.grounding import CUT_NOTICE
from advisor.replies import CHARS_PER_TOKEN
from tests.llm_server import scripted_llm
from tests.servers import advisor_replica
from tests.test_llm_deadline import SOURCES, answerer, assert_hung_up, timed

MAX_TOKENS = 50
BUDGET = CHARS_PER_TOKEN * MAX_TOKENS
QUESTION = "What is DVC used for?"


def test_a_flood_stops_at_the_token_budget_and_is_marked_incomplete() -> None:
    with scripted_llm(["flood"]) as llm:
        chat = answerer(llm, llm_max_tokens=MAX_TOKENS, llm_timeout=60.0)
        deadline = Deadline.for_settings(chat.settings)
        draft, error, _ = timed(lambda: chat.answer(QUESTION, SOURCES, deadline=deadline))
        assert_hung_up(llm)  # reading stopped and the connection was cut
    assert error is None and not draft.complete
    assert draft.text == ("flood " * BUDGET)[:BUDGET]  # exactly the budget, cut mid-word
    assert deadline.remaining() > 0  # the budget ended it, not the deadline


def test_a_flood_under_a_large_budget_stops_at_the_deadline() -> None:
    with scripted_llm(["flood"]) as llm:
        chat = answerer(llm, llm_max_tokens=10_000_000, llm_timeout=2.0)
        draft, error, elapsed = timed(lambda: chat.answer(QUESTION, SOURCES))
        assert_hung_up(llm)
    assert error is None and not draft.complete and draft.text.startswith("flood")
    assert elapsed < 2.0 + 2.0, f"the answer took {elapsed:.1f} s"


def llm_advisor(store: Store, base_url: str, **changes: Any) -> CareerAdvisor:
    settings = store.settings.with_(
        backend="openai",
        openai_base_url=base_url,
        openai_api_key="sk-test",
        llm_model="scripted-model",
        **changes,
    )
    advisor = CareerAdvisor(settings, store, make_answerer(settings))
    advisor.warm_up()
    return advisor


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ask", "stream"])
def test_the_advisor_keeps_a_flooded_answer_to_the_budget(shared_store: Store, how: str) -> None:
    with scripted_llm(["flood"]) as llm:
        advisor = llm_advisor(shared_store, llm.base_url, llm_max_tokens=MAX_TOKENS)
        if how == "ask":
            answer: str | Answer = advisor.ask(QUESTION)
        else:
            *pieces, answer = advisor.stream(QUESTION)
            shown = "".join(str(p) for p in pieces)
            assert "flood" not in shown and shown == str(answer.text)  # it never cited: held
    assert isinstance(answer, Answer) and answer.fallback == "ungrounded"
    assert answer.text.startswith(CUT_NOTICE) and "flood" not in answer.text


@pytest.mark.slow
def test_the_advisor_ends_a_flood_at_the_deadline(shared_store: Store) -> None:
    with scripted_llm(["flood"]) as llm:
        advisor = llm_advisor(
            shared_store, llm.base_url, llm_max_tokens=10_000_000, llm_timeout=3.0
        )
        deadline = Deadline(3.0)
        advisor.deadlines = lambda settings: deadline
        answer, error, _ = timed(lambda: advisor.ask(QUESTION))
    assert error is None and answer.fallback == "ungrounded" and "flood" not in answer.text
    # the model's time (the search before it is not the deadline's): deadline + 2 s
    assert deadline.spent() < 3.0 + 2.0, f"the model's part took {deadline.spent():.1f} s"


@pytest.mark.slow
def test_sigterm_stops_serve_in_the_middle_of_an_answer(index_dir: Path, tmp_path: Path) -> None:
    with scripted_llm(["stall-mid"]) as llm:
        llm.chunk_chars = 20  # the words sent before the stall cite a source, so they are shown
        env = {
            "ADVISOR_BACKEND": "openai",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": "sk-test",
            "ADVISOR_LLM_TIMEOUT": "300",  # without a stop, the answer would hold on 300 s
            "ADVISOR_STORE_DIR": str(index_dir),
            "ADVISOR_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
            "ADVISOR_API_RATE_LIMIT": "0",
        }
        with advisor_replica(env, log_dir=tmp_path / "logs") as server:
            lines: list[str] = []
            writing = threading.Event()

            def read() -> None:
                body = {"question": QUESTION}
                with httpx.stream(
                    "POST", f"{server.url}/v1/ask/stream", json=body, timeout=600
                ) as r:
                    for line in r.iter_lines():
                        lines.append(line)
                        if line == "event: delta":
                            writing.set()

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            assert writing.wait(300), server.log_tail()  # the answer is being written
            started = time.monotonic()
            server.process.terminate()
            server.process.wait(timeout=120)
            took = time.monotonic() - started
            reader.join(timeout=60)
    print(f"\nSIGTERM -> serve exited: {took:.1f} s")
    assert took < 30, f"serve took {took:.1f} s to stop\n{server.log_tail()}"
    assert any("Learn PyTorch" in line for line in lines)  # the words that came were served
    # the answer was ended by the stop, not cancelled by the shutdown grace: it was finished
    assert "event: done" in lines and any('"incomplete": true' in line for line in lines)
