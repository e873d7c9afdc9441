"""The "My plan" view and profile gathering in chat, driven with AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from advisor import Profile

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def open_plan(at: AppTest) -> AppTest:
    at.radio(key="view").set_value("My plan").run()
    assert not at.exception
    return at


def estimate(at: AppTest) -> str:
    return next(str(m.value) for m in at.metric if m.label.startswith("Estimated time"))


def markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_plan_form_builds_a_cited_plan_and_keeps_progress(built_env: Path) -> None:
    at = open_plan(start())
    assert not at.chat_input  # the plan view has no chat box
    assert estimate(at) == "About 12–24 months"  # nothing said yet: the guide's range
    at.selectbox(key="skill_python_0").set_value("solid")
    at.selectbox(key="skill_math_0").set_value("some")
    at.number_input(key="hours_0").set_value(10)
    at.selectbox(key="role_0").set_value("Data Scientist")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    profile = at.session_state["plan_profile"]
    assert profile == Profile(python="solid", math="some", hours_per_week=10.0,
                              target_role="Data Scientist")  # fmt: skip
    labels = [c.label for c in at.checkbox]
    assert labels[0].startswith("**Step 1. Understand the AI/ML Role Landscape**")
    assert "**Step 3. Learn Python — The Language of ML** · skipped" in labels
    assert "**Step 2. Build Your Mathematical Foundation** · shortened" in labels
    # 5 full + 1 shortened + 1 skipped = 5.5/7 of 12–24 months, at 20/10 h: ×2
    assert estimate(at) == "About 18–38 months"
    text = markdown(at)
    assert "[StatQuest with Josh Starmer](https://statquest.org/)" in text
    assert "| **Pay** |" in text and "Not covered by the guide." in text
    at.checkbox(key="plan_step_1").check().run()
    at.radio(key="view").set_value("Chat").run()
    at.radio(key="view").set_value("My plan").run()
    assert at.checkbox(key="plan_step_1").value is True  # progress survives switching views
    assert at.session_state["plan_done"] == {1}


def test_describing_yourself_in_chat_fills_the_plan(built_env: Path) -> None:
    at = start()
    at.chat_input[0].set_value("I'm a Java developer with no math").run()
    assert not at.exception
    turn = at.session_state["turns"][-1]
    assert turn.answer is None and turn.note  # a statement, not a question: no retrieval
    note = "\n".join(str(i.value) for i in at.info)
    assert "Math: none" in note and "Programming: professional (Java)" in note
    assert "your target role" in note  # asks for what is missing
    at.chat_input[0].set_value("I want to become an ML engineer, how long will it take?").run()
    assert not at.exception
    turn = at.session_state["turns"][-1]
    assert turn.answer is not None and not turn.answer.refused  # a question: answered too
    assert at.session_state["plan_profile"].target_role == "Machine Learning Engineer"
    open_plan(at)
    version = at.session_state["plan_form_version"]
    assert at.selectbox(key=f"skill_math_{version}").value == "none"
    assert at.selectbox(key=f"role_{version}").value == "Machine Learning Engineer"
