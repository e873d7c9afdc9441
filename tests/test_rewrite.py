"""The offline rewriter: follow-ups resolved from the conversation, standalone questions kept."""

from __future__ import annotations

import pytest

from advisor.conversation import Vocabulary, replay, resolve, rewrite_follow_up
from tests.test_turns import card_titles

Chat = list[tuple[str, str]]


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_titles(card_titles())


def chat(*turns: str) -> Chat:
    """Alternating user / assistant turns."""
    return [("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(turns)]


FRAMEWORKS = chat("PyTorch or TensorFlow first?", "PyTorch is the better first choice [1].")
MATHS = chat("what maths do i need for ml?", "Linear Algebra, Calculus, Statistics [1].")
MLFLOW = chat("what's mlflow", "MLflow is an open-source platform [1].")
ROLE = chat("what does an ml engineer do", "Focuses on building, optimizing [1].")
SALARY = chat("how much do entry-level ML engineers earn?", "In the US market ... [1].")


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (
            FRAMEWORKS,
            "which one do companies use more?",
            "Which of PyTorch and TensorFlow do companies use more?",
        ),
        (FRAMEWORKS, "do companies use both?", "Do companies use PyTorch and TensorFlow?"),
        (
            FRAMEWORKS,
            "and how long would that take me?",
            "How long would it take me to become an ML engineer, learning PyTorch and TensorFlow?",
        ),
        (
            FRAMEWORKS,
            "how long does it take to learn it?",
            "How long does it take to become an ML engineer, learning PyTorch and TensorFlow?",
        ),
        (MATHS, "any good videos for that?", "Any good videos for maths?"),
        (MLFLOW, "is it free?", "Is MLflow free?"),
        (MLFLOW, "who is it for?", "Who is MLflow for?"),
        (MLFLOW, "what's it for?", "What's MLflow for?"),
        (ROLE, "and a data scientist?", "What does a data scientist do?"),
        (ROLE, "what about an applied ai engineer?", "What does an applied ai engineer do?"),
        (SALARY, "And senior ones?", "How much do senior ML engineers earn?"),
        (SALARY, "what about in europe?", "How much do entry-level ML engineers earn in europe?"),
        (chat("what is xgboost", "A library [1]."), "and lightgbm?", "What is lightgbm?"),
        (chat("what's pandas for", "Tables [1]."), "and numpy?", "What's numpy for?"),
        (
            chat("any videos for linear algebra?", "Yes [1]."),
            "and for calculus?",
            "Any videos for calculus?",
        ),
        (
            chat("is tensorflow still worth learning?", "Legacy [1]."),
            "and pytorch...",
            "Is pytorch still worth learning?",
        ),
        (
            chat("how do i deploy a model", "FastAPI [1]."),
            "and how do i package it?",
            "How do i package a model?",
        ),
        (
            chat("do i need a degree?", "No. [1]"),
            "so what matters then?",
            "What matters about a degree?",
        ),
        (
            chat("how many projects do i need", "3–5 [1]."),
            "what kinds?",
            "What kinds of portfolio projects?",
        ),
        (
            chat("what should i put in my portfolio", "Projects [1]."),
            "where do i host them?",
            "Where do i host portfolio projects?",
        ),
        (
            chat("how long does it take to become an ml engineer", "12–24 months [1]."),
            "what if i already know python?",
            "How long does it take to become an ml engineer if i already know python?",
        ),
        (
            chat("tell me about statquest", "StatQuest is a channel [1]."),
            "is it free?",
            "Is StatQuest free?",
        ),
    ],
)
def test_follow_ups_are_resolved(
    history: Chat, question: str, expected: str, vocabulary: Vocabulary
) -> None:
    assert rewrite_follow_up(question, history, vocabulary) == expected


def test_the_previous_question_is_never_pasted_in_front(vocabulary: Vocabulary) -> None:
    for history in (FRAMEWORKS, MATHS, MLFLOW, ROLE, SALARY):
        previous = history[0][1]
        for question in ("is it free?", "and how long would that take me?", "why?", "what kinds?"):
            rewritten = rewrite_follow_up(question, history, vocabulary)
            assert not rewritten.lower().startswith(previous.lower().rstrip("?"))
            assert question.lower() not in rewritten.lower() or question == "why?"


@pytest.mark.parametrize(
    "question",
    [
        "how much do ml engineers earn?",
        "What is DVC?",
        "Is TensorFlow still used in production?",
        "how long does it take to become an ML engineer?",
        "I'm a Java developer with no maths",
        "ok never mind. what do junior ml engineers earn?",
    ],
)
def test_standalone_questions_are_never_touched(question: str, vocabulary: Vocabulary) -> None:
    for history in ([], FRAMEWORKS, MATHS, SALARY):
        resolution = resolve(question, replay(history, vocabulary), vocabulary)
        assert resolution.question == question and not resolution.rewritten


