"""The Streamlit app driven as a user would, with AppTest (backend chosen through env)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from streamlit.testing.v1 import AppTest

from advisor import Answer, Settings, Source
from advisor.feedback import FeedbackStore
from ui.citations import link_citations
from ui.suggestions import STARTERS, follow_ups, question_for, same_question

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
PYTORCH = "PyTorch or TensorFlow first?"


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    return at


def last_answer(at: AppTest) -> Answer:
    answer = at.session_state["turns"][-1].answer
    assert isinstance(answer, Answer)
    return answer


def page_text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def sources_expanders(at: AppTest) -> list:
    return [e for e in at.expander if e.label.startswith("Sources")]


def test_empty_chat_shows_starters_and_sidebar(built_env: Path) -> None:
    at = start()
    labels = [b.label for b in at.button]
    for starter in (
        PYTORCH,
        "How long does it take to become job-ready?",
        "What does an Applied AI Engineer do?",
        "How much do entry-level ML engineers earn?",
    ):
        assert starter in labels
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert "`fake`" in sidebar and "OPENAI_API_KEY" not in sidebar
    assert (
        "Ryan Mitchell" in sidebar
        and "How to Become an AI and Machine Learning Engineer" in sidebar
    )
    assert "https://pytorch.org/" in sidebar  # the resources list, with links
    metrics = {m.label: m.value for m in at.sidebar.metric}
    assert int(metrics["Documents"]) >= 20 and int(metrics["Passages"]) > 50
    assert "Last updated" in "\n".join(c.value for c in at.sidebar.caption)
    assert {"About this index", "Settings / about"} <= {e.label for e in at.sidebar.expander}
    assert "Career Advisor" in at.title[0].value


def test_starter_question_gives_an_answer_with_sources(built_env: Path) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    assert not at.exception

    answer = last_answer(at)
    assert answer.question == PYTORCH and not answer.refused and answer.backend == "fake"
    assert answer.sources
    turn_id = at.session_state["turns"][-1].id
    assert link_citations(answer.text, turn_id, len(answer.sources)) in [
        m.value for m in at.markdown
    ]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert cited and max(cited) <= len(answer.sources)

    (expander,) = sources_expanders(at)
    headings = [h.value for h in expander.subheader]
    assert len(headings) == len(answer.sources)
    captions = [c.value for c in expander.caption]
    for n, (source, heading) in enumerate(zip(answer.sources, headings, strict=True), start=1):
        assert heading.startswith(f"\\[{n}\\]") and source.title in heading
        assert (source.url in heading) if source.url else True
        assert any("not cited" in c for c in captions) == (not all(s.cited for s in answer.sources))
    origins = [c for c in captions if c.startswith("Bundled with the advisor")]
    assert len(origins) == len(answer.sources)  # no user documents
    assert len(at.feedback) == 1

    suggested = [b.label for b in at.button if b.key.startswith("next_")]
    assert 2 <= len(suggested) <= 3
    assert not any(same_question(s, PYTORCH) for s in suggested)
    assert all(b.key != "starter_0" for b in at.button)  # starters only on an empty chat


def test_clicking_a_follow_up_asks_it(built_env: Path) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    follow = next(b for b in at.button if b.key.startswith("next_"))
    question = follow.label
    follow.click().run()
    assert not at.exception
    assert [t.question for t in at.session_state["turns"]] == [PYTORCH, question]


def test_typed_follow_up_sends_the_history_to_the_model(built_env: Path) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    first = last_answer(at)
    ask(at, "And how long does it take to learn it?")
    assert len(at.session_state["turns"]) == 2
    second = last_answer(at)

    from ui.service import get_advisor

    advisor = get_advisor(Settings.from_env())  # the app's cached advisor for these settings
    model = advisor.answerer.model  # type: ignore[attr-defined]
    history = model.calls[-1][1:-1]  # between the system prompt and the sources + question
    assert HumanMessage(PYTORCH) in history
    assert AIMessage(first.text) in history
    # the model rewrote the follow-up (the fake resolves it as the offline rewriter does)
    assert "Last message: And how long does it take to learn it?" in model.calls[-2][0].content
    assert f"Question: {second.question}" in str(model.calls[-1][-1].content)
    assert "PyTorch" in second.question and PYTORCH not in second.question


def test_offline_three_turn_conversation_answers_each_question(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_BACKEND", "extractive")
    at = start()
    at.button(key="starter_0").click().run()
    first = last_answer(at)
    assert not first.refused and "PyTorch" in first.text
    assert not any(c.value.startswith("Searched for:") for c in at.caption)  # typed = searched

    ask(at, "and how long would that take me?")
    second = last_answer(at)
    assert not second.refused and "months" in second.text and "12–24" in second.text
    assert second.text != first.text
    assert PYTORCH not in second.question  # resolved, not pasted
    searched = [c.value for c in at.caption if c.value.startswith("Searched for:")]
    assert searched == [f"Searched for: {second.question}"]

    ask(at, "which one do companies use more?")
    third = last_answer(at)
    assert not third.refused and "production" in third.text
    assert "PyTorch" in third.question and "TensorFlow" in third.question
    assert third.text not in (first.text, second.text)
    assert [t.question for t in at.session_state["turns"]] == [
        PYTORCH,
        "and how long would that take me?",
        "which one do companies use more?",
    ]


def test_feedback_is_stored_with_question_backend_and_sources(built_env: Path) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    answer = last_answer(at)
    at.feedback[0].set_value(0).run()  # thumbs down
    assert not at.exception

    rows = FeedbackStore(os.environ["ADVISOR_FEEDBACK_DB"]).list()
    assert len(rows) == 1
    row = rows[0]
    assert (row.question, row.backend, row.rating) == (PYTORCH, "fake", 0)
    assert row.answer == answer.text
    assert row.source_ids == [s.id for s in answer.sources]
    assert not at.feedback[0].disabled and at.feedback[0].value == 0  # the choice shows
    at.run()
    assert len(FeedbackStore(os.environ["ADVISOR_FEEDBACK_DB"]).list()) == 1


def test_llm_failure_shows_a_friendly_message_and_offers_the_offline_answer(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-never-show-this-0123456789"
    monkeypatch.setenv("ADVISOR_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("ADVISOR_LLM_MAX_RETRIES", "0")
    at = start()
    # no ADVISOR_LLM_MODEL and no server to list its models: no made-up name (gpt-4o-mini)
    assert "language model `default`" in "\n".join(str(m.value) for m in at.sidebar.markdown)
    ask(at, PYTORCH)

    assert not at.exception
    (warning,) = at.warning
    assert "language model is not answering right now" in warning.value
    assert "offline" in warning.value
    text = page_text(at)
    assert secret not in text and "Traceback" not in text
    assert not sources_expanders(at) and not at.feedback

    next(b for b in at.button if b.label == "Answer offline from the guide").click().run()
    assert not at.exception and not at.warning
    answer = last_answer(at)
    assert answer.backend == "extractive" and not answer.refused and answer.sources
    assert "PyTorch" in answer.text
    assert len(sources_expanders(at)) == 1 and len(at.feedback) == 1
    assert "Answered offline from the guide" in "\n".join(c.value for c in at.caption)


def test_refusal_is_shown_without_sources(built_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_BACKEND", "extractive")
    at = ask(start(), "What's the best pizza recipe?")
    answer = last_answer(at)
    assert answer.refused and not answer.sources
    assert "can't answer that from my sources" in at.info[0].value
    assert not sources_expanders(at)
    offered = [b.label for b in at.button if b.key.startswith("next_")]
    assert offered and set(offered) <= set(STARTERS)


def test_bad_question_shows_the_message_itself(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_MAX_QUESTION_CHARS", "20")
    at = start()
    assert at.chat_input[0].max_chars == 20  # the box stops typing at the limit
    at.session_state["pending_question"] = "What does an Applied AI Engineer do all day?"
    at.run()  # a longer question that arrives another way (a button, an edit)
    (warning,) = at.warning
    assert warning.value.startswith("That message is 44 characters long, and I can read up to 20")
    assert "ADVISOR_" not in warning.value
    assert not any(b.label == "Answer offline from the guide" for b in at.button)


def test_new_chat_forgets_the_conversation(built_env: Path) -> None:
    at = start()
    at.button(key="starter_1").click().run()
    assert len(at.session_state["turns"]) == 1
    assert [b.key for b in at.button if b.label == "New chat"] == ["sidebar_new_chat"]  # one
    at.button(key="sidebar_new_chat").click().run()
    assert at.session_state["turns"] == []
    assert any(b.key == "starter_0" for b in at.button)


def test_streamlit_secrets_override_the_environment(built_env: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.secrets["ADVISOR_BACKEND"] = "extractive"
    at.run()
    assert not at.exception
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert "Answers quote the guide directly (offline)." in sidebar


def test_unusable_llm_settings_fall_back_to_offline_answers(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_BACKEND", "openai")  # but neither a key nor a base URL
    at = ask(start(), PYTORCH)
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert "Answers quote the guide directly (offline)." in sidebar
    assert "could not be set up" in "\n".join(c.value for c in at.sidebar.caption)
    assert last_answer(at).backend == "extractive"


def test_fresh_store_is_built_on_first_run() -> None:
    at = start()  # the autouse fixture points ADVISOR_STORE_DIR at an empty temp dir
    metrics = {m.label: m.value for m in at.sidebar.metric}
    assert int(metrics["Passages"]) > 50
    at.button(key="starter_2").click().run()
    assert last_answer(at).sources


def test_no_raw_html_in_the_app() -> None:
    for module in APP.parent.glob("*.py"):
        assert "unsafe_allow_html" not in module.read_text(encoding="utf-8"), module.name


# --- suggestions (pure functions) ------------------------------------------------


def source(section: str, title: str = "Guide", kind: str = "guide", cited: bool = True) -> Source:
    return Source(
        id=section, text="...", title=title, section=section, source="x", kind=kind, cited=cited
    )


def test_questions_drawn_from_sources() -> None:
    assert question_for(source("Frequently Asked Questions > How much do ML engineers earn?")) == (
        "How much do ML engineers earn?"
    )
    assert question_for(source("What it is", "PyTorch", "library")) == "What is PyTorch?"
    assert question_for(source("1. Understand the AI/ML Role Landscape > Data Scientist")) == (
        "What does a Data Scientist do?"
    )
    assert question_for(source("7. Build a Portfolio of ML Projects")) == (
        "What does step 7, Build a Portfolio of ML Projects, involve?"
    )


def test_follow_ups_skip_what_was_asked_and_prefer_cited_sources() -> None:
    answer = Answer(
        text="...",
        question=PYTORCH,
        sources=[
            source("Frequently Asked Questions > Should I learn PyTorch or TensorFlow first?"),
            source("What it is", "NumPy", "library", cited=False),
            source("What it is", "PyTorch", "library"),
            source("What it is", "pandas", "library", cited=False),
            source("Why", "PyTorch", "library", cited=False),
        ],
    )
    assert follow_ups(answer, [PYTORCH]) == [
        "What is PyTorch?",
        "What is NumPy?",
        "What is pandas?",
    ]
    assert follow_ups(answer, [PYTORCH, "what is numpy"], limit=2) == [
        "What is PyTorch?",
        "What is pandas?",
    ]
