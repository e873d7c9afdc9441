"""No text function can be made to backtrack: adversarial questions and documents stay fast.

Each public function that reads a question or a document (`bench/text_speed.py` lists
them: reading the ask, the profile, programming experience, resolving and tidying a
follow-up, classifying a turn, names and qualifiers, tokens, the number check, injection
scanning, sentence and unit splitting, chunking) runs on inputs built to defeat
backtracking regexes, at the question limit (2,000 characters) and on a 10,000-character
document. Times are this thread's CPU time (`time.thread_time`), the least of a few runs,
so a loaded machine barely moves them; the bounds are still loose (0.5 s, where the
measured worst is a few milliseconds and a cubic pattern took 45 s). What the test really
pins is the shape: quadrupling the input at most multiplies the time by eight (linear by
four, quadratic by sixteen; the cubic patterns this replaced by sixty-four), and no input
costs more than a bounded multiple of a normal question of the same length.
"""

from __future__ import annotations

import re

import pytest

from bench.text_speed import DOCUMENT_HEADS, QUESTION_CHARS, Case, cases, measure

CAP_SECONDS = 0.5
"""Absolute bound on one call's CPU time at full length (measured worst: under 10 ms)."""
NORMAL_FACTOR, NORMAL_SLACK = 20.0, 0.075
"""The worst input may cost this multiple of a normal input of the same length, plus slack
(the Markdown parser on 1,000 "[(" takes 21 ms of CPU idle and took 43 ms in a full run)."""
GROWTH, GROWTH_SLACK = 12.0, 0.002
"""Time at full length over time at a quarter of it, with a little slack for timer noise:
linear is 4, quadratic 16, cubic 64. The chunker grows a little faster than linear on a run
with no separator (3.4, 9.3, 22 ms at 2,500, 5,000, 10,000 characters idle: 6.4x), and a full
run's cache contention took its longest reading to 35.8 ms (10.5x), so the bound is 12."""
PUMPS = (
    " ", "1", "a", "[(", "vs ", "\n", " \t", "#", "1.", "1-", "<a", "then ", "é ", "who is ",
    "difference between ",
)  # fmt: skip
"""The repeats that broke a pattern before (spaces, digits, brackets, "vs", tags, ...)."""
DOCUMENT_CHARS = 10_000


@pytest.mark.parametrize("case", cases(DOCUMENT_CHARS), ids=lambda case: case.name)
def test_text_function_is_linear_on_adversarial_input(case: Case) -> None:
    heads = 6 if case.length == QUESTION_CHARS else len(DOCUMENT_HEADS) // 2
    timing, _ = measure(case, repeat=1, heads=heads, pumps=PUMPS)
    shown = (
        f"{case.name} on {timing.label}: {timing.seconds * 1000:.2f} ms at {case.length} chars, "
        f"{timing.half_seconds * 1000:.2f} ms at half, {timing.quarter_seconds * 1000:.2f} ms at "
        f"a quarter, normal {timing.normal_seconds * 1000:.2f}"
    )
    assert timing.seconds < CAP_SECONDS, shown
    assert timing.seconds <= NORMAL_FACTOR * timing.normal_seconds + NORMAL_SLACK, shown
    assert timing.seconds <= GROWTH * timing.quarter_seconds + GROWTH_SLACK, shown


def test_the_issue_inputs_are_fast() -> None:
    """The three inputs of issue 25, through the functions that froze on them."""
    from advisor.conversation.asks import read_ask
    from advisor.planning.profile import read_profile
    from bench.text_speed import cpu_seconds

    versus = "pytorch" + " " * 1990 + "x"
    digits = "I have " + "1" * 1990
    assert cpu_seconds(read_ask, versus) < CAP_SECONDS
    assert cpu_seconds(read_profile, digits) < CAP_SECONDS
    assert cpu_seconds(read_profile, "I have " + " " * 993) < CAP_SECONDS


def test_rewritten_patterns_still_read_what_they_read() -> None:
    """A few readings the rewritten patterns carry (the full behaviour is in the other tests)."""
    from advisor.conversation.asks import read_ask
    from advisor.conversation.phrasing import tidy
    from advisor.conversation.vocabulary import display_name, short_name, title_parts
    from advisor.planning.profile import read_profile
    from advisor.text import heading

    assert read_ask("Should I learn PyTorch or TensorFlow first?").sides == (
        "pytorch",
        "tensorflow",
    )
    assert read_ask("c++  vs.  java?").sides == ("c++", "java")
    assert read_profile("I have 5-8 hrs/week").found["hours_per_week"] == 5.0
    assert read_profile("I'm free 1.5 hours per week").found["hours_per_week"] == 1.5
    assert tidy("and what about europe then ?!") == "And what about europe?"
    assert heading("## Skills ##") == (2, "Skills")
    assert heading("####### seven") is None and heading("#no space") is None
    assert title_parts("TensorFlow / Keras") == ["TensorFlow / Keras", "TensorFlow", "Keras"]
    assert title_parts("DVC (Data Version Control)")[-1] == "Data Version Control"
    assert short_name("Deep Learning with Andrew Ng") == "Deep Learning"
    assert display_name("3Blue1Brown – Essence of Calculus") == "Essence of Calculus"
    assert not re.search(r"\s", heading("#  \t x  #")[1])  # type: ignore[index]
