"""Learning plans, timelines, the role comparison and the number check, over the real index."""

from __future__ import annotations

import re

import pytest

from advisor import CareerAdvisor, FakeChatModel, InputError, Plan, Profile, Store
from advisor.llm import ChatAnswerer
from advisor.numbers import FLAG
from advisor.planning.outline import Outline
from advisor.planning.plan import build_plan
from advisor.planning.roles import ASPECTS, NOT_COVERED, ROLES, capitalised

CITATION = re.compile(r"\[(\d+)\]")

BEGINNER = Profile(
    programming="none",
    python="none",
    math="none",
    classical_ml="none",
    deep_learning="none",
    mlops="none",
    hours_per_week=20,
    target_role="Machine Learning Engineer",
)
PYTHON_DEV = Profile(
    python="solid",
    math="some",
    classical_ml="none",
    deep_learning="none",
    mlops="some",
    hours_per_week=10,
    target_role="Applied AI Engineer",
)
DATA_SCIENTIST = Profile(
    python="solid",
    math="solid",
    classical_ml="solid",
    deep_learning="some",
    mlops="none",
    hours_per_week=15,
    target_role="Machine Learning Engineer",
)


def stored_passages(advisor: CareerAdvisor) -> dict[str, str]:
    """Every stored passage id with its text."""
    return {c.id: c.text for c in advisor.retriever.keyword_index().chunks}


def assert_cites_only_stored_sources(plan: Plan, advisor: CareerAdvisor) -> None:
    stored = stored_passages(advisor)
    assert plan.sources
    for source in plan.sources:
        assert stored.get(source.id) == source.text, source.id
    for step in plan.steps:
        cited = plan.sources[step.citation - 1]
        assert step.why and " ".join(step.why.split()) in " ".join(cited.text.split())
        assert cited.section.startswith(f"{step.number}. ")
        for resource in step.resources:
            card = plan.sources[resource.citation - 1]
            assert card.title == resource.title and card.url == resource.url
        for note in step.notes:
            for n in map(int, CITATION.findall(note)):
                assert 1 <= n <= len(plan.sources)


def statuses(plan: Plan) -> dict[int, str]:
    return {step.number: step.status for step in plan.steps}


def test_beginner_gets_all_seven_steps_in_order_with_resources(extractive: CareerAdvisor) -> None:
    plan = extractive.plan(BEGINNER)
    assert [s.number for s in plan.steps] == [1, 2, 3, 4, 5, 6, 7]
    assert set(statuses(plan).values()) == {"full"}
    assert plan.steps[1].title == "Build Your Mathematical Foundation"
    by_step = {s.number: {r.title for r in s.resources} for s in plan.steps}
    assert "StatQuest with Josh Starmer" in by_step[2]
    assert {"NumPy", "pandas", "Python"} <= by_step[3]
    assert "Machine Learning Specialization (Andrew Ng, Coursera)" in by_step[4]
    assert {"PyTorch", "TensorFlow / Keras"} <= by_step[5]
    assert {"MLflow", "Docker", "FastAPI"} <= by_step[6]
    assert "GitHub" in by_step[7]
    pytorch = next(r for r in plan.steps[4].resources if r.title == "PyTorch")
    assert pytorch.url == "https://pytorch.org/" and pytorch.cost == "free"
    assert any("Linear Algebra" in t for t in plan.steps[1].topics)
    assert_cites_only_stored_sources(plan, extractive)
    assert plan.missing == []


def test_python_developer_skips_python_and_shortens_math(extractive: CareerAdvisor) -> None:
    plan = extractive.plan(PYTHON_DEV)
    assert statuses(plan) == {
        1: "full",
        2: "shortened",
        3: "skipped",
        4: "full",
        5: "full",
        6: "shortened",
        7: "full",
    }
    python_step = plan.steps[2]
    assert python_step.resources == () and python_step.topics == ()
    assert any("'solid'" in note for note in python_step.notes)
    assert "Applied AI Engineer" in " ".join(plan.steps[0].notes)
    assert_cites_only_stored_sources(plan, extractive)


