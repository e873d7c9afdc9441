"""The general conversation mechanisms of issue 21, each on conversations typed as people type:
retrieval with the conversation fused in, where-to-learn answered from the cards, a follow-up
that only narrows, coverage of passing mentions, no list quoted twice, the profile kept."""

from __future__ import annotations

import pytest

from advisor import CareerAdvisor
from advisor.conversation import ConversationState, TurnKind, Vocabulary, replay, resolve
from advisor.conversation.layout import parts_of
from advisor.conversation.leads import Line
from advisor.conversation.notes import card_note, given_instead
from advisor.conversation.recall import context_of, fuse, query_vector
from advisor.conversation.selection import narrowed, said_before
from advisor.conversation.structure import Unit
from advisor.conversation.turns import only_constraints
from advisor.records import Answer
from tests.test_turns import card_titles

Turn = tuple[str, str]


def chat(advisor: CareerAdvisor, *messages: str) -> list[Answer]:
    """Each message asked with the turns before it as history."""
    history: list[Turn] = []
    answers = []
    for message in messages:
        answer = advisor.ask(message, history)
        answers.append(answer)
        history += [("user", message), ("assistant", answer.text)]
    return answers


def notes_of(answer: Answer) -> list[str]:
    return parts_of(answer.text)[1]


# --- 1. retrieval that uses the conversation -----------------------------------------------
def test_fusing_keeps_unit_length_and_leans_to_the_heavier_vector() -> None:
    fused = fuse([[1.0, 0.0], [0.0, 1.0]], [1.0, 0.4])
    assert abs(sum(x * x for x in fused) - 1.0) < 1e-9
    assert fused[0] > fused[1] > 0
    assert query_vector("q", "", lambda text: [0.6, 0.8]) == [0.6, 0.8]


def test_only_a_question_that_does_not_name_its_subject_gets_context() -> None:
    vocabulary = Vocabulary.from_titles(card_titles())
    state = replay([("user", "what is mlflow"), ("assistant", "MLflow is a tool. [1]")], vocabulary)
    assert context_of(state, TurnKind.FOLLOW_UP, "is there a cost?", vocabulary) == "what is mlflow"
    # read as standalone (it names nothing), yet it asks about the subject in focus
    assert context_of(state, TurnKind.STANDALONE, "pricing?", vocabulary) == "what is mlflow"
    assert context_of(state, TurnKind.FOLLOW_UP, "Is MLflow free?", vocabulary) == ""
    assert context_of(state, TurnKind.FOLLOW_UP, "and a data scientist?", vocabulary) == ""
    assert context_of(state, TurnKind.STANDALONE, "how much do ml engineers earn", vocabulary) == ""
    assert context_of(state, TurnKind.STANDALONE, "new question: salaries?", vocabulary) == ""
    assert context_of(state, TurnKind.TOPIC_CHANGE, "salaries?", vocabulary) == ""
    assert context_of(ConversationState(), TurnKind.STANDALONE, "pricing?", vocabulary) == ""


def test_a_message_naming_nothing_is_searched_on_the_subject_in_focus(
    extractive: CareerAdvisor,
) -> None:
    """ "where does the data live then" names no subject; after DVC it asks where DVC keeps
    the data (the card's remote storage), not about data scientists or deep learning."""
    _, where = chat(extractive, "what is dvc", "where does the data live then")
    assert not where.refused
    assert "remote storage" in where.text
    assert where.sources[0].title.startswith("DVC")


def test_is_it_free_after_a_course_lands_on_that_course(extractive: CareerAdvisor) -> None:
    first, free = chat(
        extractive, "is the machine learning specialization any good for beginners", "is it free?"
    )
    assert not free.refused and "Machine Learning Specialization" in free.question
    cited = [s for s in free.sources if s.cited]
    assert any(s.title.startswith("Machine Learning Specialization") for s in cited)
    assert "paid" in free.text and free.text != first.text


