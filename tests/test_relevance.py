"""Relevance before priors (issue 21): a FAQ's verdict leads only the question it answers."""

from __future__ import annotations

import pytest

from advisor import CareerAdvisor
from advisor.conversation.relevance import faq_answers, yes_no
from advisor.text import tokens

DEGREE = "Do I need a degree or PhD to become an ML engineer?"


COMMON = set(tokens("become ml engineer learn"))  # as stemmed ("becom", "engin")


def flat(token: str) -> float:
    """An idf of this corpus's shape: its everyday words weigh less than rare ones."""
    return 1.0 if token in COMMON else 3.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("do i need a phd?", True),
        ("Do I need a degree to become an ML engineer?", True),
        ("How long does it take to become an ML engineer with a CS degree?", False),
        ("I'm a nurse with no coding background. Can I become an ML engineer?", False),
        ("what is PCA?", False),
    ],
)
def test_the_degree_faq_answers_only_its_own_question(question: str, expected: bool) -> None:
    assert faq_answers(question, DEGREE, "No.", flat) is expected


def test_a_verdict_needs_a_yes_no_question() -> None:
    assert yes_no("ok so can I do it?") and yes_no("I'm 30. Is it too late?")
    assert not yes_no("how long with a degree?") and not yes_no("which degree matters?")
    assert faq_answers("which degree or phd matters?", DEGREE, "A strong portfolio.", flat)


def test_a_question_sharing_words_with_a_faq_does_not_get_its_verdict(
    extractive: CareerAdvisor,
) -> None:
    nurse = extractive.ask("I'm a nurse with no coding background. Can I become an ML engineer?")
    assert not nurse.refused and "No. [" not in nurse.text
    history = [("user", "how long does it take?")]
    history.append(("assistant", extractive.ask(history[0][1]).text))
    degree = extractive.ask("what about with a CS degree?", history)
    assert "No. [" not in degree.text and "12–24 months" in degree.text
    assert "No. [" in extractive.ask("do i need a phd?").text  # the FAQ's own question
