"""Plans that fit the person: programming experience, what drives the estimate, one numbering."""

from __future__ import annotations

import re

import pytest

from advisor import CareerAdvisor, Profile, Store
from advisor.planning.plan import PROGRAMMER_REASON, plan_and_roles
from tests.test_api import advisor_over, serving

CITATION = re.compile(r"\[(\d+)\]")
JAVA_DEV = Profile(math="none", programming="professional", programming_language="Java",
                   hours_per_week=10)  # fmt: skip


def python_step(advisor: CareerAdvisor, profile: Profile) -> tuple[str, str]:
    step = advisor.plan(profile).steps[2]
    assert step.number == 3
    return step.status, " ".join(step.notes)


def test_a_professional_in_another_language_gets_step_3_shortened_with_the_reason(
    extractive: CareerAdvisor,
) -> None:
    status, notes = python_step(extractive, JAVA_DEV)
    assert status == "shortened"
    assert "You already program professionally in Java" in notes
    assert PROGRAMMER_REASON in notes  # "the guide's step 3 is mostly new syntax and libraries"
    assert "have not said your Python level" not in notes
    rated_none = Profile(**{**JAVA_DEV.__dict__, "python": "none"})
    status, notes = python_step(extractive, rated_none)
    assert status == "shortened" and "You rated your Python as 'none', but you" in notes
    resources = extractive.plan(JAVA_DEV).steps[2].resources
    assert {"NumPy", "pandas"} <= {r.title for r in resources}  # shortened, not skipped


@pytest.mark.parametrize(
    ("programming", "language", "status"),
    [
        ("none", None, "full"),
        ("some", "Java", "full"),
        (None, None, "full"),
        ("professional", "Python", "skipped"),  # a Python professional who left Python blank
    ],
)
def test_no_shortening_without_professional_experience_elsewhere(
    extractive: CareerAdvisor, programming: str | None, language: str | None, status: str
) -> None:
    profile = Profile(programming=programming, programming_language=language)
    got, notes = python_step(extractive, profile)
    assert got == status
    assert PROGRAMMER_REASON not in notes
    if programming == "none":
        assert "You have not programmed before" in notes
        assert "where you learn to program." in notes  # a whole sentence, not "learn to."


def test_the_estimate_says_what_drives_it_and_why_it_passes_24_months(
    extractive: CareerAdvisor,
) -> None:
    plan = extractive.plan(JAVA_DEV)
    timeline = plan.timeline
    # 6 full + 1 shortened of 7 steps, at 20/10 h: 12-24 x 93% x 2 (the arithmetic is kept)
    assert timeline.text() == "About 22–45 months"
    assert timeline.assumptions[-1] == "12–24 months × 93% × 2 = 22–45 months."
    assert any("“dedicated learning” means 20 hours a week" in a for a in timeline.assumptions)
    hours, path, why = timeline.drivers  # the bigger factor (hours, 2x vs 93%) first
    assert hours.startswith("Your time: 10 hours a week, against the 20 a week")
    assert "the guide does not say how many hours" in hours
    assert "step 3 (Python) shortened: you already program professionally in Java" in path
    assert "93% of the guide's path" in path
    assert "goes past the guide's range" in why and "because you study part-time" in why
    assert "at 20 hours a week the same steps would take 11–23 months" in why
    quote = re.search(r"“([^”]+)” \[(\d+)\]", why)
    assert quote is not None and "12–24 months of dedicated learning" in quote.group(1)
    assert quote.group(1) in plan.sources[int(quote.group(2)) - 1].text  # verbatim and cited


def test_the_words_follow_the_numbers(extractive: CareerAdvisor) -> None:
    beginner = extractive.plan(Profile(hours_per_week=20)).timeline
    assert beginner.text() == "About 12–24 months"
    said = " ".join(beginner.drivers)
    assert "all 7 of the guide's steps are ahead of you" in said and "the guide's pace" in said
    assert beginner.drivers[-1].startswith("This is within the guide's range")
    scientist = Profile(python="solid", math="solid", classical_ml="solid",
                        deep_learning="some", hours_per_week=15)  # fmt: skip
    fast = extractive.plan(scientist).timeline
    assert fast.high_months is not None and fast.high_months < 24
    assert fast.drivers[0].startswith("The path:")  # 50% of the path outweighs 20/15 h
    assert "step 2 (Math) skipped: you rated your Math as 'solid'" in fast.drivers[0]
    assert fast.drivers[-1].startswith("This is below the guide's range")
    assert "you skip or shorten steps" in fast.drivers[-1]
    keen = extractive.plan(Profile(hours_per_week=40)).timeline
    assert "you go about 2× the guide's pace" in keen.drivers[0]
    assert "because you study more hours a week" in keen.drivers[-1]


def page_citations(text: str) -> set[int]:
    """Every [n] in the text outside the numbered source list itself."""
    body = text.split("**Sources**")[0]
    return {int(n) for n in CITATION.findall(body)}


def test_plan_and_roles_on_one_page_share_one_numbering(extractive: CareerAdvisor) -> None:
    plan, table = plan_and_roles(extractive.outline(), JAVA_DEV, 20)
    assert table.sources is plan.sources
    text = plan.to_markdown(roles=table)
    assert text.count("**Sources**") == 1
    listed = re.findall(r"^- \[(\d+)\] ", text.split("**Sources**")[1], re.M)
    assert [int(n) for n in listed] == list(range(1, len(plan.sources) + 1))
    assert page_citations(text) == set(range(1, len(plan.sources) + 1))  # all used, none extra
    for cell in table.cells:
        for quote, n in zip(cell.quotes, cell.citations, strict=True):
            assert quote in plan.sources[n - 1].text  # the role table's [n] is the page's [n]
    alone = extractive.compare_roles()  # on its own, the table keeps its own short list
    assert len(alone.sources) < len(plan.sources)
    assert max(n for c in alone.cells for n in c.citations) == len(alone.sources)


def test_the_plan_api_takes_programming_experience(shared_store: Store) -> None:
    body = {"skills": {"math": "none"}, "hours_per_week": 10,
            "programming": "professional", "programming_language": "java"}  # fmt: skip
    with serving(advisor_over(shared_store)) as client:
        data = client.post("/v1/plan", json=body).json()
        bad = client.post("/v1/plan", json={"programming": "guru"})
        from_chat = client.post("/v1/plan", json={"message": "I code in C# professionally"})
    assert data["profile"]["programming"] == "professional"
    assert data["profile"]["programming_language"] == "Java"
    assert data["steps"][2]["status"] == "shortened"
    assert data["timeline"]["text"] == "About 22–45 months"
    assert any("goes past the guide's range" in d for d in data["timeline"]["drivers"])
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    assert from_chat.json()["found_in_message"]["programming_language"] == "C#"
