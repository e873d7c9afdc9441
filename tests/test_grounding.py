"""The grounding gate: a model's answer that cites nothing, or little more than citation marks,
is replaced by the offline answer on every surface, and a stream never shows it first.

The shipped fake chat model is scripted with the outputs real small models gave (issue 22).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisor import Answer, CareerAdvisor, Store, make_answerer
from advisor.cli import main
from advisor.grounding import CUT_NOTICE, NOTICE, GroundingGate, grounded
from tests.test_api import events, serving

QUESTION = "PyTorch or TensorFlow first?"
UNGROUNDED = [
    "[1] [2][3]",
    "[1]",
    "The guide recommends PyTorch and cites [n] as a source.",
    "See [1] and [2] for this, according to the sources [3].",
    "PyTorch is the better first choice for beginners in 2026.",  # says something, cites nothing
    "",  # says nothing at all
]
GROUNDED = "PyTorch is the better first choice in 2026 [1]. TensorFlow can come later [2][3]."


@pytest.mark.parametrize("text", UNGROUNDED)
def test_the_rule_rejects_answers_that_cite_or_say_nothing(text: str) -> None:
    assert not grounded(text)


def test_the_rule_accepts_a_short_cited_answer() -> None:
    assert grounded(GROUNDED)
    assert grounded("Learn PyTorch first: it is the better first choice [1].")


def test_the_gate_holds_everything_until_the_text_is_grounded() -> None:
    gate = GroundingGate()
    words = GROUNDED.split(" ")
    shown = [gate.push(w + " ") for w in words]
    first = next(i for i, s in enumerate(shown) if s)
    assert words[first] == "[1]."  # released at the first citation, with everything before it
    assert "".join(shown) == GROUNDED + " "
    never = GroundingGate()
    assert [never.push(p) for p in ("[1] ", "[2]", "[3] ", "see ", "[4] ")] == [""] * 5


def fake_advisor(store: Store, *replies: str, chunk_chars: int = 0) -> CareerAdvisor:
    """The advisor on the shipped fake model, scripted (settings as a user would set them)."""
    settings = store.settings.with_(
        backend="fake", fake_responses=replies, fake_chunk_chars=chunk_chars, api_rate_limit=0
    )
    return CareerAdvisor(settings, store, make_answerer(settings))


def offline_text(extractive: CareerAdvisor, question: str = QUESTION) -> str:
    return extractive.ask(question).text


@pytest.mark.parametrize("reply", UNGROUNDED[:3])
def test_library_replaces_an_ungrounded_answer_with_the_offline_one(
    shared_store: Store, extractive: CareerAdvisor, reply: str
) -> None:
    advisor = fake_advisor(shared_store, reply, chunk_chars=2)
    items = list(advisor.stream(QUESTION))
    answer = items[-1]
    assert isinstance(answer, Answer)
    offline = extractive.ask(QUESTION)
    assert answer.fallback == "ungrounded" and answer.backend == "extractive"
    assert answer.text == f"{NOTICE}\n\n{offline.text}"
    assert [s.id for s in answer.sources] == [s.id for s in offline.sources]
    assert any(s.cited for s in answer.sources)
    deltas = "".join(i for i in items[:-1] if isinstance(i, str))
    assert deltas == answer.text  # the stream never showed the model's text
    assert answer.to_dict()["fallback"] == "ungrounded"


def test_a_grounded_answer_streams_as_it_comes(shared_store: Store) -> None:
    advisor = fake_advisor(shared_store, GROUNDED, chunk_chars=3)
    items = list(advisor.stream(QUESTION))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.fallback == "" and answer.backend == "fake"
    assert answer.text == GROUNDED
    deltas = [i for i in items[:-1] if isinstance(i, str)]
    assert len(deltas) > 3 and "".join(deltas) == GROUNDED
    first = deltas[0]  # held back until its first citation (and the word after it), no longer
    assert first.startswith("PyTorch is the better first choice in 2026 [1].")
    assert "can come later" not in first


def test_an_answer_cut_before_its_first_citation_is_replaced(
    shared_store: Store, extractive: CareerAdvisor
) -> None:
    from tests.llm_server import scripted_llm
    from tests.test_llm_backend import llm_advisor

    with scripted_llm(["cut"]) as llm:  # "Learn PyTorch first:", then the connection closes
        answer = llm_advisor(shared_store, llm.base_url).ask(QUESTION)
    assert answer.fallback == "ungrounded" and not answer.incomplete
    assert answer.text == f"{CUT_NOTICE}\n\n{offline_text(extractive)}"


def test_cli_prints_the_notice_and_the_offline_answer(
    built_env: Path,
    extractive: CareerAdvisor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps(["[1] [2][3]", "[1]"]))
    assert main(["ask", QUESTION]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{NOTICE}\n\n{offline_text(extractive)}\n\nSources:")
    assert main(["ask", QUESTION, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fallback"] == "ungrounded" and data["answer"].startswith(NOTICE)


def test_api_replaces_it_in_every_route(shared_store: Store, extractive: CareerAdvisor) -> None:
    advisor = fake_advisor(shared_store, *["[1] [2][3]"] * 4)
    expected = f"{NOTICE}\n\n{offline_text(extractive)}"
    chat = {"model": "career-advisor", "messages": [{"role": "user", "content": QUESTION}]}
    with serving(advisor) as client:
        whole = client.post("/v1/ask", json={"question": QUESTION}).json()
        sse = events(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
        completion = client.post("/v1/chat/completions", json=chat).json()
        chunks = events(client.post("/v1/chat/completions", json={**chat, "stream": True}).text)
    assert whole["fallback"] == "ungrounded" and whole["answer"] == expected
    done = next(data for event, data in sse if event == "done")
    assert done["fallback"] == "ungrounded" and done["answer"] == expected
    assert "".join(data["text"] for event, data in sse if event == "delta") == expected
    assert completion["choices"][0]["message"]["content"].startswith(expected)
    streamed = "".join(
        c["choices"][0]["delta"].get("content", "")
        for _, c in chunks
        if isinstance(c, dict) and c.get("choices")
    )
    assert streamed.startswith(expected) and "[1] [2][3]" not in streamed


def test_app_shows_the_notice_and_the_offline_answer(
    built_env: Path, extractive: CareerAdvisor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_ui_answers import main_text, start

    monkeypatch.setenv(
        "ADVISOR_FAKE_RESPONSES",
        json.dumps(["The guide recommends PyTorch and cites [n] as a source."]),
    )
    at = start()
    at.chat_input[0].set_value(QUESTION).run()
    shown = main_text(at)
    turn: Any = at.session_state["turns"][-1]
    assert turn.answer is not None and turn.answer.fallback == "ungrounded"
    assert NOTICE in shown and "cites [n] as a source" not in shown
    assert offline_text(extractive).split("\n")[0][:40] in shown