def test_a_standalone_question_after_a_pytorch_chat_is_not_pulled_to_pytorch(
    extractive: CareerAdvisor,
) -> None:
    *_, salary = chat(
        extractive, "pytorch or tensorflow?", "why?", "how much do ml engineers make?"
    )
    assert salary.question == "how much do ml engineers make?"
    assert "$100,000–130,000" in salary.text or "$200,000–400,000" in salary.text
    assert "PyTorch" not in salary.text
    assert not any(s.title in ("PyTorch", "TensorFlow / Keras") for s in salary.sources)


# --- 2. where can I learn it? ---------------------------------------------------------------
def test_where_can_i_learn_it_quotes_the_card_not_the_first_answer(
    extractive: CareerAdvisor,
) -> None:
    first, where = chat(extractive, "what's pytorch", "ok where can i learn it?")
    assert not where.refused and where.text != first.text
    assert "**PyTorch:** library; cost: free" in where.text  # the card's own front matter
    assert not set(parts_of(where.text)[0]) <= set(parts_of(first.text)[0])


def test_videos_for_the_maths_just_discussed_are_the_video_cards(
    extractive: CareerAdvisor,
) -> None:
    _, videos = chat(extractive, "what maths do i need", "any videos for that?")
    assert "3Blue1Brown" in videos.text and "video series" in videos.text


# --- 3. a follow-up that only narrows -------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "narrows"),
    [
        ("at 10 hours a week", True),
        ("only like 5 hrs per week tho", True),
        ("in the uk?", True),
        ("I can do 10 hours a week", False),  # says something about the user
        ("salaries in europe?", False),  # a subject of its own
        ("pizza", False),
    ],
)
def test_a_message_that_only_narrows(message: str, narrows: bool) -> None:
    assert only_constraints(message) is narrows


def test_hours_a_week_continue_the_question_with_a_note_from_the_sources(
    extractive: CareerAdvisor,
) -> None:
    _, hours, europe = chat(
        extractive,
        "how long does it take to become an ml engineer",
        "at 10 hours a week",
        "and in europe?",
    )
    assert not hours.refused and not europe.refused
    assert "12–24 months" in hours.text
    assert any("10 hours a week" in n and "12–24 months" in n for n in notes_of(hours))
    assert any("Europe" in n for n in notes_of(europe))


def test_the_note_names_the_figure_of_the_same_kind_the_sources_give() -> None:
    quoted = ["It typically takes 12–24 months of dedicated learning before you are ready."]
    assert given_instead(["10 hours a week"], quoted) == "12–24 months of dedicated learning"
    assert given_instead(["Europe"], quoted) == ""
    assert given_instead(["10 hours a week"], ["No figure here."]) == ""


# --- 4. coverage: a passing mention is not the guide covering it ----------------------------
def test_a_term_only_a_card_names_is_said_to_be_in_passing() -> None:
    docker = ("Docker", "Most cloud ML services and Kubernetes run containers.")
    k8s = ("Kubernetes", "Kubernetes runs containers. Kubernetes schedules pods.")
    assert card_note("Kubernetes", [docker]) == (
        "The guide doesn't mention Kubernetes; the Docker card names it only in passing."
    )
    assert card_note("Kubernetes", [k8s]).endswith("the Kubernetes card covers it.")
    assert card_note("Kubernetes", []) == "The guide doesn't mention Kubernetes."


def test_does_the_guide_mention_kubernetes(extractive: CareerAdvisor) -> None:
    answer = extractive.ask("does the guide mention kubernetes?")
    assert not answer.refused
    assert any("guide doesn't mention kubernetes" in n.lower() for n in notes_of(answer))
    assert any("in passing" in n for n in notes_of(answer))


# --- 5. no list quoted twice ----------------------------------------------------------------
def test_a_list_said_before_keeps_only_the_items_that_answer() -> None:
    items = ("Supervised learning — linear regression", "Unsupervised learning — K-means, PCA")
    unit = Unit(1, ("These techniques:", *items), "4. ML", 0, True, "These techniques:", True)
    said = said_before([("assistant", f"These techniques:\n- {items[0]}\n- {items[1]} [1]")])
    (line,) = narrowed([Line(unit.body(), 1, "", unit)], "what is PCA?", said, lambda _: 1.0)
    assert line.unit is not None and line.unit.items == (items[1],)
    assert line.body.startswith("These techniques:")
    fresh = narrowed([Line(unit.body(), 1, "", unit)], "what is PCA?", frozenset(), lambda _: 1.0)
    assert fresh[0].unit == unit  # never said: quoted whole


