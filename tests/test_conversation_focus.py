"""What a message is about, when its words are few: the passages that hold its rare terms are
searched for, and a pronoun finds its subject in the recent conversation (the last question's
term, a recent question's names), agreeing in number and skipping a relative "that"."""

from __future__ import annotations

from advisor import CareerAdvisor
from advisor.conversation import Vocabulary, replay, resolve
from advisor.conversation.english import names_a_thing, plural
from advisor.conversation.focus import with_card
from advisor.records import Answer, Source
from tests.test_conversation_mechanisms import chat
from tests.test_turns import card_titles

Turn = tuple[str, str]


def resolved(*turns: str) -> str:
    """The last user message resolved after the others (each answered by a placeholder)."""
    vocabulary = Vocabulary.from_titles(card_titles())
    history: list[Turn] = []
    for text in turns[:-1]:
        history += [("user", text), ("assistant", "An answer. [1]")]
    return resolve(turns[-1], replay(history, vocabulary), vocabulary).question


def cited_titles(answer: Answer) -> set[str]:
    return {s.title for s in answer.sources if s.cited}


# --- rare terms bring the passages that use them --------------------------------------------
def test_a_term_only_one_card_uses_is_answered_from_that_card(extractive: CareerAdvisor) -> None:
    _, autograd = chat(extractive, "who makes pytorch", "what's autograd")
    assert "computes gradients automatically" in autograd.text
    assert "PyTorch" in cited_titles(autograd)


def test_sweeps_are_answered_from_the_weights_and_biases_card(extractive: CareerAdvisor) -> None:
    (sweeps,) = chat(extractive, "what are sweeps")
    assert "Sweeps automate hyperparameter search" in sweeps.text


def test_a_rare_describing_word_brings_no_passage(extractive: CareerAdvisor) -> None:
    # "classic" is used only by the Matplotlib card ("the classic ... plotting library")
    answer = extractive.ask("which course is the classic intro to ML?")
    assert "Matplotlib" not in {s.title for s in answer.sources}
    assert "Andrew Ng" in answer.text


def test_things_are_told_from_verbs_and_describing_words() -> None:
    assert names_a_thing("autograd") and names_a_thing("sweeps") and names_a_thing("plotting")
    assert not names_a_thing("teach") and not names_a_thing("classic")


# --- a pronoun finds its subject in the recent conversation --------------------------------
def test_it_reaches_back_past_a_question_that_named_nothing(extractive: CareerAdvisor) -> None:
    *_, who = chat(
        extractive,
        "what does weights and biases actually log",
        "what are sweeps",
        "who uses it mostly",
    )
    assert who.question == "Who uses Weights & Biases mostly?"
    assert "popular with deep learning practitioners and researchers" in who.text


def test_a_follow_up_on_a_tool_after_a_question_on_its_parts_keeps_the_tool() -> None:
    assert resolved("what is mlflow", "what are runs", "is it free") == "Is MLflow free?"


def test_them_after_a_plural_term_means_that_term() -> None:
    question = resolved("what are transformers in ml", "do i need to learn them to build chatbots")
    assert question == "Do i need to learn transformers to build chatbots?"


def test_it_does_not_stand_for_a_plural_term() -> None:
    question = resolved("what does wandb log", "what are sweeps", "who uses it mostly")
    assert "sweeps" not in question and "Weights & Biases" in question


def test_the_last_questions_topic_is_nearer_than_an_earlier_tool() -> None:
    question = resolved("is pytorch free", "what projects should go in my portfolio", "what kinds?")
    assert question == "What kinds of portfolio projects?"


def test_a_relative_that_is_left_and_it_is_resolved() -> None:
    question = resolved("what is pca", "any video that explains it")
    assert question == "Any video that explains pca?"


def test_a_question_on_a_tools_facet_is_about_the_tool_not_its_part() -> None:
    """Prerequisites, cost and who it suits are a tool's: "it" after "what's autograd?" in a
    PyTorch chat is PyTorch when the question asks one of those."""
    asked = resolved("who develops pytorch", "whats autograd", "what do i need before starting it")
    assert asked == "What do i need before starting PyTorch?"
    asked = resolved("whats sagemaker", "what's jumpstart", "is it beginner friendly")
    assert asked == "Is Amazon SageMaker AI beginner friendly?"


