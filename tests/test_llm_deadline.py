"""ADVISOR_LLM_TIMEOUT is one deadline per answer, whatever the server does.

The server is tests/llm_server.py: it hangs, trickles a token every 2 s, sends only
keep-alive comments, or fails with 500s before hanging. Each failure must come within the
timeout plus a generous margin (never a tight wall-clock bound), the connection must be cut,
and the message must name the setting and say how long it waited. Retries and back-offs run
on a fake clock (tests/clocks.py), so how many attempts fit, and which message comes out,
never depend on how busy the machine is; a real hung server is still cut in real time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from advisor import (
    Answer,
    CareerAdvisor,
    ConfigurationError,
    LLMError,
    Settings,
    Source,
    Store,
    make_answerer,
)
from advisor.chat_model import openai_chat_model
from advisor.conversation import replay, resolve
from advisor.deadline import Deadline
from advisor.errors import LLMTimeout
from advisor.extractive import Draft
from advisor.grounding import CUT_NOTICE
from advisor.llm import ChatAnswerer
from tests.clocks import FakeTime
from tests.llm_server import ScriptedLLM, scripted_llm

TIMEOUT = 3.0
MARGIN = 5.0
"""Failures must surface within TIMEOUT + MARGIN seconds (generous: the suite runs loaded)."""
ASK_MARGIN = 30.0
"""ask() and stream() also search and build the prompt, outside the model's deadline: seconds
on a loaded machine. Still far below the 60 s the scripted server would hold a call open."""


def waited(timeout: float = TIMEOUT) -> re.Pattern[str]:
    """The deadline error's account of itself."""
    return re.compile(
        rf"within {timeout:g} s \(ADVISOR_LLM_TIMEOUT\); "
        r"waited (?P<s>\d+\.\d) s over (?P<n>\d+) attempts?"
    )


SOURCES = [
    Source(
        id="guide#1",
        text="PyTorch is the better first choice in 2026.",
        title="The guide",
        section="Frameworks",
        source="guide.md",
    )
]


def settings_for(llm: ScriptedLLM, **changes: Any) -> Settings:
    """openai backend settings pointed at the scripted server, with a 3 s deadline."""
    values: dict[str, Any] = {
        "backend": "openai",
        "openai_base_url": llm.base_url,
        "openai_api_key": "sk-test",
        "llm_model": "scripted-model",
        "llm_timeout": TIMEOUT,
        "llm_max_retries": 2,
        **changes,
    }
    return Settings.from_env(env={}, **values)


def answerer(llm: ScriptedLLM, clock: FakeTime | None = None, **changes: Any) -> ChatAnswerer:
    """The openai answerer against the scripted server (on `clock`, when given)."""
    chat = make_answerer(settings_for(llm, **changes))
    assert isinstance(chat, ChatAnswerer)
    if clock is not None:
        chat.deadlines = clock.deadline
    return chat


def drain(items: Iterator[Any]) -> list[Any]:
    return list(items)


def timed(run: Callable[[], Any]) -> tuple[Any, BaseException | None, float]:
    """(result, error, seconds) of one call."""
    started = time.monotonic()
    try:
        return run(), None, time.monotonic() - started
    except Exception as exc:
        return None, exc, time.monotonic() - started


def assert_timed_out(
    error: BaseException | None, elapsed: float, timeout: float = TIMEOUT, margin: float = MARGIN
) -> re.Match[str]:
    """The deadline error arrived in time and says what happened and how long it waited
    (the wait it reports is the model's time alone, so it gets the tighter margin)."""
    assert isinstance(error, LLMTimeout), error
    assert elapsed < timeout + margin, f"the failure took {elapsed:.1f} s"
    match = waited(timeout).search(str(error))
    assert match, str(error)
    assert timeout - 0.5 <= float(match["s"]) < timeout + MARGIN
    return match


def assert_hung_up(llm: ScriptedLLM, count: int = 1) -> None:
    """The client closed the abandoned connections (soon: no thread keeps reading them)."""
    until = time.monotonic() + MARGIN
    while len(llm.hung_up) < count and time.monotonic() < until:
        time.sleep(0.05)
    assert len(llm.hung_up) >= count, f"{len(llm.hung_up)} of {count} connections were cut"
    while calls_left() and time.monotonic() < until:
        time.sleep(0.05)
    assert not calls_left(), "a worker thread still holds an abandoned call"


def calls_left() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "advisor-llm-call" and t.is_alive()]


def test_the_clock_runs_only_while_the_model_is_called() -> None:
    now = [100.0]
    deadline = Deadline(10.0, clock=lambda: now[0])
    with deadline.running():
        now[0] += 4.0
    now[0] += 50.0  # retrieval, an index build: not the model's time
    assert deadline.spent() == 4.0 and deadline.remaining() == 6.0
    with deadline.running(), deadline.running():  # re-entrant: charged once
        now[0] += 7.0
        assert deadline.remaining() == 0.0
    assert deadline.spent() == 11.0