def test_and_what_is_pca_does_not_repeat_the_list(extractive: CareerAdvisor) -> None:
    first, pca = chat(extractive, "What is feature engineering?", "and what is PCA?")
    assert "PCA" in pca.text and pca.text != first.text
    repeated = set(parts_of(first.text)[0]) & set(parts_of(pca.text)[0])
    assert not any("Supervised learning" in piece for piece in repeated)


# --- 6. the profile ---------------------------------------------------------------------------
def test_no_coding_background_means_python_is_not_asked_again(extractive: CareerAdvisor) -> None:
    _, start = chat(extractive, "im a nurse with no coding background", "where should i start?")
    assert "Your next step" in start.text
    assert "Python level" not in start.text and "programming experience" not in start.text


def test_where_do_i_even_start_asks_for_the_plan(extractive: CareerAdvisor) -> None:
    _, start = chat(
        extractive, "im a nurse, could i become an ml engineer", "ok where do i even start"
    )
    assert "Your next step — step" in start.text  # the plan, not a FAQ verdict


def test_a_plan_answer_after_python_and_hours_asks_for_neither(extractive: CareerAdvisor) -> None:
    _, first = chat(
        extractive,
        "I know Python and pandas already. I can do 10 hours a week.",
        "what should I learn first?",
    )
    assert "Your next step" in first.text
    assert "Python level" not in first.text and "hours per week" not in first.text
    assert not any("10 hours" in n for n in notes_of(first))


# --- typed as people type: fragments, contractions, abbreviations ---------------------------
def test_with_a_cs_degree_after_a_how_long_question_narrows_it(extractive: CareerAdvisor) -> None:
    _, degree, weekends = chat(
        extractive,
        "how long to become ml engineer",
        "what about with a CS degree?",
        "and if i only have weekends",
    )
    assert degree.question == "How long to become ml engineer with a CS degree?"
    assert "12–24 months" in degree.text and "No." not in degree.text  # not the degree FAQ
    assert not weekends.refused and weekends.question.endswith("if i only have weekends?")


def test_and_x_after_a_definition_asks_for_x(extractive: CareerAdvisor) -> None:
    *_, rnns = chat(extractive, "what is transfer learning", "and what are cnns?", "and rnns?")
    assert rnns.question == "And what are rnns?"
    assert "Recurrent Neural Networks" in rnns.text or "RNNs" in rnns.text
    assert not any("rnns" in n.lower() for n in notes_of(rnns))  # the guide spells them out


def test_a_contraction_typed_without_its_apostrophe_is_no_missing_term(
    extractive: CareerAdvisor,
) -> None:
    answer = extractive.ask("whats mlflow")
    assert "MLflow" in answer.text and notes_of(answer) == []


def test_a_refused_question_is_not_what_the_next_follow_up_narrows() -> None:
    vocabulary = Vocabulary.from_titles(card_titles())
    history = [
        ("user", "how much do ml engineers earn"),
        ("assistant", "In the US market, entry-level ML roles start at $100,000. [1]"),
        ("user", "for my dog?"),
        ("assistant", "I can't answer that from my sources."),
    ]
    state = replay(history, vocabulary)
    assert state.last is not None and state.last.text.endswith("for my dog?")
    assert state.last_answered is not None
    assert state.last_answered.text == "how much do ml engineers earn"
    assert resolve("in london?", state, vocabulary).question == (
        "How much do ml engineers earn in london?"
    )


def test_maths_done_at_university_is_not_asked_again(extractive: CareerAdvisor) -> None:
    _, first = chat(
        extractive, "i did calculus and linear algebra at uni", "what should i learn first?"
    )
    assert "Your next step" in first.text and "Math level" not in first.text


def test_a_follow_up_that_swaps_the_subject_is_not_pulled_back(extractive: CareerAdvisor) -> None:
    _, scientist = chat(extractive, "what does an ml engineer do", "and a data scientist?")
    assert scientist.question == "What does a data scientist do?"
    assert "**Data Scientist:**" in scientist.text
    assert "Often operates earlier in the ML lifecycle" in scientist.text