def test_a_subject_said_first_is_what_the_pronoun_after_it_means() -> None:
    """ "the ng course labs, are they in jupyter?" asks about the labs it named (a rare name
    of a card's byline names the card), not about what the last answer listed."""
    asked = resolved("any videos for linear algebra?", "the ng course labs, are they in jupyter?")
    assert asked == "the ng course labs, are they in jupyter?"
    vocabulary = Vocabulary.from_titles(card_titles())
    names = {e.name for e in vocabulary.find("is coursera free? who is starmer? ng's course")}
    assert names == {"Machine Learning Specialization", "StatQuest"}
    assert not vocabulary.find("andrew and josh")  # names many people bear name no card
    assert resolved("is mlflow free", "ok so, is it hard to learn") == "Is MLflow hard to learn?"


def test_the_two_are_the_two_things_the_chat_named() -> None:
    asked = resolved(
        "whats the diff between an ML engineer and a data scientist",
        "which one is more coding heavy",
        "so what really separates the two in practice?",
    )
    assert "ML engineer" in asked and "data scientist" in asked and "the two" not in asked


def test_give_me_the_steps_asks_for_the_plan(extractive: CareerAdvisor) -> None:
    (steps,) = chat(extractive, "im a teacher wanting to switch to ML. give me the steps")
    assert "step 1, Understand the AI/ML Role Landscape" in steps.text
    assert "step 2, Build Your Mathematical Foundation" in steps.text


def test_back_to_a_subject_then_a_question_asks_the_question() -> None:
    asked = resolved(
        "what math do i need for ml",
        "whats the weather in lisbon tomorrow",
        "ok back to math. any videos for calculus",
    )
    assert asked == "ok back to math. any videos for calculus"  # searched as typed


def test_a_fragment_that_opens_with_a_preposition_narrows_the_last_question() -> None:
    asked = resolved("how many portfolio projects", "on what kind of problems")
    assert asked == "How many portfolio projects on what kind of problems?"


def test_them_is_the_plural_thing_the_last_question_asked_about() -> None:
    """ "where should i put them?" after a question on projects is about the projects, not
    about the tools the answer happened to list; "are they free?" still asks of the tools."""
    vocabulary = Vocabulary.from_titles(card_titles())
    answer = "Three projects: one in Python, one in PyTorch, one with TensorFlow. [1]"
    state = replay([("user", "how many projects tho"), ("assistant", answer)], vocabulary)
    asked = resolve("where should i put them", state, vocabulary).question
    assert asked == "Where should i put portfolio projects?"
    assert "PyTorch" in resolve("are they free?", state, vocabulary).question


def test_the_last_questions_definite_thing_belongs_to_the_tool_in_focus() -> None:
    asked = resolved(
        "is scikit learn good for neural nets", "what makes the api nice", "is it fast?"
    )
    assert asked == "Is scikit-learn fast?"


def test_a_fragment_that_says_what_a_thing_does_is_about_the_thing() -> None:
    """ "works with keras?" asks whether W&B works with Keras; it does not put Keras in W&B's
    place in the last question."""
    asked = resolved("who is wandb popular with", "works with keras?")
    assert asked == "Weights & Biases works with keras?"
    assert resolved("is pytorch free", "and tensorflow?") == "Is tensorflow free?"


def test_he_is_the_guides_author_after_a_question_about_the_author(
    extractive: CareerAdvisor,
) -> None:
    _, job, himself = chat(
        extractive, "who wrote this guide", "whats his job", "is he an ml engineer himself?"
    )
    assert job.question == "Whats the guide's author's job?"
    assert "Career Development Advisor" in job.text and not job.refused
    assert himself.question == "Is the guide's author an ml engineer?"
    assert resolved("who makes statquest", "is he a professor?") == (
        "Is the person behind StatQuest a professor?"
    )


def test_a_facet_of_one_tool_asks_of_the_tool_named_first(extractive: CareerAdvisor) -> None:
    """ "prereqs?" after "does numpy work with pytorch" is NumPy's; "are they free?" both."""
    _, prereqs = chat(extractive, "does numpy work with pytorch", "prereqs?")
    assert prereqs.question == "Prereqs — NumPy?"
    assert resolved("does numpy work with pytorch", "are they free?") == (
        "Are NumPy and PyTorch free?"
    )
    asked = resolved("docker vs dvc, whats the diff", "ok back to dvc, is it free?")
    assert "dvc" in asked.lower() and "docker" not in asked.lower()  # the return names it


