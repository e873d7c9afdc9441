"""What a follow-up points at when the conversation offers more than one candidate: the things
the questions named, the tools an answer listed, or the one thing an answer picked."""

from __future__ import annotations

from advisor.conversation import Vocabulary, replay, resolve
from advisor.conversation.rewrite import in_context
from tests.test_turns import card_titles

Turn = tuple[str, str]

ROLES_AND_TOOLS = (
    "**Data Scientist:** More experimental and statistical in nature. [1]\n\n"
    "MLOps is what differentiates a data scientist from a machine learning engineer:\n"
    "- Experiment tracking — MLflow, Weights & Biases\n"
    "- Model versioning and reproducibility — DVC (Data Version Control) [2]"
)
"""An answer about two roles that also lists the MLOps tools the guide names."""


def resolved(history: list[Turn], message: str) -> str:
    """`message` resolved after `history` (user and assistant turns as given)."""
    vocabulary = Vocabulary.from_titles(card_titles())
    return resolve(message, replay(history, vocabulary), vocabulary).question


def test_those_after_two_roles_are_the_roles_not_the_tools_the_answer_listed() -> None:
    history = [
        ("user", "whats an ml engineer"),
        ("assistant", "**Machine Learning Engineer:** Builds and deploys models. [1]"),
        ("user", "ok whats the difference between that and a data scientist"),
        ("assistant", ROLES_AND_TOOLS),
    ]
    asked = resolved(history, "which of those is easiest to break into")
    assert "data scientist" in asked.lower() and "ml engineer" in asked.lower()
    assert "MLflow" not in asked and "DVC" not in asked


def test_they_after_a_question_for_tools_are_still_the_tools_the_answer_named() -> None:
    history = [
        ("user", "what should i use for experiment tracking"),
        ("assistant", "The guide lists MLflow for experiment tracking next to Weights & Biases."),
    ]
    asked = resolved(history, "are they free?")
    assert "MLflow" in asked and "Weights & Biases" in asked


PICK = (
    "**Machine Learning Engineer:** Many ML engineers work at top companies without advanced "
    "degrees. [2]\n\n**Applied AI Engineer:** This is one of the most accessible entry points "
    "into AI engineering. [1]"
)
"""An answer to a choice between two roles that points at a third."""


def test_after_a_choice_they_is_what_the_answer_picked() -> None:
    history = [
        ("user", "which is easier to break into, ml engineer or data scientist?"),
        ("assistant", PICK),
    ]
    assert resolved(history, "what do they actually work with") == (
        "What do Applied AI Engineer actually work with?"
    )
    assert "Applied AI Engineer" in resolved(history, "what does that role actually involve")


def test_the_options_themselves_are_still_the_options_after_a_choice() -> None:
    history = [
        ("user", "which is easier to break into, ml engineer or data scientist?"),
        ("assistant", PICK),
    ]
    asked = resolved(history, "which one pays more")
    assert "data scientist" in asked.lower() and "Applied AI" not in asked


def test_an_answer_to_a_question_that_offered_no_choice_picks_nothing() -> None:
    history = [("user", "what does a data scientist do"), ("assistant", PICK)]
    asked = resolved(history, "what do they actually work with")
    assert "Applied AI" not in asked


def test_that_as_one_side_of_a_comparison_is_the_thing_in_focus() -> None:
    history = [
        ("user", "is the andrew ng course free"),
        ("assistant", "**Machine Learning Specialization (Andrew Ng, Coursera):** course. [1]"),
    ]
    asked = resolved(history, "whats better for me, that or statquest")
    assert "Machine Learning Specialization" in asked and "statquest" in asked.lower()


def test_a_fragment_naming_two_things_compares_them_not_one_in_the_last_question() -> None:
    history = [
        ("user", "whats better for me, the ng course or statquest"),
        ("assistant", "StatQuest covers probability and statistics with excellent clarity. [1]"),
    ]
    asked = resolved(history, "ok and pytorch or tensorflow").lower()
    assert "pytorch" in asked and "tensorflow" in asked  # both sides, in place of the old two
    assert "statquest" not in asked
    lone = [("user", "is statquest free"), ("assistant", "StatQuest is free. [1]")]
    asked = resolved(lone, "and pytorch or tensorflow?").lower()
    assert "pytorch" in asked and "tensorflow" in asked and "statquest" not in asked


