"""Streaming you can see: pacing an all-at-once answer, and the "Searched for" line."""

from __future__ import annotations

from collections.abc import Iterator

from advisor import Answer
from ui.components import PACE_BUDGET_SECONDS, paced, searched_for


class Clock:
    """A fake clock: sleeping advances it, and a slow source can advance it too."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


SENTENCES = [
    "PyTorch is the better first choice in 2026. [1]",
    " It's the dominant framework in research, increasingly dominant in production. [1]",
    " Once you know PyTorch well, TensorFlow is straightforward to learn when needed. [1]",
]


def test_an_answer_ready_at_once_is_shown_word_by_word() -> None:
    clock = Clock()
    shown: list[tuple[float, str]] = []
    for piece in paced(SENTENCES, sleep=clock.sleep, clock=clock):
        shown.append((clock.now, piece))
    assert "".join(p for _, p in shown) == "".join(SENTENCES)  # nothing lost or changed
    assert len(shown) > len(SENTENCES) * 5  # words, not whole sentences
    times = [t for t, _ in shown]
    assert times == sorted(times) and times[-1] > times[0]  # it grows over time
    assert 0 < sum(clock.slept) <= PACE_BUDGET_SECONDS


def test_pacing_never_adds_more_than_its_budget() -> None:
    clock = Clock()
    long_answer = ["word " * 2000]
    assert "".join(paced(long_answer, sleep=clock.sleep, clock=clock)) == long_answer[0]
    assert sum(clock.slept) <= PACE_BUDGET_SECONDS + 1e-9


def test_a_slow_source_is_not_slowed_down() -> None:
    clock = Clock()

    def slow() -> Iterator[str]:
        for sentence in SENTENCES:
            clock.now += 5.0  # an LLM taking its time between deltas
            yield sentence

    list(paced(slow(), sleep=clock.sleep, clock=clock))
    assert sum(clock.slept) < 0.5  # only the words inside one delta are spread


def test_the_first_text_clears_the_searching_line() -> None:
    calls: list[str] = []

    def source() -> Iterator[str]:
        calls.append("retrieving")
        yield "Answer."

    pieces = paced(source(), on_first=lambda: calls.append("cleared"), sleep=lambda s: None)
    assert calls == []
    assert next(pieces) == "Answer."
    assert calls == ["retrieving", "cleared"]


def test_searched_for_only_when_the_question_was_rewritten() -> None:
    rewritten = Answer(text="x", question="Which of PyTorch and TensorFlow do companies use more?")
    assert searched_for("which one do companies use more?", rewritten) == rewritten.question
    same = Answer(text="x", question="PyTorch or TensorFlow first?")
    assert searched_for("pytorch or tensorflow first", same) is None
    assert searched_for("anything", Answer(text="x")) is None