def test_a_pronoun_for_a_resource_means_the_one_the_answer_named(vocabulary: Vocabulary) -> None:
    course = chat(
        "which course should i take for classical ml?",
        "Andrew Ng’s Machine Learning Specialization on Coursera is the gold standard [1].",
    )
    assert rewrite_follow_up("is it free?", course, vocabulary) == (
        "Is Machine Learning Specialization free?"
    )
    videos = chat(
        "any good videos for maths?",
        "3Blue1Brown’s Essence of Linear Algebra and Essence of Calculus [1]; StatQuest [2].",
    )
    assert rewrite_follow_up("are they free?", videos, vocabulary) == (
        "Are Essence of Linear Algebra, Essence of Calculus and StatQuest free?"
    )


def test_which_one_gathers_the_things_compared_across_turns(vocabulary: Vocabulary) -> None:
    history = ROLE + chat("and a data scientist?", "Focuses on research [1].")
    assert rewrite_follow_up("which one is easier to get into?", history, vocabulary) == (
        "Which of ml engineer and data scientist is easier to get into?"
    )


def test_earlier_follow_ups_are_resolved_before_later_ones(vocabulary: Vocabulary) -> None:
    history = MLFLOW + chat("is it free?", "You can run it yourself for free [1].")
    assert rewrite_follow_up("and weights and biases?", history, vocabulary) == (
        "Is weights and biases free?"
    )
    history = FRAMEWORKS + chat("and how long would that take me?", "12–24 months [1].")
    assert rewrite_follow_up("which one do companies use more?", history, vocabulary) == (
        "Which of PyTorch and TensorFlow do companies use more?"
    )


def test_a_statement_about_the_user_travels_with_a_personal_follow_up(
    vocabulary: Vocabulary,
) -> None:
    history = chat("I'm a Java developer", "Noted: Java developer.")
    rewritten = rewrite_follow_up("how long will it take me?", history, vocabulary)
    assert "ML engineer" in rewritten and "Java developer" in rewritten


def test_the_rewriter_is_deterministic(vocabulary: Vocabulary) -> None:
    runs = {rewrite_follow_up("which one do companies use more?", FRAMEWORKS, vocabulary)}
    runs |= {
        rewrite_follow_up(
            "which one do companies use more?", FRAMEWORKS, Vocabulary.from_titles(card_titles())
        )
        for _ in range(3)
    }
    assert len(runs) == 1


def test_no_question_of_the_single_question_set_is_rewritten(vocabulary: Vocabulary) -> None:
    """Each stands alone, pronouns included ("mlflow - what is it and do i need it")."""
    from advisor.evaluation.run import load_questions

    qs = load_questions()
    for history in (FRAMEWORKS, MATHS, SALARY):
        state = replay(history, vocabulary)
        touched = [
            (q.question, r.question)
            for q in qs.in_scope + qs.off_topic
            for r in [resolve(q.question, state, vocabulary)]
            if r.rewritten
        ]
        assert touched == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("is it better than tensorflow?", "Is PyTorch better than tensorflow?"),  # "it" first
        ("will it rain tomorrow?", "will it rain tomorrow?"),  # weather "it" points nowhere
        ("and what about tensorflow?", "Which framework should i learn first — tensorflow?"),
    ],
)
def test_a_pronoun_before_a_name_points_back_one_after_it_does_not(
    question: str, expected: str, vocabulary: Vocabulary
) -> None:
    history = chat("should i learn PyTorch?", "PyTorch is the better first choice [1].")
    if question.startswith("and what about"):  # nothing of its kind to swap: it is added
        history = chat("which framework should i learn first?", "PyTorch [1].")
    assert rewrite_follow_up(question, history, vocabulary) == expected


TIMELINE = chat("how long does it take to become an ml engineer?", "12–24 months [1].")


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (TIMELINE, "pytorch or tensorflow?", "pytorch or tensorflow?"),
        (TIMELINE, "pytorch?", "pytorch?"),
        (ROLE, "mlflow?", "mlflow?"),
    ],
)
def test_a_fragment_naming_a_thing_the_last_question_had_no_place_for_stands_alone(
    history: Chat, question: str, expected: str, vocabulary: Vocabulary
) -> None:
    """A choice between two tools after a timeline question asks about the tools: there was no
    tool in the timeline question for the fragment to stand in for (a new user's chat in the
    app answered "pytorch or tensorflow?" with the timeline sentence first)."""
    assert rewrite_follow_up(question, history, vocabulary) == expected


def test_a_fragment_still_stands_in_for_a_thing_of_its_own_kind(vocabulary: Vocabulary) -> None:
    assert rewrite_follow_up("sklearn?", MLFLOW, vocabulary) == "What's sklearn?"
    assert rewrite_follow_up("and pytorch?", TIMELINE, vocabulary).startswith("How long")


