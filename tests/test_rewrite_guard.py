"""A model's rewrite of a follow-up is checked before it is searched for (issue 22), and the
model is not asked at all when the offline rewriter is sure.

The rewrites below are the ones real small models gave; the shipped fake model replays them.
"""

from __future__ import annotations

import pytest

from advisor import CareerAdvisor, FakeChatModel, Store
from advisor.conversation import Vocabulary, replay, resolve
from advisor.conversation.rewrite_guard import accept, offline_is_sure
from advisor.llm import ChatAnswerer

ROLE = "An ML engineer builds, deploys and maintains machine learning systems in production [1]."
PAY = "Entry-level ML roles typically start at $100,000–130,000 USD [1]."
ABOUT_ROLE = [("user", "What does an ML engineer do?"), ("assistant", ROLE)]
ABOUT_PAY = [("user", "How much do ML engineers earn?"), ("assistant", PAY)]
APOLOGY = "I'm sorry for the confusion… I'm ready to assist you."


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_titles(())


@pytest.mark.parametrize(
    ("rewrite", "question", "history"),
    [
        ("What does an ML engineer do?", "and what about a data scientist?", ABOUT_ROLE),
        ("How much do ML engineers earn?", "And in Europe?", ABOUT_PAY),
        (PAY, "And in Europe?", ABOUT_PAY),  # the previous answer
        (PAY.replace(" [1]", ""), "why?", ABOUT_PAY),  # the previous answer, marks dropped
        (APOLOGY, "why?", ABOUT_PAY),
        (APOLOGY, "And in Europe?", ABOUT_PAY),
        (" ".join([APOLOGY] * 60), "why?", ABOUT_PAY),  # repeated up to the token limit
        ("Sorry, I can't help with that.", "why?", ABOUT_PAY),
        ("", "why?", ABOUT_PAY),
    ],
)
def test_a_rewrite_that_loses_the_question_is_refused(
    vocabulary: Vocabulary, rewrite: str, question: str, history: list[tuple[str, str]]
) -> None:
    assert not accept(rewrite, question, history, vocabulary)


@pytest.mark.parametrize(
    ("rewrite", "question", "history"),
    [
        ("What does a data scientist do?", "and what about a data scientist?", ABOUT_ROLE),
        ("How much do ML engineers earn in Europe?", "And in Europe?", ABOUT_PAY),
        ("What do senior ML engineers earn?", "And senior ones?", ABOUT_PAY),
        ("Why do ML engineers earn so much?", "why?", ABOUT_PAY),
    ],
)
def test_a_rewrite_that_resolves_the_reference_is_taken(
    vocabulary: Vocabulary, rewrite: str, question: str, history: list[tuple[str, str]]
) -> None:
    assert accept(rewrite, question, history, vocabulary)


@pytest.mark.parametrize(
    ("question", "history", "sure"),
    [
        ("and what about a data scientist?", ABOUT_ROLE, True),  # a role for a role
        ("is it hard?", ABOUT_ROLE, True),  # one thing named before
        ("are they free?", [("user", "Any good videos for maths?")], False),  # the videos?
        ("And in Europe?", ABOUT_PAY, False),  # a qualifier: where it goes is a judgement
        ("why?", ABOUT_PAY, False),
        ("Should I learn PyTorch or TensorFlow first?", ABOUT_PAY, True),  # a new question
    ],
)
def test_the_offline_rewriter_knows_when_it_is_sure(
    vocabulary: Vocabulary, question: str, history: list[tuple[str, str]], sure: bool
) -> None:
    state = replay(history, vocabulary)
    assert offline_is_sure(resolve(question, state, vocabulary), state) is sure


def advisor_with(store: Store, *replies: str) -> tuple[CareerAdvisor, FakeChatModel]:
    settings = store.settings.with_(backend="fake")
    model = FakeChatModel(responses=list(replies))
    return CareerAdvisor(settings, store, ChatAnswerer(model, settings, "fake")), model


def test_a_sure_follow_up_makes_no_rewrite_call(shared_store: Store) -> None:
    advisor, model = advisor_with(shared_store)
    answer = advisor.ask("and what about a data scientist?", ABOUT_ROLE)
    assert answer.question == "What does a data scientist do?"
    assert len(model.calls) == 1  # the answer only
    assert "Standalone question" not in str(model.calls[0][-1].content)


@pytest.mark.parametrize("reply", ["How much do ML engineers earn?", APOLOGY, PAY])
def test_a_refused_rewrite_falls_back_to_the_offline_one(shared_store: Store, reply: str) -> None:
    advisor, model = advisor_with(shared_store, reply)
    answer = advisor.ask("And in Europe?", ABOUT_PAY)
    assert "Standalone question" in str(model.calls[0][-1].content)  # the model was asked
    assert answer.question == "How much do ML engineers earn in Europe?"


def test_a_good_rewrite_is_used(shared_store: Store) -> None:
    advisor, _ = advisor_with(shared_store, "What do ML engineers earn in Europe?")
    answer = advisor.ask("And in Europe?", ABOUT_PAY)
    assert answer.question == "What do ML engineers earn in Europe?"