# --- the answerer on its own ------------------------------------------------------------------


@pytest.mark.parametrize("behaviour", ["stall", "keepalive"])
def test_a_silent_server_fails_within_the_deadline(behaviour: str) -> None:
    with scripted_llm([behaviour]) as llm:
        chat = answerer(llm)
        _, error, elapsed = timed(lambda: drain(chat.stream("What is DVC?", SOURCES)))
        match = assert_timed_out(error, elapsed)
        assert match["n"] == "1" and len(llm.requests) == 1  # no time was left to retry
        assert "did not answer" in str(error)
        assert_hung_up(llm)


def test_a_trickling_stream_is_cut_at_the_deadline_and_kept_as_incomplete() -> None:
    with scripted_llm(["trickle"]) as llm:
        llm.trickle_seconds = 1.0
        chat = answerer(llm)
        items, error, elapsed = timed(lambda: drain(chat.stream("What is DVC?", SOURCES)))
        assert error is None and elapsed < TIMEOUT + MARGIN
        *texts, draft = items
        assert isinstance(draft, Draft) and not draft.complete
        assert texts and draft.text == "".join(texts) and draft.text.startswith("word")
        assert_hung_up(llm)


def test_failures_then_a_hang_share_one_deadline() -> None:
    # Real time, but the two back-offs (at most 1.5 s) are charged without being slept: the
    # third attempt starts as long as the two 500s take under 5 - 1.5 - 1 = 2.5 s between them
    # (a local reply: milliseconds, even on a loaded machine), and then hangs until the deadline.
    clock = FakeTime(real=True)
    with scripted_llm(["500", "500", "stall"]) as llm:
        chat = answerer(llm, clock, llm_timeout=5.0, llm_max_retries=5)
        _, error, elapsed = timed(lambda: chat.answer("What is DVC?", SOURCES))
        match = assert_timed_out(error, elapsed, timeout=5.0)
        assert match["n"] == "3" and len(llm.requests) == 3 and len(clock.slept) == 2
        assert_hung_up(llm)


def test_retries_stop_when_the_deadline_is_used_up() -> None:
    # Attempts cost no time on the frozen clock; only the back-offs move it. They are
    # 0.5 s, 1 s, 2 s, 4 s ... each times a jitter in [0.75, 1]: the first three fit in 5 s
    # whatever the jitter (at most 3.5 s), the fourth (at least 3 s) never does (at least
    # 1.5 s... at most 2.375 s left). So exactly 4 attempts, and the last failure is reported.
    clock = FakeTime()
    with scripted_llm(["500"]) as llm:
        chat = answerer(llm, clock, llm_timeout=5.0, llm_max_retries=100)
        _, error, elapsed = timed(lambda: chat.answer("What is DVC?", SOURCES))
    assert isinstance(error, LLMError) and not isinstance(error, LLMTimeout)
    assert len(clock.slept) == 3 and len(llm.requests) == 4
    assert str(error) == (
        f"the language model is failing (HTTP 500); waited {sum(clock.slept):.1f} s over 4 attempts"
    )
    assert elapsed < MARGIN  # four local replies and no real sleep


def default_settings(llm: ScriptedLLM) -> Settings:
    """The scripted server with every time budget and the retries at their defaults."""
    settings = Settings.from_env(
        env={},
        backend="openai",
        openai_base_url=llm.base_url,
        openai_api_key="sk-test",
        llm_model="scripted-model",
    )
    assert (settings.llm_timeout, settings.llm_first_token_timeout) == (120.0, 45.0)
    assert settings.llm_max_retries == 2
    return settings


def first_token_failure(timeout: float = 45.0) -> re.Pattern[str]:
    return re.compile(
        rf"sent nothing within {timeout:g} s \(ADVISOR_LLM_FIRST_TOKEN_TIMEOUT\); "
        r"waited (?P<s>\d+\.\d) s over (?P<n>\d+) attempts?"
    )


def test_a_hung_server_fails_at_the_first_token_limit_with_the_default_settings() -> None:
    # The server takes the request and says nothing; the next request would be answered. The
    # clock is frozen and jumps only once the server says it holds the request silently, so
    # the 45 s pass at once and the 120 s cap could not run out first by chance.
    with scripted_llm(["stall", "ok"]) as llm:
        clock = FakeTime(silent=llm.silent)
        chat = ChatAnswerer(openai_chat_model(default_settings(llm)), default_settings(llm))
        chat.deadlines = clock.deadline
        _, error, elapsed = timed(lambda: chat.answer("What is DVC?", SOURCES))
        assert_hung_up(llm)  # the silent attempt's connection was cut
    assert isinstance(error, LLMTimeout), error
    match = first_token_failure().search(str(error))
    assert match and (match["s"], match["n"]) == ("45.0", "1"), str(error)
    assert len(llm.requests) == 1 and clock.skipped == 45.0  # not asked again, not 120 s
    assert elapsed < MARGIN  # no real wait: the fake clock skipped it


