"""The conversation state (issue 21): subjects in focus, what answers said, the profile, and
follow-ups resolved against it rather than refused for a weak match alone."""

from __future__ import annotations

import pytest

from advisor import CareerAdvisor
from advisor.conversation import Vocabulary, replay
from advisor.conversation.coverage import amounts, uncovered_terms
from advisor.conversation.domain import DomainPrior, marks_off_topic
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.notes import coverage_note
from advisor.conversation.rewrite import in_context
from advisor.conversation.state import ConversationState, stays_on_topic
from advisor.text import tokens
from tests.test_turns import card_titles

CORPUS_WORDS = (
    "ml engineer data scientist easier break entry portfolio project pytorch docker guide mention"
)
ROLES = [
    ("user", "what does an ml engineer do"),
    ("assistant", "**Machine Learning Engineer:** Focuses on building models. [1]"),
    ("user", "and a data scientist?"),
    ("assistant", "**Data Scientist:** Focuses on research. [1] Often operates earlier. [1]"),
]


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.from_titles(card_titles())


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    known = set(tokens(CORPUS_WORDS))
    return Lexicon(known.__contains__, tuple(sorted(known)))


def test_every_message_updates_the_profile(vocabulary: Vocabulary) -> None:
    history = [
        ("user", "I know Python and pandas already"),
        ("assistant", "Noted."),
        ("user", "I'm a Java developer with no math"),
        ("assistant", "Noted."),
        ("user", "how long at 10 hours a week?"),  # a question also says something of them
    ]
    profile = replay(history, vocabulary).profile
    assert profile.python == "solid"
    assert profile.math == "none" and profile.programming_language == "Java"
    assert profile.hours_per_week == 10.0
    assert replay(history, vocabulary).to_dict()["profile"]["hours_per_week"] == 10.0


def test_the_state_keeps_what_answers_quoted_and_whether_any_came_from_the_sources(
    vocabulary: Vocabulary,
) -> None:
    state = replay(ROLES, vocabulary)
    assert state.in_scope and state.answered == 2
    assert state.last_said == ("Focuses on research.", "Often operates earlier.")
    assert "Focuses on building models." in state.said
    refused = replay([("user", "pizza?"), ("assistant", "I can't answer that.")], vocabulary)
    assert not refused.in_scope and refused.said == ()
    assert [e.name for e in state.focus] == ["Data Scientist"]


def test_an_unmarked_follow_up_is_read_against_the_subjects_in_focus(
    vocabulary: Vocabulary, lexicon: Lexicon
) -> None:
    state = replay(ROLES, vocabulary)
    question = "and which is easier to break into?"
    assert stays_on_topic(question, state, lexicon)
    resolved = in_context(question, state, vocabulary).question
    assert resolved.startswith("Which is easier to break into — ")
    assert "data scientist" in resolved.lower() and "ml engineer" in resolved.lower()
    assert not stays_on_topic("and pizza?", state, lexicon)  # a word the corpus never uses
    assert not stays_on_topic(question, ConversationState(), lexicon)  # nothing answered yet


def test_unknown_words_typos_and_amounts(lexicon: Lexicon) -> None:
    assert lexicon.unknown("Does the guide mention Kubernetes?") == ["Kubernetes"]
    assert lexicon.unknown("ok thanks, pytorhc or docker?") == []  # chat words and a typo
    assert amounts("how long at 10 hours a week?") == ["10 hours a week"]
    missing = uncovered_terms("kubernetes at 10 hours a week?", ["It takes 12 months."], lexicon)
    assert coverage_note(missing) == "The guide doesn't mention kubernetes or 10 hours a week."
    assert uncovered_terms("docker in 12 months?", ["It takes 12 months."], lexicon) == []


def test_a_follow_up_in_an_answered_conversation_is_not_refused(
    extractive: CareerAdvisor,
) -> None:
    history: list[tuple[str, str]] = []
    for question in ("what does an ml engineer do", "and a data scientist?"):
        answer = extractive.ask(question, history)
        history += [("user", question), ("assistant", answer.text)]
    answer = extractive.ask("and which is easier to break into?", history)
    assert not answer.refused, answer.question
    assert "Data Scientist" in answer.question or "data scientist" in answer.question
    assert "one of the most accessible entry points" in answer.text
    assert extractive.ask("will it rain tomorrow?", history).refused  # off topic mid-chat
    assert extractive.ask("what about pizza?", history).refused  # not hidden by the resolution


def test_a_plan_answer_uses_the_profile_and_never_asks_again(extractive: CareerAdvisor) -> None:
    history = [("user", "I'm a Java developer with no math"), ("assistant", "Noted.")]
    history += [("user", "10 hours a week"), ("assistant", "Noted.")]
    state = extractive.conversation(history)
    assert state.profile.math == "none" and state.profile.hours_per_week == 10.0
    assert state.to_dict()["profile"]["programming_language"] == "Java"
    answer = extractive.ask("what should I learn first?", history)
    asked = answer.text.rsplit("tell me", 1)[-1]
    assert "Your next step" in answer.text
    assert "Math" not in asked and "hours" not in asked and "programming" not in asked


