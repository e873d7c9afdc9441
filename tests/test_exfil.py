"""Every known Markdown exfiltration form, through every surface: nothing renders that fetches.

The forms (tests/exfil_forms.py) each make a CommonMark renderer fetch a canary by itself
(an image, raw HTML) or carry a script or data link. They go through `safe_markdown`, the
stream guard fed in pieces (every moment checked), an OpenAI-compatible server that answers
with them (the API streams and the CLI), and an ingested document answered offline.
`active` (a CommonMark parse of the output) must find nothing at any point.
The browser side is in test_browser_poisoned.py (one app start per conversation).
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor import CareerAdvisor, Settings, Source, Store, make_answerer
from advisor.api.common import SOURCES_HEADING
from advisor.cli import main
from advisor.markup import literal
from advisor.safety import safe_markdown
from advisor.stream_safety import REFRESH_FRACTION, SafeStream, render
from tests.exfil_forms import FORMS, active, document, forms
from tests.llm_server import scripted_llm
from tests.test_api import chat, events, serving
from tests.test_stream_safety import Writes

CANARY = "http://127.0.0.1:9"
"""A closed loopback port: tests here only read the text; the browser test counts requests."""
FORM = forms(CANARY)
SOURCES = [
    Source(id=f"s{n}", text=f"Card {n} text.", title=f"Card {n}", section="", source=f"c{n}.md")
    for n in range(1, 5)
]
ANSWER = "Learn PyTorch first [1].\n\n" + "\n\n".join(FORM.values()) + "\n\nThat is all [2]."
"""An LLM answer carrying every form, each in a paragraph of its own."""


def shown_moments(deltas: list[str]) -> Iterator[str]:
    """The text a surface shows after each delta."""
    shown = ""
    for delta in deltas:
        shown += delta
        yield shown


def assert_never_active(deltas: list[str], final: str) -> None:
    """At every moment the shown text fetches nothing and is a prefix of `final`."""
    shown = ""
    for shown in shown_moments(deltas):
        assert active(shown) == [], (shown, active(shown))
        assert final.startswith(shown), (shown, final)
    assert shown == final


# --- the sanitiser and the stream guard --------------------------------------------------------


@pytest.mark.parametrize("name", FORMS)
def test_each_form_fetches_when_rendered_as_written(name: str) -> None:
    """The corpus is really hostile (entities in brackets: once entities are decoded)."""
    form = FORM[name]
    assert active(form) or active(html.unescape(form))


@pytest.mark.parametrize("name", FORMS)
def test_safe_markdown_leaves_nothing_that_fetches(name: str) -> None:
    safe = safe_markdown(FORM[name])
    assert active(safe) == [], safe
    assert safe_markdown(safe) == safe
    assert safe.strip()  # the text around the form stays


def test_the_last_resort_escapes_every_form() -> None:
    """Should a rebuilt text ever fail its check, the whole text is escaped: that is safe too."""
    for form in FORM.values():
        assert active(literal(form)) == [], form
        assert active(literal(html.unescape(form))) == [], form


@pytest.mark.parametrize("name", FORMS)
def test_the_stream_guard_shows_nothing_that_fetches_at_any_moment(name: str) -> None:
    form = FORM[name]
    final = render(form, SOURCES).text
    assert active(final) == []
    for size in (1, 2, 3, 5, 8):
        guard = SafeStream(SOURCES)
        deltas = [guard.push(form[i : i + size]) for i in range(0, len(form), size)]
        assert_never_active([*deltas, guard.finish()], final)
    for cut in range(len(form) + 1):
        guard = SafeStream(SOURCES)
        assert_never_active([guard.push(form[:cut]), guard.push(form[cut:]), guard.finish()], final)


def test_ordinary_markdown_renders_as_written_and_streams_as_it_ends() -> None:
    text = (
        "## Learning path\n\nStart with **Python** and *NumPy* [1]. Then `pandas` and "
        "[PyTorch](https://pytorch.org/) [2].\n\n1. Learn the basics [1].\n2. Build:\n"
        "   - a classifier\n   - a `torch.nn.Module` [3]\n\n"
        "> Tip: practise daily.\n> It adds up.\n\n"
        "| Skill | Level |\n| --- | :-: |\n| Python | good |\n\n```python\nprint('<b>')\n```\n\n"
        "Title line\n---\n\n- [ ] a task\n- done ~~old~~ new\n\nA\\*star, AT&T and 2 < 3 [4]."
    )
    assert safe_markdown(text) == text
    assert render(text, SOURCES).text == text
    for size in (1, 4, 9):
        guard = SafeStream(SOURCES)
        deltas = [guard.push(text[i : i + size]) for i in range(0, len(text), size)]
        assert_never_active([*deltas, guard.finish()], text)
        assert sum(1 for d in deltas if d) > 20  # it streamed, not all at the end


# --- linear work -------------------------------------------------------------------------------


def parsed_for(text: str, piece: int = 4) -> int:
    """Characters the guard hands to the parser when `text` arrives `piece` at a time."""
    guard = SafeStream(SOURCES)
    for i in range(0, len(text), piece):
        guard.push(text[i : i + piece])
    guard.finish()
    return guard.parsed


@pytest.mark.parametrize(
    "unit",
    [
        "Learn PyTorch first [1]. It is widely used in research and industry.\n\n",
        "PyTorch is widely used in research and industry and it is a good first step [1]. ",
        "- learn PyTorch first [1], it is widely used\n",
        "| PyTorch | widely used [1] |\n",
    ],
    ids=["paragraphs", "one paragraph", "one list", "one table"],
)
def test_the_guards_work_grows_linearly_with_the_answer(unit: str) -> None:
    """Work is counted (characters parsed), not timed: doubling the answer about doubles it."""
    one = unit * 150
    once, twice = parsed_for(one), parsed_for(one * 2)
    assert twice <= 2.5 * once, (once, twice)
    assert twice <= (2 * REFRESH_FRACTION + 4) * len(one) * 2, twice


# --- the API streams and the CLI, with an OpenAI-compatible server answering the forms ---------


def llm_advisor(store: Store, base_url: str) -> CareerAdvisor:
    settings = store.settings.with_(
        backend="openai",
        openai_base_url=base_url,
        openai_api_key="sk-test",
        llm_model="scripted-model",
        api_rate_limit=0,
    )
    return CareerAdvisor(settings, store, make_answerer(settings))


def test_api_streams_carry_nothing_that_fetches(shared_store: Store) -> None:
    question = "PyTorch or TensorFlow first? ![q](" + CANARY + "/question.png)"
    with scripted_llm(["ok"], answer=ANSWER) as llm:
        advisor = llm_advisor(shared_store, llm.base_url)
        with serving(advisor) as client:
            whole = client.post("/v1/ask", json={"question": question}).json()
            sse = events(client.post("/v1/ask/stream", json={"question": question}).text)
            streamed = client.post("/v1/chat/completions", json=chat(question, stream=True))
    chunks = events(streamed.text)
    assert not whole["refused"] and "Learn PyTorch first [1]" in whole["answer"]
    assert active(whole["answer"]) == [] and active(whole["question"]) == []
    deltas = [data["text"] for event, data in sse if event == "delta"]
    done = next(data for event, data in sse if event == "done")
    assert len(deltas) > 15  # the first few words wait for the first citation (grounding.py)
    assert_never_active(deltas, done["answer"])
    contents = [
        c["choices"][0]["delta"].get("content", "")
        for _, c in chunks
        if isinstance(c, dict) and c.get("choices")
    ]
    footer = next(i for i, c in enumerate(contents) if c.startswith(SOURCES_HEADING))
    assert_never_active(contents[:footer], done["answer"])
    assert active("".join(contents)) == []


def test_the_cli_prints_nothing_that_fetches(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with scripted_llm(["ok"], answer=ANSWER) as llm:
        monkeypatch.setenv("ADVISOR_BACKEND", "openai")
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("ADVISOR_LLM_MODEL", "scripted-model")
        out = Writes()
        monkeypatch.setattr("sys.stdout", out)
        assert main(["ask", "PyTorch or TensorFlow first?"]) == 0
    printed = out.getvalue()
    assert "Learn PyTorch first [1]" in printed
    answer = printed[: printed.index("\n\nSources:")]
    assert len(out.writes) > 20
    for shown in shown_moments(out.writes):
        assert active(shown[: len(answer)]) == [], shown


# --- a document carrying the forms, answered offline ---------------------------------------------


@pytest.fixture(scope="module")
def zorblax(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CareerAdvisor:
    """The built index plus one ingested document full of the forms, answering offline."""
    from ingest import ingest

    work = tmp_path_factory.mktemp("zorblax")
    store_dir = work / "store"
    shutil.copytree(index_dir, store_dir)
    (work / "docs").mkdir()
    (work / "docs" / "zorblax.md").write_text(document(CANARY), encoding="utf-8")
    settings = Settings.from_env(env={}, store_dir=store_dir, backend="extractive")
    report = ingest([work / "docs"], settings=settings, progress=False)
    assert report.added == 1
    return CareerAdvisor(settings, Store.open(settings), make_answerer(settings))


def test_a_document_with_the_forms_is_quoted_offline_without_them(zorblax: CareerAdvisor) -> None:
    from ui.citations import _blockquote, highlight, preview, quoted_sentences

    question = "What does the Zorblax toolkit track?"
    items = list(zorblax.stream(question))
    answer = items[-1]
    assert not isinstance(answer, str) and not answer.refused
    assert any(s.title == "Zorblax Toolkit" for s in answer.sources)
    assert "Zorblax" in answer.text
    assert_never_active([i for i in items[:-1] if isinstance(i, str)], answer.text)
    raw = " ".join(s.text for s in answer.sources if s.title == "Zorblax Toolkit")
    assert active(raw)  # the stored passages really carry the forms
    for source in answer.sources:  # the passages as the app quotes them under the answer
        quoted = quoted_sentences(source.text, answer.text)
        assert active(_blockquote(highlight(preview(source.text, quoted), quoted))) == []
        assert active(highlight(source.text, quoted)) == []
    with serving(zorblax) as client:
        sse = events(client.post("/v1/ask/stream", json={"question": question}).text)
        body = client.post("/v1/chat/completions", json=chat(question)).json()
    done = next(data for event, data in sse if event == "done")
    assert_never_active([d["text"] for e, d in sse if e == "delta"], done["answer"])
    assert active(body["choices"][0]["message"]["content"]) == []