def test_a_pronoun_in_the_clause_of_a_thing_named_points_back_not_at_that_thing() -> None:
    ndarray = [
        ("user", "whats an ndarray"),
        ("assistant", "Its central object is the ndarray, a fast multi-dimensional array. [1]"),
    ]
    assert "ndarray" in resolved(ndarray, "does pandas use it under the hood").lower()
    sklearn = [
        ("user", "what's scikit learn good for"),
        ("assistant", "It suits beginners learning their first models. [1]"),
    ]
    assert "scikit-learn" in resolved(sklearn, "can i do neural nets in it").lower()
    # a clause of its own after the name: the pronoun is that name, as before
    assert "mlflow" in resolved(sklearn, "mlflow - what is it?").lower()
    assert "scikit" not in resolved(sklearn, "mlflow - what is it?").lower()


PANDAS = (
    "pandas is an open-source Python library for working with tabular data, originally created "
    "by Wes McKinney. [1]\n\n**pandas — What it covers:** You use it to clean data. [2]"
)
"""An answer that leads with a card the question did not name (it named Python as context)."""


def test_it_after_an_answer_that_led_with_another_card_is_that_card() -> None:
    history = [
        ("user", "i use excel at work. in python what is the equivalent for work with tables?"),
        ("assistant", PANDAS),
    ]
    asked = resolved(history, "who create it")
    assert "pandas" in asked.lower() and "python" not in asked.lower()


PLOTS = (
    "The key libraries to learn, in order:\n- Core Python — data structures\n"
    "- Matplotlib and Seaborn — data visualization [1]\n\n"
    "**Seaborn — How it fits the guide's path:** The guide lists it with Matplotlib. [2]\n\n"
    "Matplotlib is the classic open-source plotting library for Python. [3]"
)
"""A list answer followed by the two cards it is about."""


def test_the_two_after_a_list_answer_are_the_cards_it_went_on_to_describe() -> None:
    history = [
        ("user", "biologist here. for making plots in python what does the guide recommend"),
        ("assistant", PLOTS),
    ]
    asked = resolved(history, "difference between the two?")
    assert "Seaborn" in asked and "Matplotlib" in asked and "Python" not in asked


APPLIED = (
    "**Applied AI Engineer:** Uses APIs, prompt engineering and orchestration frameworks. [1]\n\n"
    "**Google Vertex AI — Who it is for:** It suits applied AI engineers building on Google's "
    "models. [2]"
)
"""An answer about the role asked for that also mentions a platform further down."""


def test_they_after_an_answer_about_the_role_asked_for_is_that_role() -> None:
    history = [("user", "whats an 'applied ai engineer'?"), ("assistant", APPLIED)]
    asked = resolved(history, "what tools do they use day to day")
    assert "applied ai engineer" in asked.lower() and "Vertex" not in asked


def test_a_message_announcing_a_new_question_is_not_read_in_context() -> None:
    vocabulary = Vocabulary.from_titles(card_titles())
    history = [
        ("user", "does essence of linear algebra need linear algebra"),
        ("assistant", "**3Blue1Brown – Essence of Linear Algebra — Prerequisites:** None. [1]"),
    ]
    question = "new question: how long does the guide say it takes if ur starting from zero"
    state = replay(history, vocabulary)
    assert in_context(question, state, vocabulary).question == question


ROLES_THEN_PLATFORM = (
    "The terms AI Engineer, Machine Learning Engineer, and Data Scientist often appear "
    "interchangeably in job postings but refer to different roles. [1]\n\n" + APPLIED
)
"""An answer that opens on the roles in general before the role asked for and a platform."""


def test_they_after_asking_what_a_role_is_is_that_role_however_the_answer_opens() -> None:
    history = [
        ("user", "whats an 'applied ai engineer'? keep seeing it in job posts"),
        ("assistant", ROLES_THEN_PLATFORM),
    ]
    asked = resolved(history, "what tools/techniques do they use day to day")
    assert "applied ai engineer" in asked.lower() and "Vertex" not in asked


def test_an_it_that_says_things_is_the_guide() -> None:
    history = [
        ("user", "who wrote the guide"),
        ("assistant", "Ryan Mitchell [1] Career Development Advisor [1]"),
        ("user", "whats his twitter handle"),
        ("assistant", "Ryan writes about future-ready career skills. [1]"),
    ]
    asked = resolved(history, "which industries does it say use ai")
    assert asked == "Which industries does the guide say use ai?"