def test_why_with_a_word_of_chat_after_it_is_a_bare_why() -> None:
    assert resolved("is xgboost still used", "why tho") == "Why is xgboost still used?"


def test_number_is_read_from_the_last_word() -> None:
    assert plural("transformers") and plural("llms") and plural("cnns")
    assert not plural("autograd") and not plural("feature engineering") and not plural("bias")


# --- a message tied to the field stays in an answered chat ----------------------------------
def test_a_short_form_or_a_pointer_keeps_a_weak_follow_up_in_the_chat(
    extractive: CareerAdvisor,
) -> None:
    _, backprop = chat(
        extractive, "what maths do i need", "where does backprop show up in the roadmap"
    )
    assert not backprop.refused and "backpropagation" in backprop.text
    _, flask = chat(extractive, "how do i deploy a model as an api", "is flask ok instead")
    assert not flask.refused and "FastAPI" in flask.text
    assert "The guide doesn't mention flask" in flask.text


def test_a_dictionary_word_the_sources_never_use_still_leaves_the_chat(
    extractive: CareerAdvisor,
) -> None:
    answers = chat(
        extractive,
        "what does an ml engineer do",
        "can u recommend a netflix show",
        "translate good morning to german",
        "whats the capital of mongolia",
    )
    assert not answers[0].refused
    assert [a.refused for a in answers[1:]] == [True, True, True]


def test_a_name_no_dictionary_lists_does_not_keep_a_message_in_the_chat(
    extractive: CareerAdvisor,
) -> None:
    # "pokemon" and "leetcode" look alike to a dictionary; only a short form of the corpus's
    # own words ("backprop") ties a message to the field
    answers = chat(
        extractive, "what does an ml engineer do", "best pokemon game?", "who won the superbowl"
    )
    assert [a.refused for a in answers] == [False, True, True]


# --- what a pronoun can stand for -----------------------------------------------------------
def test_people_are_paid_and_tools_are_paid_for() -> None:
    assert resolved("does meta hire people without a cs degree", "what do they pay") == (
        "What do ML engineers pay?"
    )
    assert "DVC" in resolved("whats dvc", "is it paid")


def test_a_role_named_with_its_own_question_is_not_swapped_into_the_last_one() -> None:
    question = resolved(
        "difference between data scientist and ml engineer?",
        "which one pays more",
        "and the applied ai one, whats that",
    )
    assert question == "and the applied ai one, whats that"


# --- a facet every card has is answered from that section -----------------------------------
def test_who_made_it_is_answered_from_the_cards_what_it_is(extractive: CareerAdvisor) -> None:
    _, maker = chat(extractive, "whats pandas for", "who made it")
    assert maker.question == "Who made pandas?"
    assert "Wes McKinney" in maker.text


def test_what_to_know_before_a_tool_is_answered_from_its_prerequisites(
    extractive: CareerAdvisor,
) -> None:
    pytorch = extractive.ask("what should i know before starting pytorch")
    assert "Solid Python and NumPy" in pytorch.text
    fastapi = extractive.ask("prereqs for fastapi?")
    assert "type hints" in fastapi.text


def test_who_made_them_after_two_tools_quotes_each_cards_maker(extractive: CareerAdvisor) -> None:
    *_, maker = chat(extractive, "mlflow vs weights and biases?", "who made it")
    assert "MLflow" in maker.question and "Weights & Biases" in maker.question
    assert "originally created by Databricks" in maker.text


def test_libs_is_the_word_for_libraries(extractive: CareerAdvisor) -> None:
    answer = extractive.ask("what about plotting libs")
    assert "Matplotlib" in answer.text and "mention libs" not in answer.text


def test_what_the_person_says_they_are_is_no_subject_to_point_at() -> None:
    question = resolved(
        "hi im a nurse with zero coding, realistic to switch to ai?",
        "how long would that take at 10 hrs a week",
    )
    assert "nurse" not in question


def test_a_second_look_keeps_what_an_earlier_one_added() -> None:
    def source(n: int) -> Source:
        return Source(id=f"s{n}", text="t", title="T", section=f"S{n}", source="x")

    retrieved = [source(n) for n in range(6)]  # k = 4, plus two card sections added before
    kept = with_card(retrieved, [source(9)], 4)
    assert [s.id for s in kept] == ["s0", "s9", "s1", "s2", "s3", "s4", "s5"]
    assert with_card(retrieved, [source(2)], 4) == retrieved  # nothing new: nothing dropped
