"""Who the learner is: skills, hours a week and target role, from a form, JSON or chat text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from advisor.errors import InputError
from advisor.planning.programming import language_named, read_programming
from advisor.planning.roles import ROLES

SKILLS = {
    "python": "Python",
    "math": "Math",
    "classical_ml": "Classical ML",
    "deep_learning": "Deep learning",
    "mlops": "MLOps",
}
LEVELS = ("none", "some", "solid")
PROGRAMMING = ("none", "some", "professional")
"""General programming experience, in any language (the guide's step 3 teaches Python)."""
_LANGUAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9+#. -]{0,29}")
MAX_HOURS = 112.0
"""Sixteen hours a day, every day: anything above is a typo."""


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What the learner knows (None = not said yet), their weekly hours and target role."""

    python: str | None = None
    math: str | None = None
    classical_ml: str | None = None
    deep_learning: str | None = None
    mlops: str | None = None
    hours_per_week: float | None = None
    target_role: str | None = None
    programming: str | None = None
    """General programming experience: none, some or professional (any language)."""
    programming_language: str | None = None
    """The language they program in most, e.g. "Java"."""

    def __post_init__(self) -> None:
        for name in SKILLS:
            value = getattr(self, name)
            if value is not None and value not in LEVELS:
                raise InputError(f"{name} must be one of {', '.join(LEVELS)}; got {value!r}")
        if self.programming is not None and self.programming not in PROGRAMMING:
            raise InputError(
                f"programming must be one of {', '.join(PROGRAMMING)}; got {self.programming!r}"
            )
        language = self.programming_language
        if language is not None and not (
            isinstance(language, str) and _LANGUAGE_NAME.fullmatch(language)
        ):
            raise InputError("programming_language must be a language name such as Java or C#")
        hours = self.hours_per_week
        if hours is not None and not (0 < hours <= MAX_HOURS):
            raise InputError(f"hours_per_week must be between 1 and {MAX_HOURS:g}; got {hours}")
        if self.target_role is not None and self.target_role not in ROLES:
            raise InputError(f"target_role must be one of {', '.join(ROLES)}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Build from JSON-like data; unknown keys and wrong types are input errors."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known - {"skills"})
        if unknown:
            raise InputError(f"unknown profile field(s): {', '.join(unknown)}")
        values = {k: v for k, v in data.items() if k != "skills"}
        values.update(data.get("skills") or {})
        hours = values.get("hours_per_week")
        if hours is not None:
            if isinstance(hours, bool) or not isinstance(hours, int | float):
                raise InputError("hours_per_week must be a number")
            values["hours_per_week"] = float(hours)
        if values.get("target_role") is not None:
            values["target_role"] = role_named(str(values["target_role"])) or values["target_role"]
        if isinstance(values.get("programming_language"), str):
            values["programming_language"] = language_named(values["programming_language"])
        unknown_skills = sorted(set(values) - known)
        if unknown_skills:
            raise InputError(f"unknown skill(s): {', '.join(unknown_skills)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: skills nested, as `POST /v1/plan` takes it."""
        data = asdict(self)
        return {
            "skills": {name: data.pop(name) for name in SKILLS},
            "hours_per_week": data["hours_per_week"],
            "target_role": data["target_role"],
            "programming": data["programming"],
            "programming_language": data["programming_language"],
        }

    def level(self, skill: str) -> str:
        """The stated level, or "none" when not said (the plan states that assumption)."""
        return getattr(self, skill) or "none"

    def missing(self) -> list[str]:
        """Plain-language names of what is still unknown."""
        gaps = [
            f"your {label} level" for name, label in SKILLS.items() if getattr(self, name) is None
        ]
        if self.programming is None and self.python in (None, "none"):
            gaps.append(
                "your programming experience (none, some or professional, and in which language)"
            )
        if self.hours_per_week is None:
            gaps.append("hours per week you can study")
        if self.target_role is None:
            gaps.append("your target role (" + ", ".join(ROLES) + ")")
        return gaps

    def programs_professionally_in_another_language(self) -> bool:
        """True for a professional programmer whose language is not (known to be) Python."""
        language = (self.programming_language or "").lower()
        return self.programming == "professional" and language != "python"

    def merged(self, newer: Profile) -> Profile:
        """This profile with every field the newer one states."""
        changes = {f.name: getattr(newer, f.name) for f in fields(newer)}
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# --- reading a profile out of chat text -------------------------------------------------

_SKILL_WORDS = {
    "python": r"python",
    "math": r"math(?:s|ematics)?|statistics|stats|linear algebra|calculus|probability",
    "classical_ml": r"classical ml|machine learning|scikit-learn|sklearn|xgboost",
    "deep_learning": r"deep learning|neural networks?|pytorch|tensorflow|keras",
    "mlops": r"mlops|docker|deployment|deploying models|mlflow|kubernetes",
}
_NONE = (
    r"\b(?:no|zero|never (?:used|learned|studied|done|did|had|took)|not any|without|lack|"
    r"don'?t know|new to)\b"
)
_SOME = (
    r"\b(?:some|a bit of|a little|basic|basics of|beginner|learning|rusty|took a course|decent|"
    r"average|okay at|ok at)\b"
    r"|(?<!never )(?<!not )(?<!n't )\b(?:did|studied|took|learned|learnt)\b"
)
_SOLID = (
    r"\b(?:solid|strong|good|fluent|expert|advanced|experienced|comfortable|years of|"
    r"professional|daily)\b|(?<!n't )(?<!dont )(?<!not )\b(?:know|use)\b"
)
_QUALIFIERS = (("none", _NONE), ("some", _SOME), ("solid", _SOLID))
_AFTER = (
    (
        "solid",
        r"^\s*(?:developer|engineer|expert|pro\b|(?:very |really )?well|fluently|daily"
        r"|teacher|tutor|professor|lecturer|instructor|major|graduate|degree)",
    ),
    (
        "some",
        r"^\s*(?:beginner|basics|a (?:bit|little)|somewhat|intermediate"
        r"|(?:is|are) (?:ok|okay|decent|fine|alright|average))",
    ),
)
"""Levels said after the skill word: "Python developer", "math teacher", "math a little",
"know SQL well"."""
_CURRENT_ROLE = re.compile(
    r"\b(?:i'?m|i am|i work as|working as|currently)\s+(?:a |an )?(data scientist|data analyst)",
    re.I,
)
_BACKGROUNDS = {
    "data scientist": {"python": "solid", "math": "some", "classical_ml": "solid"},
    "data analyst": {"python": "some", "math": "some"},
}
"""What a current job implies when the message does not say otherwise (the reply lists it)."""
_FIRST_PERSON = re.compile(
    r"\b(?:i'?m|i am|i have|i've|i know|i can|i work|i want|my|"
    r"i (?:code|program|write|develop|never|studied|learned|learnt|took|did|use|do some))\b",
    re.I,
)
_HOURS = re.compile(
    r"(?<!\d)(\d++(?:\.\d++)?+)\s*+(?:(?:-|to|–)\s*+)?+(\d++(?:\.\d++)?+)?+\s*+"
    r"(?:h|hrs?|hours?)\s*+(?:a|per|each|every|/)\s*+(?:week|wk)",
    re.I,
)
"""'10 hours a week', '5-8 hrs/week': possessive runs, started only where a number starts, so
each character is read once (the greedy form backtracked cubically on a run of digits)."""
_GOAL = re.compile(
    r"\b(?:become|be|into|to|for|target(?:ing)?|towards?|(?:job|role|position|career) as)"
    r"\s+(?:an?\s+|the\s+)?$"
)
_ROLE_WORDS = {
    "Machine Learning Engineer": r"(?:machine learning|ml) engineer",
    "Data Scientist": r"data scien(?:tist|ce)",
    "Applied AI Engineer": r"(?:applied )?ai engineer|llm engineer",
}


@dataclass(frozen=True)
class ProfileUpdate:
    """What one chat message said about the learner, and the profile after it."""

    profile: Profile
    found: dict[str, Any]
    """Fields this message set, e.g. {"math": "none", "hours_per_week": 10.0}."""
    inferred: dict[str, str] = field(default_factory=dict)
    """Why a field was inferred rather than said, e.g. {"python": "you program in Java"}."""

    @property
    def changed(self) -> bool:
        """True when the message said something about the learner."""
        return bool(self.found)


def read_profile(text: str, known: Profile | None = None) -> ProfileUpdate:
    """Fill what a first-person message says ("I'm a Java developer with no math")."""
    known = known or Profile()
    found: dict[str, Any] = {}
    inferred: dict[str, str] = {}
    hours = _HOURS.search(text)  # "10 hours a week" says it without an "I"
    if hours:
        value = float(hours.group(1))  # of a range ("5-8 hours"), the lower end: no overpromise
        if 0 < value <= MAX_HOURS:
            found["hours_per_week"] = value
    if not _FIRST_PERSON.search(text):
        return ProfileUpdate(known.merged(Profile(**found)), found, inferred)
    for clause in re.split(r"[.;!?]|,\s*(?:but|and)\b|\bbut\b", text.lower()):
        found.update(_skills_in(clause))
    current = _CURRENT_ROLE.search(text)
    job = current.group(1).lower() if current else ""
    for skill, level in _BACKGROUNDS.get(job, {}).items():
        if skill not in found:
            found[skill], inferred[skill] = level, f"assumed from your work as a {job}"
    programming = read_programming(text)
    if programming:
        found["programming"] = programming[0]
        if programming[1]:
            found["programming_language"] = programming[1]
        if programming[0] == "none" and "python" not in found and not known.python:
            found["python"], inferred["python"] = "none", "no programming yet"  # not asked again
    role = _target_role(text)
    if role:
        found["target_role"] = role
    return ProfileUpdate(known.merged(Profile(**found)), found, inferred)


def _skills_in(clause: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for skill, words in _SKILL_WORDS.items():
        match = re.search(rf"\b(?:{words})\b", clause)
        if not match:
            continue
        before = clause[: match.start()][-40:].rsplit(",", 1)[-1]
        after = clause[match.end() :][:25]
        trailing = next((lvl for lvl, pattern in _AFTER if re.search(pattern, after)), None)
        if trailing:
            found[skill] = trailing
            continue
        said = [
            (m.end(), level) for level, words in _QUALIFIERS for m in re.finditer(words, before)
        ]
        if said:
            found[skill] = max(said)[1]  # the qualifier closest to the skill word
    return found


def _target_role(text: str) -> str | None:
    """The role named right after a goal word ("become", "move to", "a job as"), last one wins."""
    lowered = text.lower()
    hits: list[tuple[int, str]] = []
    for role, words in _ROLE_WORDS.items():
        for match in re.finditer(words, lowered):
            if _GOAL.search(lowered[max(0, match.start() - 40) : match.start()]):
                hits.append((match.start(), role))
    return max(hits)[1] if hits else None


def role_named(name: str) -> str | None:
    """The canonical role for a loose name ("ml engineer", "data science")."""
    for role, words in _ROLE_WORDS.items():
        if name.strip() == role or re.fullmatch(words, name.strip().lower()):
            return role
    return None