def test_a_new_users_timeline_then_framework_chat_answers_each_turn(
    extractive: CareerAdvisor,
) -> None:
    """A chat held by hand in the app (session 8): the hours were dropped from the rewrite, and
    "pytorch or tensorflow?" was read as narrowing the timeline question, so it opened with the
    12–24 months sentence."""
    first, hours, frameworks = chat(
        extractive,
        "hi, i'm a high school math teacher, know a bit of python. how would i get into ML?",
        "how long would that take me at like 8 hours a week?",
        "pytorch or tensorflow?",
    )
    assert not first.refused and not hours.refused and "12–24 months" in hours.text
    assert any("8 hours a week" in note for note in notes_of(hours)), hours.text
    assert frameworks.text.startswith("PyTorch is the better first choice"), frameworks.text
    assert "12–24 months" not in frameworks.text


def test_a_follow_up_with_a_note_does_not_repeat_the_last_answer(extractive: CareerAdvisor) -> None:
    """ "and senior?" after a UK salary question repeated the whole last answer in a hand-typed
    app chat: the note on "UK" (uncited) kept the second, repeat-free pass from running."""
    *_, entry, senior = chat(
        extractive,
        "is a bootcamp worth it or should i do a masters?",
        "how much do entry level ml engineers make in the uk",
        "and senior?",
    )
    assert senior.text.startswith("Senior ML engineers"), senior.text
    assert senior.text != entry.text
    assert any("UK" in note for note in notes_of(senior)), senior.text


def test_short_forms_are_searched_as_the_names_the_sources_use(
    extractive: CareerAdvisor,
) -> None:
    titles = ["scikit-learn", "Weights & Biases", "TensorFlow / Keras", "StatQuest"]
    spelled = Vocabulary.from_titles(titles).spelled_out
    assert spelled("wandb vs mlflow?") == "Weights & Biases vs mlflow?"
    assert spelled("do i need tf and stats") == "do i need TensorFlow and statistics"
    assert spelled("life as an mle") == "life as a Machine Learning Engineer"
    assert spelled("is keras in tensorflow") == "is keras in tensorflow"  # names they use
    answer = extractive.ask("what does wandb do")
    assert answer.question == "what does Weights & Biases do"
    assert "hosted platform for tracking" in answer.text and "mention wandb" not in answer.text


@pytest.mark.parametrize(
    ("question", "refused"),
    [
        ("is sql important for this career", False),  # the field's own word, weakly matched
        ("how would i evaluate my model", False),
        ("give me a recipe for lemon cake", True),  # "recipe" is in a card; the rest is not
        ("write a song about winter", True),
    ],
)
def test_a_first_question_in_the_fields_words_is_not_refused_for_a_weak_match(
    extractive: CareerAdvisor, question: str, refused: bool
) -> None:
    assert extractive.ask(question).refused is refused


def test_a_follow_up_pointing_back_is_answered_though_it_names_an_unknown_tool(
    extractive: CareerAdvisor,
) -> None:
    history: list[tuple[str, str]] = []
    first = extractive.ask("how do i deploy a model as an api?")
    assert not first.refused
    history += [("user", "how do i deploy a model as an api?"), ("assistant", first.text)]
    for typed, refused in (
        ("should i learn terraform for it?", False),  # "it": the subject in focus
        ("tell me a riddle", True),  # one word of its own, unknown: not a bare "why?"
        ("what's the weather like this weekend", True),  # "this weekend": no pronoun
    ):
        answer = extractive.ask(typed, history)
        assert answer.refused is refused, (typed, answer.question)
    note = extractive.ask("should i learn terraform for it?", history).text
    assert "mention terraform" in note.lower() or "mention Terraform" in note


def test_the_diff_between_two_roles_is_the_role_comparison(extractive: CareerAdvisor) -> None:
    answer = extractive.ask("so whats the diff between a data scientist and an applied ai engineer")
    assert "**Data Scientist:**" in answer.text and "**Applied AI Engineer:**" in answer.text
    assert "mention diff" not in answer.text
