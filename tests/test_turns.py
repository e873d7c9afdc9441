"""The turn classifier: standalone, follow-up, change of topic, statement (no model, no store)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.conversation import ConversationState, TurnKind, Vocabulary, classify, replay
from advisor.conversation.vocabulary import RESOURCE, ROLE, SUBJECT, display_name

CARDS = Path(__file__).resolve().parents[1] / "corpus" / "resources"
FRAMEWORKS = [("user", "PyTorch or TensorFlow first?"), ("assistant", "PyTorch first [1].")]


def card_titles() -> list[str]:
    """The bundled cards' titles, read from their front matter."""
    titles = []
    for path in sorted(CARDS.glob("*.md")):
        found = re.search(r"^title:\s*(.+)$", path.read_text(encoding="utf-8"), re.M)
        assert found, path
        titles.append(found.group(1).strip())
    return titles


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_titles(card_titles())


def kind(text: str, history: list[tuple[str, str]], vocabulary: Vocabulary) -> TurnKind:
    return classify(text, replay(history, vocabulary), vocabulary).kind


def test_names_come_from_card_titles_and_short_forms(vocabulary: Vocabulary) -> None:
    found = {(e.kind, e.name) for e in vocabulary.find("tf vs torch, sklearn, w&b or dvc?")}
    assert (RESOURCE, "TensorFlow / Keras") in found and (RESOURCE, "PyTorch") in found
    assert (RESOURCE, "scikit-learn") in found and (RESOURCE, "Weights & Biases") in found
    assert (RESOURCE, "DVC") in found
    roles = vocabulary.find("is a data scientist paid less than an ML engineer?")
    assert [e.name for e in roles] == ["Data Scientist", "Machine Learning Engineer"]
    assert all(e.kind == ROLE for e in roles)
    assert [e.kind for e in vocabulary.find("videos for linear algebra")] == [SUBJECT]
    assert display_name("3Blue1Brown – Essence of Calculus") == "Essence of Calculus"
    assert display_name("TensorFlow / Keras") == "TensorFlow"


def test_a_title_the_alias_table_never_heard_of_is_found() -> None:
    vocabulary = Vocabulary.from_titles(["Hugging Face Course (free)", "JAX / Flax"])
    assert [e.name for e in vocabulary.find("is jax faster than the hugging face course?")] == [
        "JAX / Flax",
        "Hugging Face Course",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "PyTorch or TensorFlow first?",
        "is it free?",  # nothing came before: nothing to point back to
        "and how long would that take?",
        "how long does it take to become an ML engineer?",
        "what do junior ml engineers earn",
    ],
)
def test_the_first_question_is_standalone(text: str, vocabulary: Vocabulary) -> None:
    assert kind(text, [], vocabulary) == TurnKind.STANDALONE


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("and how long would that take me?", "pronoun"),
        ("which one do companies use more?", "pronoun"),
        ("is it free?", "pronoun"),
        ("are they free?", "pronoun"),
        ("any good videos for that?", "pronoun"),
        ("is that a good way in?", "pronoun"),
        ("who is it for?", "pronoun"),
        ("what's it for?", "pronoun"),
        ("How long does it take to learn it?", "pronoun"),
        ("why that one?", "pronoun"),
        ("do companies use both?", "pronoun"),
        ("and a data scientist?", "ellipsis"),
        ("what about in europe?", "ellipsis"),
        ("and senior ones?", "ellipsis"),
        ("and lightgbm?", "ellipsis"),
        ("and pytorch...", "ellipsis"),
        ("sklearn?", "ellipsis"),
        ("why?", "bare"),
        ("what kinds?", "bare"),
        ("so what matters then?", "bare"),
        ("how come?", "bare"),
        ("what if i already know python?", "conditional"),
        ("tell me more", "conditional"),
    ],
)
def test_follow_ups_point_back(text: str, cue: str, vocabulary: Vocabulary) -> None:
    info = classify(text, replay(FRAMEWORKS, vocabulary), vocabulary)
    assert (info.kind, info.cue) == (TurnKind.FOLLOW_UP, cue)


