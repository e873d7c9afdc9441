"""General programming experience: read from chat in many phrasings, and validated as data."""

from __future__ import annotations

import pytest

from advisor import InputError, Profile
from advisor.planning.chat_reply import profile_reply
from advisor.planning.profile import read_profile
from advisor.planning.programming import read_programming


@pytest.mark.parametrize(
    ("message", "level", "language"),
    [
        ("I'm a Java developer", "professional", "Java"),
        ("I'm a Java developer with no math", "professional", "Java"),
        ("I code in C# professionally", "professional", "C#"),
        ("I program professionally in Go", "professional", "Go"),
        ("I write code in TypeScript for a living", "professional", "TypeScript"),
        ("I have 5 years of Kotlin", "professional", "Kotlin"),
        ("I have 3 years of C++ experience", "professional", "C++"),
        ("I am a go developer at a bank", "professional", "Go"),
        ("I'm a senior backend engineer", "professional", None),
        ("I work as a software engineer", "professional", None),
        ("I'm a Python developer", "professional", "Python"),
        ("I have never programmed", "none", None),
        ("I never programmed before", "none", None),
        ("I have no programming experience", "none", None),
        ("I can't code at all", "none", None),
        ("I'm not a programmer, I'm a nurse", "none", None),
        ("I know some python", "some", "Python"),
        ("I do some programming in R", "some", "R"),
        ("I have done a bit of JavaScript", "some", "JavaScript"),
        ("I'm a hobbyist coder", "some", None),
    ],
)
def test_programming_experience_in_many_phrasings(
    message: str, level: str, language: str | None
) -> None:
    update = read_profile(message)
    assert update.profile.programming == level
    assert update.profile.programming_language == language
    assert update.found["programming"] == level


@pytest.mark.parametrize(
    "message",
    [
        "Should I learn Java or Python first?",  # a question, not about the speaker
        "I'm not a Java developer",  # negated
        "I want to go to a bootcamp",  # "go" the verb is no language
        "I'm a data scientist",  # a job that implies Python, not this field
    ],
)
def test_no_programming_experience_read_where_none_is_said(message: str) -> None:
    assert "programming" not in read_profile(message).found


def test_a_professional_phrase_wins_over_a_weaker_one() -> None:
    assert read_programming("I'm a Java developer who knows a little Python") == (
        "professional",
        "Java",
    )


def test_the_reply_names_experience_and_language_and_python_is_not_guessed() -> None:
    update = read_profile("I'm a Java developer with no math")
    assert update.found == {
        "math": "none",
        "programming": "professional",
        "programming_language": "Java",
    }
    reply = profile_reply(update)
    assert "Programming: professional (Java)" in reply
    assert "Python: " not in reply  # the Python level is asked, not assumed
    assert "your Python level" in reply


def test_profile_data_carries_programming_and_normalises_the_language() -> None:
    profile = Profile.from_dict({"programming": "professional", "programming_language": "c#"})
    assert profile.programming_language == "C#"
    data = profile.to_dict()
    assert data["programming"] == "professional" and data["programming_language"] == "C#"
    assert Profile.from_dict(data) == profile
    assert profile.programs_professionally_in_another_language()
    python_pro = Profile(programming="professional", programming_language="Python")
    assert not python_pro.programs_professionally_in_another_language()


def test_programming_is_missing_only_while_python_is_unknown_or_none() -> None:
    wanted = "your programming experience"
    assert any(wanted in gap for gap in Profile().missing())
    assert any(wanted in gap for gap in Profile(python="none").missing())
    assert not any(wanted in gap for gap in Profile(python="some").missing())
    assert not any(wanted in gap for gap in Profile(programming="none").missing())


@pytest.mark.parametrize(
    "data",
    [
        {"programming": "expert"},
        {"programming": "solid"},
        {"programming_language": "<script>alert(1)</script>"},
        {"programming_language": "x" * 31},
        {"programming_language": 7},
    ],
)
def test_bad_programming_fields_are_input_errors(data: dict) -> None:
    with pytest.raises(InputError):
        Profile.from_dict(data)
