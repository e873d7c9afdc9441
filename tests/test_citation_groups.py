"""Adjacent "[2][3]" and grouped "[1, 2]" citations are checked, counted and linked in the app
like a single "[1]" (issue 22)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from advisor import Answer, CareerAdvisor, FakeChatModel, Store
from advisor.llm import ChatAnswerer
from advisor.safety import repair_citations
from ui.citations import link_citations

LINK = re.compile(r"\[\\\[(\d+)\\\]\]\(#src-t1-(\d+)\)")
"""A citation linked to its source: [\\[n\\]](#src-t1-n)."""
REPLY = "PyTorch is the better first choice for beginners in 2026 [2][3], and later [1, 4]."


def linked(markdown: str) -> list[int]:
    found = LINK.findall(markdown)
    assert all(a == b for a, b in found)
    return [int(a) for a, _ in found]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("First [1].", [1]),
        ("Adjacent [2][3].", [2, 3]),
        ("Spaced [1] [2].", [1, 2]),
        ("Grouped [1, 2] and [3,4].", [1, 2, 3, 4]),
        ("Of none [9], [0, 1] or [5, 6].", []),  # no such source; an interval
        ("A link [1](https://pytorch.org/) stays a link [2].", [2]),
    ],
)
def test_each_citation_in_a_run_or_group_is_linked(text: str, numbers: list[int]) -> None:
    assert linked(link_citations(text, "t1", 4)) == numbers


def test_a_group_is_written_as_adjacent_citations_and_checked() -> None:
    assert repair_citations("Start with PyTorch [1, 2, 9].", 4) == (
        "Start with PyTorch [1][2].",
        {1, 2},
    )
    assert repair_citations("In [0, 1] it is scaled.", 4) == ("In [0, 1] it is scaled.", set())


def test_grouped_and_adjacent_citations_count_as_cited(shared_store: Store) -> None:
    settings = shared_store.settings.with_(backend="fake")
    model = FakeChatModel(responses=[REPLY])
    advisor = CareerAdvisor(settings, shared_store, ChatAnswerer(model, settings, "fake"))
    answer = advisor.ask("PyTorch or TensorFlow first?")
    assert answer.fallback == "" and "[2][3]" in answer.text and "[1][4]" in answer.text
    assert [s.cited for s in answer.sources] == [True, True, True, True]


def test_the_app_links_them_and_counts_them(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_ui_app import ask, last_answer, start

    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps([REPLY]))
    at = ask(start(), "PyTorch or TensorFlow first?")
    answer = last_answer(at)
    assert isinstance(answer, Answer) and len(answer.sources) == 4
    body = next(m.value for m in at.markdown if "better first choice" in m.value)
    assert sorted(set(re.findall(r"\(#src-\w+-(\d)\)", body))) == ["1", "2", "3", "4"]
    assert "Sources (4, 4 cited)" in [e.label for e in at.expander]