def test_data_scientist_moving_to_ml_engineering(extractive: CareerAdvisor) -> None:
    plan = extractive.plan(DATA_SCIENTIST)
    assert statuses(plan) == {
        1: "full",
        2: "skipped",
        3: "skipped",
        4: "skipped",
        5: "shortened",
        6: "full",
        7: "full",
    }
    mlops = plan.steps[5]
    assert any("differentiates a data scientist" in note for note in mlops.notes)
    assert {r.title for r in mlops.resources} >= {"MLflow", "DVC (Data Version Control)"}
    assert_cites_only_stored_sources(plan, extractive)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (BEGINNER, (12, 24)),  # the guide's range at the reference pace, nothing known yet
        (Profile(**{**BEGINNER.__dict__, "hours_per_week": 10.0}), (24, 48)),
        (Profile(**{**BEGINNER.__dict__, "hours_per_week": 40.0}), (6, 12)),
        # 4 full + 2 shortened + 1 skipped of 7 steps = 5/7; 20/10 h = 2x
        (PYTHON_DEV, (17, 35)),
        # 3 full + 1 shortened of 7 = 3.5/7; 20/15 h
        (DATA_SCIENTIST, (8, 16)),
    ],
)
def test_timeline_follows_the_guides_range(
    extractive: CareerAdvisor, profile: Profile, expected: tuple[int, int]
) -> None:
    plan = extractive.plan(profile)
    timeline = plan.timeline
    assert (timeline.low_months, timeline.high_months) == expected
    guide_line = timeline.assumptions[0]
    n = int(CITATION.findall(guide_line)[0])
    assert "12–24 months" in plan.sources[n - 1].text and "12–24 months" in guide_line
    assert any("not from the guide" in a and "20 hours a week" in a for a in timeline.assumptions)
    assert timeline.assumptions[-1].endswith(f"= {expected[0]}–{expected[1]} months.")


def test_more_background_never_means_a_longer_timeline(extractive: CareerAdvisor) -> None:
    hours = {"hours_per_week": 12.0}
    low = extractive.plan(Profile(**hours)).timeline
    some = extractive.plan(Profile(python="some", math="some", **hours)).timeline
    solid = extractive.plan(Profile(python="solid", math="solid", **hours)).timeline
    assert low.high_months is not None and some.high_months is not None
    assert solid.high_months is not None
    assert low.high_months > some.high_months > solid.high_months


def test_unknown_fields_are_assumed_and_listed_as_missing(extractive: CareerAdvisor) -> None:
    plan = extractive.plan({"skills": {"python": "some"}})
    assert "hours per week you can study" in plan.missing
    assert any("have not said your weekly hours" in a for a in plan.timeline.assumptions)
    assert any("have not said your Math level" in n for n in plan.steps[1].notes)
    assert (plan.timeline.low_months, plan.timeline.high_months) == (11, 23)  # 6.5/7 of 12-24


def test_without_the_duration_passage_the_timeline_says_so(extractive: CareerAdvisor) -> None:
    chunks = [c for c in extractive.retriever.keyword_index().chunks if "months" not in c.text]
    plan = build_plan(Outline.from_chunks(chunks), BEGINNER, 20)
    assert not plan.timeline.covered
    assert plan.timeline.text() == "The sources give no duration to estimate from."
    assert [s.number for s in plan.steps] == [1, 2, 3, 4, 5, 6, 7]


def test_plan_markdown_has_checkboxes_and_sources(extractive: CareerAdvisor) -> None:
    text = extractive.plan(DATA_SCIENTIST).to_markdown(done=frozenset({1}))
    assert "### [x] Step 1. Understand the AI/ML Role Landscape" in text
    assert "### [ ] Step 6. MLOps — Getting Models Into Production" in text
    assert "(skipped)" in text and "**About 8–16 months**" in text
    assert "- [1] How to Become an AI and Machine Learning Engineer in 2026" in text
    assert "[MLflow](https://mlflow.org/)" in text


def test_role_comparison_every_cell_cites_or_says_not_covered(extractive: CareerAdvisor) -> None:
    table = extractive.compare_roles()
    assert len(table.cells) == len(ROLES) * len(ASPECTS)
    stored = stored_passages(extractive)
    for cell in table.cells:
        if not cell.covered:
            assert cell.text() == NOT_COVERED and not cell.citations
            continue
        for quote, n in zip(cell.quotes, cell.citations, strict=True):
            source = table.sources[n - 1]
            assert quote in source.text and stored[source.id] == source.text
            assert f"{capitalised(quote)} [{n}]" in cell.text()  # a cell starts with a capital
            assert cell.text()[:1].isupper()
    pay = table.cell("Machine Learning Engineer", "Pay").text()
    assert "$100,000–130,000" in pay and "$200,000–400,000" in pay
    assert not table.cell("Data Scientist", "Pay").covered
    assert (
        "most accessible entry points"
        in table.cell("Applied AI Engineer", "Entry accessibility").text()
    )
    markdown = table.to_markdown()
    assert markdown.startswith(
        "| | Machine Learning Engineer | Data Scientist | Applied AI Engineer |"
    )
    assert markdown.count(NOT_COVERED) == sum(1 for c in table.cells if not c.covered)


def test_number_check_flags_an_invented_salary(shared_store: Store) -> None:
    settings = shared_store.settings.with_(backend="fake")
    reply = (
        "Entry-level ML roles start at $100,000–130,000 USD [1]. "
        "After two years you will earn $175,000 [1]."
    )
    advisor = CareerAdvisor(
        settings, shared_store, ChatAnswerer(FakeChatModel(responses=[reply]), settings, "fake")
    )
    answer = advisor.ask("How much do entry-level ML engineers earn?")
    assert answer.unsupported_numbers == ("$175,000",)
    assert f"$175,000{FLAG}" in answer.text
    assert "$100,000–130,000 USD [1]" in answer.text
    assert answer.to_dict()["unsupported_numbers"] == ["$175,000"]