def test_retries_after_errors_share_the_first_token_limit() -> None:
    # A 500, then a hang: the retry gets what the back-off left of the same 45 s.
    with scripted_llm(["500", "stall", "ok"]) as llm:
        clock = FakeTime(silent=llm.silent)
        chat = ChatAnswerer(openai_chat_model(default_settings(llm)), default_settings(llm))
        chat.deadlines = clock.deadline
        _, error, _ = timed(lambda: chat.answer("What is DVC?", SOURCES))
        assert_hung_up(llm)
    assert isinstance(error, LLMTimeout), error
    match = first_token_failure().search(str(error))
    assert match and (match["s"], match["n"]) == ("45.0", "2"), str(error)
    assert len(llm.requests) == 2 and len(clock.slept) == 1
    assert clock.skipped == pytest.approx(45.0)  # the back-off and the silence: 45 s in all


def test_first_token_timeouts_name_their_setting() -> None:
    with scripted_llm(["stall"]) as llm:
        chat = answerer(
            llm,
            FakeTime(real=True),
            llm_timeout=30.0,
            llm_first_token_timeout=1.0,
            llm_max_retries=1,
        )
        _, error, elapsed = timed(lambda: chat.answer("What is DVC?", SOURCES))
    assert isinstance(error, LLMTimeout) and elapsed < 2 * 1.0 + MARGIN
    assert re.search(
        r"sent nothing within 1 s \(ADVISOR_LLM_FIRST_TOKEN_TIMEOUT\); waited \d+\.\d s over "
        r"1 attempt$",
        str(error),
    ), str(error)


@pytest.mark.parametrize("behaviour", ["stall", "trickle"])
def test_the_rewrite_gets_at_most_half_of_the_deadline(behaviour: str) -> None:
    with scripted_llm([behaviour]) as llm:
        chat = answerer(llm)
        deadline = Deadline.for_settings(chat.settings)
        history = [("user", "What do juniors earn?")]
        _, error, elapsed = timed(lambda: chat.condense("And seniors?", history, deadline))
    assert isinstance(error, LLMTimeout) and "follow-up rewrite" in str(error)
    share = re.search(r"within (\d+\.\d) s \(ADVISOR_LLM_REWRITE_TIMEOUT, at most half", str(error))
    assert share and float(share[1]) == pytest.approx(TIMEOUT / 2, abs=0.11), str(error)
    assert elapsed < TIMEOUT / 2 + MARGIN
    # the answer still has its share: the rewrite was cut at half, give or take the moments
    # a busy machine needs to notice (1 s is generous; using it all would leave nothing)
    assert deadline.remaining() >= TIMEOUT / 2 - 1.0


def test_the_rewrite_has_its_own_small_share() -> None:
    with scripted_llm(["stall"]) as llm:
        chat = answerer(llm, llm_timeout=60.0, llm_rewrite_timeout=1.0)
        deadline = Deadline.for_settings(chat.settings)
        history = [("user", "What do juniors earn?")]
        _, error, elapsed = timed(lambda: chat.condense("And seniors?", history, deadline))
    assert isinstance(error, LLMTimeout) and "within 1.0 s" in str(error)
    assert elapsed < 1.0 + MARGIN
    assert deadline.remaining() >= 60.0 - 1.0 - MARGIN  # the answer keeps the rest


def test_max_tokens_reaches_the_server() -> None:
    with scripted_llm(["ok"], answer="What do senior ML engineers earn?") as llm:
        chat = answerer(llm, llm_max_tokens=123)
        chat.condense("And seniors?", [("user", "What do juniors earn?")])
        chat.answer("What is DVC?", SOURCES)
        deadline = Deadline.for_settings(chat.settings)
        deadline.max_tokens = 77  # an API client's own limit, under ADVISOR_LLM_MAX_TOKENS
        chat.answer("What is DVC?", SOURCES, deadline=deadline)
        deadline = Deadline.for_settings(chat.settings)
        deadline.max_tokens = 5000  # ... never above it
        chat.answer("What is DVC?", SOURCES, deadline=deadline)
    # the rewrite asks for a question's worth (64 tokens), the answers for their limit
    assert [r.get("max_tokens") for r in llm.requests] == [64, 123, 77, 123]
    assert [r.get("stream", False) for r in llm.requests] == [False, True, True, True]