# --- whether to answer: the field's prior and the person's own marker -----------------------
def test_the_field_prior_leans_to_the_field_or_to_everyday_life(extractive: CareerAdvisor) -> None:
    prior = DomainPrior.build(extractive.retriever.embeddings)
    assert prior.margin("how do you test a model properly") > 0
    assert prior.margin("any tips for my resume") > 0
    assert prior.margin("what's the weather like in rome tomorrow") < 0
    assert prior.margin("whats a good recipe for risotto") < 0


def test_a_person_may_say_the_message_leaves_the_topic() -> None:
    assert marks_off_topic("off topic but what's a good recipe for risotto")
    assert marks_off_topic("unrelated, best laptop for video editing?")
    assert not marks_off_topic("is hugging face related to pytorch?")  # "related", not a marker


def test_a_message_marked_off_topic_is_judged_alone(extractive: CareerAdvisor) -> None:
    first = extractive.ask("what does pytorch do")
    history = [("user", "what does pytorch do"), ("assistant", first.text)]
    for typed in (
        "off topic but what's a good recipe for risotto",  # "recipe": a word of a card
        "off topic, what laptop should i buy for gaming",  # "laptop": a word of a card
    ):
        assert extractive.ask(typed, history).refused, typed
    gpu = extractive.ask("unrelated, but do i need a gpu to learn deep learning?", history)
    assert not gpu.refused, gpu.question  # marked, yet in the field: the bar admits it


def test_a_household_problem_is_not_read_as_a_question_about_the_tool_in_focus(
    extractive: CareerAdvisor,
) -> None:
    first = extractive.ask("what does pytorch do")
    history = [("user", "what does pytorch do"), ("assistant", first.text)]
    for typed in (
        "my wifi keeps dropping, how do i fix it",
        "how do i fix my wifi, it keeps disconnecting",
    ):
        assert extractive.ask(typed, history).refused, typed  # "it" is the wifi, not PyTorch


def test_a_message_the_prior_reads_as_the_field_is_answered(extractive: CareerAdvisor) -> None:
    assert not extractive.ask("how should i evaluate a model properly").refused  # a first question
    assert extractive.ask("what qualifications do i need to be a nurse?").refused  # elsewhere
    first = extractive.ask("what does an ml engineer do")
    history = [("user", "what does an ml engineer do"), ("assistant", first.text)]
    for typed in ("any cv tips", "is a bootcamp enough", "any resume tips"):
        assert not extractive.ask(typed, history).refused, typed
    assert extractive.ask("will it rain tomorrow?", history).refused


def answered(advisor: CareerAdvisor, asked: str) -> list[tuple[str, str]]:
    """A chat's history after one question and its offline answer."""
    return [("user", asked), ("assistant", advisor.ask(asked).text)]


def test_what_the_person_tells_mid_chat_qualifies_the_question_before(
    extractive: CareerAdvisor,
) -> None:
    """Issue 21: "i can only do 10 hours a week tho" is about the path just asked of."""
    asked = "how long does it take to become an ml engineer"
    history = answered(extractive, asked)
    answer = extractive.ask("i can only do 10 hours a week tho", history)
    assert not answer.refused, answer.question
    assert "12–24 months" in answer.text
    assert "The guide doesn't mention 10 hours a week" in answer.text
    assert extractive.ask("i really like pizza tho", history).refused  # tells nothing of them


def test_two_words_the_corpus_writes_as_one_stay_on_topic(extractive: CareerAdvisor) -> None:
    asked = "pandas can join 2 tables like sql join?"
    history = answered(extractive, asked)
    answer = extractive.ask("and group by?", history)  # the pandas card's "groupby"
    assert not answer.refused, answer.question
    assert "groupby" in answer.text
    assert extractive.ask("and group chats?", history).refused


def test_a_tool_the_guide_lacks_asked_about_mid_chat_is_answered_with_a_note(
    extractive: CareerAdvisor,
) -> None:
    """Issue 21: "do i need leetcode" after an interview question asks about a tool of the
    trade: answered from what the guide says, with a note naming it, not refused. A name asked
    about for no need of the learner's ("do you like beyonce") is still refused."""
    asked = "how do i prep for ml interviews"
    history = answered(extractive, asked)
    answer = extractive.ask("do i need leetcode", history)
    assert not answer.refused, answer.question
    assert "portfolio" in answer.text
    assert "The guide doesn't mention leetcode" in answer.text
    for typed in ("do you like beyonce", "whats minecraft", "lol do u like anime"):
        assert extractive.ask(typed, history).refused, typed
