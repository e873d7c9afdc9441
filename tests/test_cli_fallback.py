"""`advisor ask` when the language model fails: its error in one line, then the offline answer,
marked as such (issue 22); `--no-fallback` keeps the bare error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor import CareerAdvisor, Store, make_answerer
from advisor.cli import main
from advisor.cli.ask import OFFLINE_MARK

QUESTION = "PyTorch or TensorFlow first?"
ERROR = "advisor: the language model is failing (scripted fake error)"


@pytest.fixture
def failing_model(built_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped fake model, scripted to fail every call."""
    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps(["!error"] * 4))


def test_the_error_then_the_offline_answer(
    failing_model: None, extractive: CareerAdvisor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [ERROR]
    offline = extractive.ask(QUESTION).text
    assert out.startswith(f"{OFFLINE_MARK}\n{offline}\n\nSources:\n  [1] ")


def test_json_carries_the_error_and_the_marked_offline_answer(
    failing_model: None, extractive: CareerAdvisor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert err.splitlines() == [ERROR]
    assert data["fallback"] == "error" and data["backend"] == "extractive"
    assert data["error"] == ERROR.removeprefix("advisor: ")
    assert data["answer"] == extractive.ask(QUESTION).text and data["sources"]


def test_no_fallback_stops_with_the_error(
    failing_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", QUESTION, "--no-fallback"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [ERROR]


def test_the_library_marks_an_offline_answer_standing_in_for_the_model(
    shared_store: Store, extractive: CareerAdvisor
) -> None:
    settings = shared_store.settings.with_(backend="fake")
    on_model = CareerAdvisor(settings, shared_store, make_answerer(settings))
    stand_in = on_model.offline_answer(QUESTION)
    assert stand_in.fallback == "error" and stand_in.backend == "extractive"
    assert stand_in.text == extractive.ask(QUESTION).text
    assert extractive.offline_answer(QUESTION).fallback == ""  # offline anyway: nothing stood in