def test_extractive_answers_never_trip_the_number_check(extractive: CareerAdvisor) -> None:
    for question in ("How much do ML engineers earn?", "How long does it take?"):
        answer = extractive.ask(question)
        assert answer.unsupported_numbers == () and FLAG not in answer.text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "I'm a Java developer with no math",
            {"math": "none", "programming": "professional", "programming_language": "Java"},
        ),
        (
            "I work as a data scientist and want to move to ML engineering, 10 hours a week",
            {
                "python": "solid",
                "math": "some",
                "classical_ml": "solid",
                "hours_per_week": 10.0,
                "target_role": "Machine Learning Engineer",
            },
        ),
        (
            "I have solid Python but no math, some machine learning; I'd like to become an "
            "applied AI engineer with 5-8 hours per week",
            {
                "python": "solid",
                "math": "none",
                "classical_ml": "some",
                "hours_per_week": 5.0,
                "target_role": "Applied AI Engineer",
            },
        ),
        ("I know Python well and statistics a little", {"python": "solid", "math": "some"}),
        (
            "I'm comfortable with PyTorch, Python beginner",
            {"deep_learning": "solid", "python": "some"},
        ),
        ("Do I need a degree to become an ML engineer?", {}),
        ("How much do data scientists earn?", {}),
        # a job or study named after the subject says its level; "never did" says none
        ("i'm a statistics tutor", {"math": "solid"}),
        ("i have a math degree", {"math": "solid"}),
        ("i never did calculus", {"math": "none"}),
        # a middling level, before or after the subject
        ("im a chemistry teacher, 38, decent at math. is ml realistic?", {"math": "some"}),
        ("my math is ok", {"math": "some"}),
    ],
)
def test_profile_read_from_chat(extractive: CareerAdvisor, message: str, expected: dict) -> None:
    update = extractive.read_profile(message)
    assert update.found == expected
    for name, value in expected.items():
        assert getattr(update.profile, name) == value


def test_profile_builds_up_over_messages(extractive: CareerAdvisor) -> None:
    first = extractive.read_profile("I'm a Java developer with no math")
    second = extractive.read_profile("I can do 6 hours a week", first.profile)
    assert second.profile.math == "none" and second.profile.hours_per_week == 6.0
    assert "your target role" in " ".join(second.profile.missing())


@pytest.mark.parametrize(
    "data",
    [
        {"skills": {"python": "expert"}},
        {"skills": {"cooking": "solid"}},
        {"hours_per_week": 0},
        {"hours_per_week": "ten"},
        {"target_role": "Astronaut"},
        {"age": 30},
    ],
)
def test_bad_profiles_are_input_errors(extractive: CareerAdvisor, data: dict) -> None:
    with pytest.raises(InputError):
        extractive.plan(data)


def test_role_names_are_forgiving() -> None:
    assert Profile.from_dict({"target_role": "ml engineer"}).target_role == (
        "Machine Learning Engineer"
    )


def test_eval_counts_numbers_not_in_the_sources(shared_store: Store) -> None:
    from advisor.evaluation.run import Question, QuestionSet, answer_metrics

    settings = shared_store.settings.with_(backend="fake")
    replies = [
        "Entry-level ML roles typically start at $100,000–130,000 USD [1].",
        "It takes about 12–24 months [1], or 9 months if you hurry [1].",
    ]
    advisor = CareerAdvisor(
        settings, shared_store, ChatAnswerer(FakeChatModel(responses=replies), settings, "fake")
    )
    questions = QuestionSet(
        in_scope=[
            Question("pay", "How much do entry-level ML engineers earn?", ("100,000",)),
            Question("time", "How long does it take to become an ML engineer?", ("12–24",)),
        ],
        off_topic=[],
        follow_ups=[],
    )
    metrics = answer_metrics(advisor, questions)
    assert metrics["numbers_in_answers"] == 5  # 100,000 130,000 12 24 9
    assert metrics["numbers_not_in_sources"] == 1  # the invented "9 months"


def test_number_check_matches_by_value_and_skips_years_and_markers() -> None:
    from advisor.numbers import check_numbers
    from advisor.records import Source

    cited = [
        Source(
            id="faq",
            title="FAQ",
            section="Frequently Asked Questions > How much do ML engineers earn?",
            source="guide.md",
            text="Entry-level ML roles typically start at $100,000–130,000 USD. "
            "It takes 12–24 months. Target: 3–5 projects.",
        )
    ]
    ok = "1. Entry roles pay $100k-130k [1] in 2026, after 12-24 months and 3 projects [1]."
    assert check_numbers(ok, cited).unsupported == ()
    bad = check_numbers("Seniors earn $250,000 [1] after 30 months, using GPT-4 [1].", cited)
    assert bad.unsupported == ("$250,000", "30")
    assert bad.text == (f"Seniors earn $250,000{FLAG} [1] after 30{FLAG} months, using GPT-4 [1].")
