"""`advisor plan`, `advisor roles` and profile gathering in `advisor chat`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_cli import run


def chat(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *lines: str) -> str:
    """What `advisor chat` (offline answers) prints for these typed lines; it exits cleanly."""
    typed = iter(lines)
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(typed))
    code, out, _ = run(capsys, "chat", "--backend", "extractive")
    assert code == 0
    return out


def test_plan_json_from_flags_and_about(
    built_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    about = "I'm a Java developer with no math"
    code, out, _ = run(capsys, "plan", "--about", about, "--mlops", "some", "--hours", "5",
                       "--role", "applied ai engineer", "--json")  # fmt: skip
    assert code == 0
    plan = json.loads(out)
    assert plan["profile"]["skills"] == {"python": None, "math": "none", "classical_ml": None,
                                         "deep_learning": None, "mlops": "some"}  # fmt: skip
    assert plan["profile"]["programming"] == "professional"  # Java counts; Python not guessed
    assert plan["profile"]["programming_language"] == "Java"
    assert plan["profile"]["target_role"] == "Applied AI Engineer"
    status = {s["number"]: s["status"] for s in plan["steps"]}
    assert status == {1: "full", 2: "full", 3: "shortened", 4: "full", 5: "full",
                      6: "shortened", 7: "full"}  # fmt: skip
    # 5 full + 2 shortened = 6/7 of 12–24 months, at 20/5 h: ×4
    assert (plan["timeline"]["low_months"], plan["timeline"]["high_months"]) == (41, 83)


def test_plan_programming_flags(built_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--programming", "professional", "--language", "c#",
                       "--math", "none", "--hours", "10")  # fmt: skip
    assert code == 0
    assert "### [ ] Step 3. Learn Python — The Language of ML (shortened)" in out
    assert "You already program professionally in C#" in out
    assert "**About 22–45 months**" in out and "What drives it:" in out
    assert "goes past the guide's range" in out
    with pytest.raises(SystemExit) as exited:
        run(capsys, "plan", "--programming", "guru")
    assert exited.value.code == 2 and "--programming" in capsys.readouterr().err


def test_plan_markdown_and_roles(built_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--python", "solid")
    assert code == 0 and out.startswith("# My learning plan")
    assert "### [ ] Step 3. Learn Python — The Language of ML (skipped)" in out
    code, out, _ = run(capsys, "roles")
    assert code == 0
    assert "| **Pay** |" in out and "$100,000–130,000 USD. [" in out


def test_plan_bad_role_is_one_line(built_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", "--role", "astronaut")
    assert code == 2 and not out
    assert err.strip().count("\n") == 0 and "target_role must be one of" in err


def test_chat_gathers_a_profile_and_shows_the_plan(
    built_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = chat(
        monkeypatch,
        capsys,
        "I'm a data scientist and I want to move to ML engineering",
        "/plan",
        "/quit",
    )
    assert "Noted for your learning plan" in out and "Target role: Machine Learning Engineer" in out
    assert "### [ ] Step 4. Master Classical Machine Learning (skipped)" in out


def test_chat_notes_the_person_and_answers_the_question_they_also_asked(
    built_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    said = "hi im a nurse, 29, only excel skills. could i realistically become an ml engineer"
    out = chat(monkeypatch, capsys, said, "/quit")
    assert "Target role: Machine Learning Engineer" in out  # the profile is noted ...
    assert "without advanced degrees" in out and "[1]" in out  # ... and the question answered


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("hi im a nurse, 29, only excel skills. could i realistically become an ml engineer", True),
        ("i'm 38 and teach chemistry, do i have a chance", True),
        ("ok so how long would it take", True),
        ("im a frontend dev (react, 5 yrs). whats the fastest route to applied ai engineer", True),
        ("I know Python and pandas already", False),
        ("i work in logistics, where i use excel every day", False),
        ("i have like 10 hours a week tho", False),
    ],
)
def test_a_message_asks_when_a_sentence_or_clause_is_a_question(message: str, asks: bool) -> None:
    from advisor.planning.chat_reply import asks_something

    assert asks_something(message) is asks


def test_weekly_hours_said_in_chat_give_the_plans_estimate_at_once(
    built_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = chat(
        monkeypatch,
        capsys,
        "how long does it take",
        "i have like 10 hours a week tho",
        "/plan",
        "/quit",
    )
    said = re.search(r"At 10 hours a week, the estimate is about (\d+)–(\d+) months", out)
    assert said, out
    assert f"**About {said[1]}–{said[2]} months**" in out  # the same figures /plan shows
    assert said[1] != "12"  # part-time: past the guide's 12–24 months of dedicated learning


def test_the_plan_is_built_for_the_reply_only_when_hours_were_said() -> None:
    from advisor.planning.chat_reply import profile_reply
    from advisor.planning.plan import Plan
    from advisor.planning.profile import Profile, read_profile

    def no_plan(_profile: Profile) -> Plan:
        raise AssertionError("no hours said: no plan to build")

    reply = profile_reply(read_profile("I know Python and pandas already"), no_plan)
    assert reply.startswith("Noted for your learning plan") and "hours a week" not in reply


def test_a_plan_answer_after_a_message_only_about_the_learner_does_not_ask_again(
    built_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = chat(monkeypatch, capsys, "i can do 8 hours a week", "where do i even start", "/quit")
    noted, answered = out.split("Noted for your learning plan", 1)[1].split("advisor> ", 1)
    assert "Hours per week: 8" in noted
    assert "Your next step — step 1" in answered  # the plan answers "where do i start" ...
    assert "your Math level" in answered and "hours per week" not in answered  # ... knowing