@pytest.mark.parametrize(
    "text",
    [
        "how long does it take to become an ML engineer?",  # "it" points at nothing
        "is it worth learning TensorFlow in 2026?",
        "Is TensorFlow still used in production?",
        "which python libraries should i learn",
        "what does the guide say about courses that teach maths?",  # "that" is not a pronoun
        "should i learn PyTorch before scikit-learn",
        "is pytorch free",
    ],
)
def test_questions_that_stand_alone_are_not_follow_ups(text: str, vocabulary: Vocabulary) -> None:
    assert kind(text, FRAMEWORKS, vocabulary) in (TurnKind.STANDALONE, TurnKind.TOPIC_CHANGE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Is TensorFlow still used in production?", TurnKind.STANDALONE),
        ("should i learn PyTorch before scikit-learn", TurnKind.STANDALONE),
        ("how much do ml engineers earn?", TurnKind.TOPIC_CHANGE),
        ("what should i put in my portfolio", TurnKind.TOPIC_CHANGE),
        ("anyway, is pytorch free?", TurnKind.TOPIC_CHANGE),  # said so, though it names one
        ("ok never mind. what do junior ml engineers earn?", TurnKind.TOPIC_CHANGE),
        ("salaries in europe?", TurnKind.TOPIC_CHANGE),  # a fragment with a subject of its own
    ],
)
def test_a_change_of_topic_is_told_from_a_related_question(
    text: str, expected: TurnKind, vocabulary: Vocabulary
) -> None:
    assert kind(text, FRAMEWORKS, vocabulary) == expected


def test_a_sub_subject_continues_its_subject(vocabulary: Vocabulary) -> None:
    history = [("user", "what maths do i need"), ("assistant", "Linear algebra [1].")]
    assert kind("do i really need calculus?", history, vocabulary) == TurnKind.STANDALONE


@pytest.mark.parametrize(
    "text",
    [
        "I'm a Java developer and haven't done maths since school",
        "i'm a data analyst, i know python and sql",
        "I am a teacher. I have a maths degree.",
        "i know some python",
        "My background is in physics",
    ],
)
def test_statements_about_the_user(text: str, vocabulary: Vocabulary) -> None:
    assert kind(text, [], vocabulary) == TurnKind.STATEMENT
    assert kind(text, FRAMEWORKS, vocabulary) == TurnKind.STATEMENT


@pytest.mark.parametrize(
    "text",
    ["I'm a Java developer, where do I start?", "i know python. how long will it take?"],
)
def test_a_statement_with_a_question_is_a_question(text: str, vocabulary: Vocabulary) -> None:
    assert kind(text, [], vocabulary) != TurnKind.STATEMENT


def test_after_a_statement_a_personal_question_points_back(vocabulary: Vocabulary) -> None:
    history = [("user", "I'm a Java developer"), ("assistant", "Noted.")]
    state = replay(history, vocabulary)
    assert state.about_user == "I'm a Java developer"
    info = classify("how long will it take me?", state, vocabulary)
    assert info.kind == TurnKind.FOLLOW_UP


def test_the_state_remembers_what_answers_named(vocabulary: Vocabulary) -> None:
    state = replay(
        [
            ("user", "any videos for maths?"),
            ("assistant", "3Blue1Brown's Essence of Linear Algebra [1] and StatQuest [2]."),
        ],
        vocabulary,
    )
    assert [display_name(e.name) for e in state.mentioned] == [
        "Essence of Linear Algebra",
        "StatQuest",
    ]
    assert state.last is not None and [e.name for e in state.last.entities] == ["maths"]
    assert ConversationState().last is None


def test_a_fragment_continues_the_subject_it_shares(vocabulary: Vocabulary) -> None:
    salary = [("user", "how much do ml engineers earn?"), ("assistant", "Entry-level… [1]")]
    assert kind("salaries in europe?", salary, vocabulary) == TurnKind.FOLLOW_UP
    assert kind("europe?", salary, vocabulary) == TurnKind.FOLLOW_UP
    assert kind("and salaries?", FRAMEWORKS, vocabulary) == TurnKind.FOLLOW_UP


@pytest.mark.parametrize(
    ("previous", "text"),
    [
        ("should a total beginner start with azure ml", "what do i need to know before"),
        ("how is linear algebra different from a textbook?", "what do i need before starting"),
        ("what's the best first course", "should a beginner start there"),
        ("what does sagemaker do", "how do models get deployed there"),
    ],
)
def test_a_word_left_without_its_thing_points_at_the_subject_in_focus(
    previous: str, text: str, vocabulary: Vocabulary
) -> None:
    """ "before", "there", "instead" at the end of a message that names nothing: before (in,
    instead of) the thing the chat is about, as a pronoun would say it."""
    history = [("user", previous), ("assistant", "An answer. [1]")]
    assert kind(text, history, vocabulary) == TurnKind.FOLLOW_UP


@pytest.mark.parametrize(
    "text",
    [
        "what jobs are there",  # "there is/are": nothing pointed at
        "any remote jobs out there",
        "how much do ml engineers earn",
        "what python do i need before deep learning",  # the thing is named
    ],
)
def test_a_word_with_its_thing_or_an_existential_there_stands_alone(
    text: str, vocabulary: Vocabulary
) -> None:
    history = [("user", "what is numpy used for"), ("assistant", "NumPy does arrays. [1]")]
    assert kind(text, history, vocabulary) != TurnKind.FOLLOW_UP
