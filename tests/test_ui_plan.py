"""The "My plan" view and profile gathering in chat, driven with AppTest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from advisor import Profile
from advisor.planning.plan import PROGRAMMER_REASON

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


def test_a_plan_answer_reads_what_an_earlier_message_only_noted(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_BACKEND", "extractive")  # the offline answer plans from the guide
    at = start()
    at.chat_input[0].set_value("i can do 8 hours a week").run()
    assert at.session_state["turns"][-1].answer is None  # only noted
    at.chat_input[0].set_value("where do i even start").run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    assert answer is not None and "Your next step — step 1" in answer.text
    assert "your Math level" in answer.text and "hours per week" not in answer.text


def test_a_plan_answer_in_the_chat_is_for_the_learner_the_form_describes(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_BACKEND", "extractive")
    at = open_plan(start())
    at.selectbox(key="skill_python_0").set_value("solid")
    at.selectbox(key="skill_math_0").set_value("solid")
    at.number_input(key="hours_0").set_value(10)
    at.button[0].click().run()  # said in the form, never in the chat
    at.radio(key="view").set_value("Chat").run()
    at.chat_input[0].set_value("where do i even start").run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    assert answer is not None and "Your next step — step 1" in answer.text
    assert "your Math level" not in answer.text and "your Python level" not in answer.text
    assert "Build Your Mathematical Foundation" not in answer.text  # solid maths: skipped
    assert "your target role" in answer.text  # what neither the form nor the chat said


def test_programming_experience_in_the_form_and_one_numbering_on_the_page(
    built_env: Path,
) -> None:
    at = open_plan(start())
    at.text_input(key="programming_language_0").input("<b>Java</b>")
    at.selectbox(key="programming_0").set_value("professional")
    at.button[0].click().run()
    assert "Please check the form" in "\n".join(str(e.value) for e in at.error)
    assert "plan_profile" not in at.session_state  # a bad form changes nothing
    at.text_input(key="programming_language_0").input("Java")
    at.selectbox(key="skill_math_0").set_value("none")
    at.number_input(key="hours_0").set_value(10)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["plan_profile"] == Profile(
        math="none", programming="professional", programming_language="Java", hours_per_week=10.0
    )
    assert at.selectbox(key="programming_1").value == "professional"  # the form shows it back
    labels = [c.label for c in at.checkbox]
    assert "**Step 3. Learn Python — The Language of ML** · shortened" in labels
    assert estimate(at) == "About 22–45 months"
    text = markdown(at)
    assert PROGRAMMER_REASON in text and "You already program professionally in Java" in text
    assert "**What drives it**" in text and "goes past the guide's range" in text
    heads = [str(h.value) for h in at.subheader]
    listed = [int(m.group(1)) for h in heads if (m := re.match(r"\\\[(\d+)\\\] ", h))]
    total = len(listed)
    assert listed == list(range(1, total + 1))  # one source list on the page, numbered once
    assert [e.label for e in at.expander if e.label.startswith("Sources")] == [
        f"Sources on this page ({total})"
    ]
    cited = {int(n) for n in re.findall(r"\[\\\[(\d+)\\\]\]\(#src-plan-(?:\1)\)", text)}
    assert cited == set(range(1, total + 1))  # plan and role table: every [n] links to it
    assert not re.search(r"(?<!\\)\[\d+\](?!\()", text)  # and none is left plain text
    assert "| **Pay** |" in text and "**Sources**" not in text


def test_the_profile_and_progress_are_kept_with_the_chat(built_env: Path) -> None:
    at = start()
    at.chat_input[0].set_value("I'm a Java developer with no math").run()  # starts a chat
    params = dict(at.query_params)
    open_plan(at)
    version = at.session_state["plan_form_version"]
    assert at.selectbox(key=f"skill_math_{version}").value == "none"  # the chat's profile
    at.number_input(key=f"hours_{version}").set_value(8)
    at.button[0].click().run()  # the form's submit: the chat and the form share the profile
    at.checkbox(key="plan_step_1").check().run()
    wanted = Profile(
        math="none", programming="professional", programming_language="Java", hours_per_week=8.0
    )
    assert at.session_state["plan_profile"] == wanted

    again = AppTest.from_file(str(APP), default_timeout=120)  # a reload of the same URL
    again.query_params.update(params)
    again.run()
    assert again.session_state["plan_profile"] == wanted
    open_plan(again)
    version = again.session_state["plan_form_version"]
    assert again.number_input(key=f"hours_{version}").value == 8
    assert again.checkbox(key="plan_step_1").value is True

    again.radio(key="view").set_value("Chat").run()
    again.button(key="sidebar_new_chat").click().run()  # a new chat starts a new profile
    assert again.session_state["plan_profile"] == Profile()
    assert again.session_state["plan_done"] == set()
    again.button(key=f"open_{params['chat']}").click().run()  # and the old one comes back
    assert again.session_state["plan_profile"] == wanted
    assert again.session_state["plan_done"] == {1}
