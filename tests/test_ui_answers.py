"""While answering and after: queue, stop, regenerate, edit, copy, feedback, citation links.

AppTest drives the app with the fake model (settings from the environment); what needs a
click in the middle of a running answer (Stop, a second question) is proven on the job
itself here and in a real browser in tests/test_browser_chat.py.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from advisor import Answer, CareerAdvisor, Settings, Source
from advisor.feedback import FeedbackStore
from advisor.records import Chunk
from tests.exfil_forms import active
from ui.answering import AnswerJob, run
from ui.citations import (
    PREVIEW_CHARS,
    highlight,
    link_citations,
    preview,
    quoted_sentences,
    section_chunks,
    where,
)
from ui.components import LOADING, SEARCHING, waiting_text
from ui.state import ChatTurn

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
PYTORCH = "PyTorch or TensorFlow first?"
FIRST = "PyTorch is the better first choice in 2026 [1]. TensorFlow is easy to pick up later [1]."
SECOND = "Start with PyTorch: it dominates research and is growing in production [1]."


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def turns(at: AppTest) -> list[ChatTurn]:
    value: list[ChatTurn] = at.session_state["turns"]
    return value


def main_text(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "subheader")
        for e in getattr(at.main, kind)
    ]
    return "\n".join(str(p) for p in parts)


def scripted(monkeypatch: pytest.MonkeyPatch, *replies: str) -> None:
    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps(list(replies)))


# --- the answer job: stop keeps what was shown ------------------------------------


def test_stop_keeps_the_text_so_far_and_ends_the_stream(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.from_env(
        backend="fake", fake_responses=(FIRST * 4,), fake_chunk_chars=4, fake_chunk_delay=0.05
    )
    advisor = CareerAdvisor.from_settings(settings)
    closed: list[bool] = []

    job = AnswerJob("t1")

    def stream() -> Any:
        try:
            yield from advisor.stream(PYTORCH, on_sources=job.listed)
        finally:
            closed.append(True)

    worker = threading.Thread(target=run, args=(job, stream(), ready()))
    worker.start()
    deadline = time.monotonic() + 60
    while len(job.text) < 20:  # wait until some text is on screen
        assert time.monotonic() < deadline and not job.done.is_set()
        time.sleep(0.02)
    job.stop()
    kept = job.text
    worker.join(timeout=30)
    assert not worker.is_alive() and closed == [True]  # the model's stream was closed
    assert job.stopped and job.done.is_set() and job.answer is None and job.error is None
    assert job.text == kept and FIRST.startswith(kept[:20]) and len(kept) < len(FIRST * 4)
    partial = job.partial("fake", PYTORCH)  # what the chat keeps: the text and its sources
    assert partial is not None and partial.text == kept and partial.incomplete
    assert partial.sources and [s.id for s in partial.sources] == [s.id for s in job.sources]


def ready() -> threading.Event:
    """A search model already loaded."""
    event = threading.Event()
    event.set()
    return event


def test_the_first_answer_says_it_waits_for_the_search_model(built_env: Path) -> None:
    advisor = CareerAdvisor.from_settings(Settings.from_env(backend="fake"))
    loaded = threading.Event()  # the process's warm-up, not finished yet
    job = AnswerJob("t1", loading=not loaded.is_set())
    worker = threading.Thread(target=run, args=(job, advisor.stream(PYTORCH), loaded))
    worker.start()
    assert waiting_text(job) == LOADING  # shown under the question until the model is in
    assert not job.done.wait(0.5) and job.text == "" and job.loading  # it waits for the model
    loaded.set()
    assert job.done.wait(120)
    worker.join(timeout=30)
    assert not job.loading and waiting_text(job) == SEARCHING
    assert job.answer is not None and "PyTorch" in job.answer.text


def test_a_stopped_answer_shows_its_text_marked_stopped(built_env: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    turn = ChatTurn(question=PYTORCH, stopped=True)
    turn.answer = Answer(text="PyTorch is the better first", incomplete=True, backend="fake")
    at.session_state["turns"] = [turn]
    at.run()
    assert not at.exception
    text = main_text(at)
    assert "PyTorch is the better first" in text and "Stopped: you ended this answer here" in text
    assert not at.feedback  # nothing to rate in half an answer
    assert any(b.key == f"regenerate_{turn.id}" for b in at.button)
    assert at.chat_input[0].disabled is False


# --- a question sent while another is answered waits its turn ----------------------


def test_queued_questions_are_answered_in_order_after_the_first(built_env: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    first, second = ChatTurn(question=PYTORCH), ChatTurn(question="How long does it take?")
    at.session_state["turns"] = [first, second]
    at.session_state["answer_queue"] = [first.id, second.id]  # as if sent mid-answer
    at.run()
    assert not at.exception
    done = turns(at)
    assert [t.question for t in done] == [PYTORCH, "How long does it take?"]
    assert done[0].answer is not None and "PyTorch" in done[0].answer.text
    assert done[1].answer is not None and not done[1].stopped and done[1].error is None
    assert at.session_state["answer_queue"] == [] and at.session_state["answer_jobs"] == {}


# --- regenerate, edit, copy -------------------------------------------------------------


def test_regenerate_answers_the_same_question_again(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted(monkeypatch, FIRST, SECOND)
    at = start()
    at.button(key="starter_0").click().run()
    (turn,) = turns(at)
    assert turn.answer is not None and turn.answer.text.startswith("PyTorch is the better")
    code = [c.value for c in at.code]
    assert turn.answer.text in code  # the Copy box holds the answer as plain text
    at.feedback[0].set_value(1).run()
    at.button(key=f"regenerate_{turn.id}").click().run()
    assert not at.exception
    (again,) = turns(at)
    assert again.id == turn.id and again.question == PYTORCH
    assert again.answer is not None and again.answer.text.startswith("Start with PyTorch")
    assert again.rating is None and at.feedback[0].value is None  # a new answer, not rated


def test_edit_replaces_the_last_question_and_answers_it(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    first = turns(at)[0]
    at.chat_input[0].set_value("What does a Data Scientist do?").run()
    older, last = turns(at)
    edits = [b.key for b in at.button if b.key.startswith("edit_")]
    assert edits == [f"edit_{last.id}"]  # only the last question can be edited
    at.button(key=f"edit_{last.id}").click().run()
    at.text_area(key=f"edit_text_{last.id}").input("What does an Applied AI Engineer do?")
    at.button(key=f"edit_send_{last.id}").click().run()
    assert not at.exception
    older, last = turns(at)
    assert older.id == first.id and last.question == "What does an Applied AI Engineer do?"
    assert last.answer is not None and not last.answer.refused


# --- feedback: visible, changeable, with a comment ---------------------------------------


def test_thumbs_can_change_and_take_a_comment(built_env: Path) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    at.feedback[0].set_value(1).run()
    at.feedback[0].set_value(0).run()  # changed their mind
    assert at.feedback[0].value == 0 and not at.feedback[0].disabled
    (turn,) = turns(at)
    at.text_input(key=f"comment_{turn.id}").input("Name a first course, please.").run()
    assert not at.exception
    rows = FeedbackStore(os.environ["ADVISOR_FEEDBACK_DB"]).list()
    assert [(r.rating, r.comment) for r in rows] == [(0, "Name a first course, please.")]


# --- words a person understands ----------------------------------------------------------


def test_a_long_question_from_a_button_gets_a_plain_message(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["pending_question"] = "w" * 5000
    at.run()
    assert not at.exception
    (warning,) = at.warning
    assert "5,000 characters long" in warning.value and "2,000" in warning.value
    assert "ADVISOR_" not in warning.value
    assert at.chat_input[0].max_chars == 2000  # the box itself stops at the limit


# --- citations ------------------------------------------------------------------------------


def test_an_answer_links_its_sources_in_plain_words(built_env: Path) -> None:
    at = start()
    at.button(key="starter_0").click().run()
    (turn,) = turns(at)
    assert turn.answer is not None
    shown = "\n".join(m.value for m in at.main.markdown)
    assert f"[\\[1\\]](#src-{turn.id}-1)" in shown  # [1] links to source 1's heading
    headings = [h for h in at.main.subheader if h.value.startswith("\\[1\\]")]
    assert headings and headings[0].proto.anchor == f"src-{turn.id}-1"
    text = main_text(at)
    assert not re.search(r"\b(?:ADVISOR|OPENAI|CHROMA)_[A-Z_]+", text)
    assert "Answered by" not in text and "Chunks" not in text and "extractive" not in text
    at.button(key=f"read_{turn.id}_1").click().run()  # "Read this section"
    assert not at.exception
    assert any(c.value == "The passage cited as [1]" for c in at.caption)


HOSTILE = (
    "See [1](javascript:alert(1)) and ![1](http://127.0.0.1:9/p.png) <img src=x onerror=alert(1)>"
    " [1]: javascript:alert(2)\n[[1]](http://127.0.0.1:9/x) [1][2] \\[1] [1]"
)


def fetching(markdown: str) -> list[str]:
    """What a renderer would fetch or run, besides the in-page links to the sources."""
    return [found for found in active(markdown) if not found.startswith("link: #src-")]


def test_linking_citations_opens_no_injection_path() -> None:
    out = link_citations(HOSTILE, "abc123", 2)
    targets = re.findall(r"\]\(([^)\s]*)", out)
    assert targets and all(t.startswith(("#src-abc123-", "http://", "https://")) for t in targets)
    assert "javascript:" not in out and "<img" not in out and fetching(out) == []
    assert "![" not in out
    assert out.endswith("[\\[1\\]](#src-abc123-1)")  # a bare [1] still becomes a link
    assert link_citations("[3] beyond the sources", "t", 2) == "[3] beyond the sources"
    assert link_citations("x [1]", "ab-c'd\"e", 1) == "x [\\[1\\]](#src-abcde-1)"


def test_the_app_links_a_hostile_answer_safely(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted(monkeypatch, HOSTILE + " PyTorch first [1].")
    at = start()
    at.button(key="starter_0").click().run()
    assert not at.exception
    shown = "\n".join(m.value for m in at.main.markdown)
    targets = re.findall(r"\]\(([^)\s]*)", shown)
    assert all(t.startswith(("#src-", "http://", "https://")) for t in targets)
    assert "javascript:" not in shown and "<img" not in shown and fetching(shown) == []


def source(section: str, text: str = "", kind: str = "guide", doc: str = "guide.md") -> Source:
    return Source(id="x", text=text, title="Guide", section=section, source=doc, kind=kind)


def test_guide_sources_name_their_step_and_section() -> None:
    assert where(source("3. Learn Python — The Language of ML > Libraries")) == (
        "Step 3 · Learn Python — The Language of ML › Libraries"
    )
    assert where(source("Frequently Asked Questions > How much do ML engineers earn?")) == (
        "Frequently Asked Questions › How much do ML engineers earn?"
    )
    assert where(source("What it is", kind="library")) == "What it is"


def test_quoted_sentences_are_highlighted_with_brackets_escaped() -> None:
    passage = "PyTorch is the better first choice in 2026 [see note]. Other text here."
    answer = "PyTorch is the better first choice in 2026 (see note). [1]"
    quoted = quoted_sentences(passage, answer)
    assert quoted == ["PyTorch is the better first choice in 2026 [see note]."]
    marked = highlight(passage, quoted)
    assert marked.startswith(":orange-background[PyTorch is the better first choice in 2026 ")
    assert "\\[see note\\]" in marked and marked.endswith(" Other text here.")
    assert quoted_sentences(passage, "Nothing in common.") == []


def test_read_this_section_shows_the_whole_step_in_order(
    built_env: Path, shared_store: Any
) -> None:
    chunks: list[Chunk] = shared_store.all_chunks()
    guide = next(c for c in chunks if c.kind == "guide" and c.section.startswith("1. "))
    cited = source(guide.section, guide.text, doc=guide.source)
    found = section_chunks(chunks, cited)
    sections = {c.section for c in found}
    assert guide.id in {c.id for c in found}
    assert all(s.startswith("1. Understand the AI/ML Role Landscape") for s in sections)
    whole = "\n".join(c.text for c in found)
    for role in ("Machine Learning Engineer", "Data Scientist", "Applied AI Engineer"):
        assert role in whole  # every sub-section of the step, not just the cited passage
    assert [c.id for c in found] == sorted(c.id for c in found)  # document order


def test_a_source_preview_always_shows_the_quoted_sentence() -> None:
    quote = "Kaggle competitions teach you to iterate on features under a fixed metric."
    filler = "The card describes the platform, its datasets and its community at length. " * 20
    passage = f"{filler}\n\n{quote} It also hosts notebooks.\n\nMore about the rankings."
    assert len(filler) > PREVIEW_CHARS  # the quote lies past the first 900 characters
    shown = preview(passage, [quote])
    assert quote in shown and shown.startswith("… ") and len(shown) <= PREVIEW_CHARS + 4
    assert preview(passage, []) == preview(passage, ["a sentence the passage does not hold"])
    assert preview(passage, []).startswith("The card describes")  # no quote: the start
    short = "Fast.ai is free. It teaches top-down."
    assert preview(short, ["Fast.ai is free."]) == short  # short passages are shown whole