@pytest.mark.parametrize(
    "question",
    [
        "how long would that take me at like 8 hours a week?",
        "and how long would that take me at 10 hrs per week",
        "how long does it take to learn it in 6 months?",
    ],
)
def test_a_rewrite_keeps_the_amounts_the_user_typed(question: str, vocabulary: Vocabulary) -> None:
    """ "how long would that take me at 8 hours a week?" after PyTorch vs TensorFlow used to lose
    the hours, so the answer never said the guide gives no weekly figure."""
    from advisor.conversation.coverage import amounts

    rewritten = rewrite_follow_up(question, FRAMEWORKS, vocabulary)
    assert "PyTorch" in rewritten
    for amount in amounts(question):
        assert amount in rewritten, rewritten


CALCULUS = chat("do i need to know calculus for ml?", "Calculus — derivatives [1].")


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (MLFLOW, "got it, and how hard is it to learn?", "How hard is MLflow to learn?"),
        (MLFLOW, "ok thanks. is it free?", "Is MLflow free?"),
        (MLFLOW, "how hard is it to learn?", "How hard is MLflow to learn?"),
        (
            CALCULUS,
            "ok back to it, what should i build for my portfolio?",
            "ok back to it, what should i build for my portfolio?",
        ),
        (
            chat("what is numpy", "A library [1]."),
            "numpy broadcasting confuses me, what is it",
            "numpy broadcasting confuses me, what is it",
        ),
    ],
)
def test_a_lead_in_of_discourse_words_is_not_read_as_pointing_back(
    history: Chat, question: str, expected: str, vocabulary: Vocabulary
) -> None:
    """ "ok back to it, what should i build for my portfolio?" was answered about calculus in a
    hand-typed app chat: the "it" of the lead-in was taken for the subject. A lead-in of
    discourse words only is skipped when reading the question; one that names something
    ("numpy broadcasting confuses me") is part of it."""
    assert rewrite_follow_up(question, history, vocabulary) == expected


def test_a_subject_the_rewriter_cannot_name_is_left_to_the_search(
    vocabulary: Vocabulary,
) -> None:
    # The last question's subject ("vanishing gradients") is no name of the corpus. The
    # follow-up used to become "Is becoming an ML engineer hard to fix?", which pulled in the
    # degree FAQ; now it is searched as typed, with the last question fused into the search.
    history = chat("what causes vanishing gradients", "Neural network fundamentals ... [1]")
    for typed in ("is it hard to fix?", "why?", "what kinds?"):
        rewritten = rewrite_follow_up(typed, history, vocabulary)
        assert "becoming an ML engineer" not in rewritten, rewritten
    # with only a statement before it, "it" is still the person's move into ML
    told = chat("I'm a nurse", "Noted for your learning plan.")
    assert "ML engineer" in rewrite_follow_up("how long will it take me?", told, vocabulary)


@pytest.mark.parametrize(
    ("history", "question", "expected"),
    [
        (
            chat("is pandas ok for time series data?", "A library for tables [1]."),
            "what about prophet",
            "Is prophet ok for time series data?",
        ),
        (
            chat("does matplotlib work in jupyter?", "It works well inside Jupyter [1]."),
            "what about plotly",
            "Does plotly work in jupyter?",
        ),
        (
            chat("salaries in india for ml engineers?", "In the US market ... [1]."),
            "what about the UK",
            "Salaries in the UK for ml engineers?",
        ),
        (
            chat("what optimizers should i know?", "SGD, Adam, RMSprop [1]."),
            "what about adagrad?",
            "What optimizers should i know adagrad?",
        ),
        (
            chat("how much do ml engineers make starting out", "In the US market ... [1]."),
            "and senior?",
            "How much do ml engineers make starting out senior?",
        ),
    ],
)
def test_what_about_a_new_name_takes_the_place_of_the_one_before(
    vocabulary: Vocabulary, history: Chat, question: str, expected: str
) -> None:
    """A name the sources lack takes the place of the tool or place the last question named
    (the question is kept: "what about prophet?" asks the same of Prophet); with nothing of
    its kind to replace, it narrows the last question, which keeps its subject."""
    assert rewrite_follow_up(question, history, vocabulary) == expected


def test_a_word_left_without_its_thing_gets_the_subject_in_focus(vocabulary: Vocabulary) -> None:
    """ "before" at the end of a message that names nothing is before the thing asked about
    last, and is searched so; a message that names its own thing keeps it."""
    azure = chat("should a total beginner start with azure ml", "Learn the concepts first [1].")
    assert rewrite_follow_up("what do i need to know before", azure, vocabulary) == (
        "What do i need to know before Azure Machine Learning?"
    )
    github = chat("is github free", "GitHub is free for public repositories [1].")
    assert rewrite_follow_up("should i use gitlab instead", github, vocabulary) == (
        "Should i use gitlab instead of GitHub?"
    )
    assert rewrite_follow_up("what jobs are there", github, vocabulary) == "what jobs are there"