def test_the_settings_come_from_the_environment_and_name_themselves() -> None:
    env = {
        "ADVISOR_LLM_MAX_TOKENS": "256",
        "ADVISOR_LLM_FIRST_TOKEN_TIMEOUT": "7.5",
        "ADVISOR_LLM_REWRITE_TIMEOUT": "4",
    }
    settings = Settings.from_env(env=env)
    assert settings.llm_max_tokens == 256 and settings.llm_first_token_timeout == 7.5
    assert settings.llm_rewrite_timeout == 4.0
    for var, value in (
        ("ADVISOR_LLM_MAX_TOKENS", "0"),
        ("ADVISOR_LLM_FIRST_TOKEN_TIMEOUT", "-1"),
        ("ADVISOR_LLM_REWRITE_TIMEOUT", "0"),
    ):
        with pytest.raises(ConfigurationError, match=var):
            Settings.from_env(env={var: value})


def test_openai_itself_gets_max_completion_tokens() -> None:
    settings = Settings.from_env(env={}, backend="openai", openai_api_key="sk-test")
    model = openai_chat_model(settings)
    assert model.max_tokens == settings.llm_max_tokens == 800  # type: ignore[attr-defined]
    assert not model.extra_body  # type: ignore[attr-defined]
    assert model.max_retries == 0  # type: ignore[attr-defined]  # retries are deadline-aware


# --- the advisor: ask() and stream(), with and without history --------------------------------


def llm_advisor(store: Store, llm: ScriptedLLM) -> CareerAdvisor:
    settings = store.settings.with_(
        backend="openai",
        openai_base_url=llm.base_url,
        openai_api_key="sk-test",
        llm_model="scripted-model",
        llm_timeout=TIMEOUT,
        llm_max_retries=2,
    )
    advisor = CareerAdvisor(settings, store, make_answerer(settings))
    advisor.warm_up()  # loading the search model is not the model's time
    return advisor


def via_stream(advisor: CareerAdvisor, question: str, history: Any) -> Answer:
    *_, answer = advisor.stream(question, history)
    assert isinstance(answer, Answer)
    return answer


ASKS: dict[str, Callable[..., Answer]] = {"ask": CareerAdvisor.ask, "stream": via_stream}
HISTORY = [("user", "What is DVC used for?"), ("assistant", "It versions data sets [1].")]
QUESTION = {"alone": "What is DVC used for?", "follow-up": "and for beginners?"}
"""A standalone question, and a follow-up the offline rewriter is not sure of (the model is
asked to rewrite it; "is it free?" would be resolved offline, without a call)."""


def question_for(history: list[tuple[str, str]]) -> str:
    return QUESTION["follow-up" if history else "alone"]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ask", "stream"])
@pytest.mark.parametrize("history", [[], HISTORY], ids=["alone", "follow-up"])
@pytest.mark.parametrize("behaviour", ["stall", "keepalive"])
def test_the_advisor_fails_within_the_deadline(
    shared_store: Store, how: str, history: list[tuple[str, str]], behaviour: str
) -> None:
    with scripted_llm([behaviour]) as llm:
        advisor = llm_advisor(shared_store, llm)
        run = ASKS[how]
        _, error, elapsed = timed(lambda: run(advisor, question_for(history), history))
        match = assert_timed_out(error, elapsed, margin=ASK_MARGIN)
        calls = 2 if history else 1  # the rewrite and the answer share the one deadline
        assert len(llm.requests) == calls and match["n"] == str(calls)
        assert_hung_up(llm, calls)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ask", "stream"])
@pytest.mark.parametrize("history", [[], HISTORY], ids=["alone", "follow-up"])
def test_the_advisor_cuts_a_trickle_and_marks_it_incomplete(
    shared_store: Store, how: str, history: list[tuple[str, str]]
) -> None:
    with scripted_llm(["trickle"]) as llm:
        llm.trickle_seconds = 0.5
        advisor = llm_advisor(shared_store, llm)
        question = question_for(history)
        answer, error, elapsed = timed(lambda: ASKS[how](advisor, question, history))
        vocabulary = advisor.vocabulary()
    assert error is None and elapsed < TIMEOUT + ASK_MARGIN
    # cut before it cited anything: the offline answer stands in (grounding.py)
    assert isinstance(answer, Answer) and answer.text.startswith(CUT_NOTICE)
    assert answer.fallback == "ungrounded"
    offline = resolve(question, replay(history, vocabulary), vocabulary).question
    assert answer.question == offline  # a stalled rewrite falls back to the offline rewrite
    if history:
        assert "DVC" in offline and len(llm.requests) == 2  # the rewrite was asked, and cut
