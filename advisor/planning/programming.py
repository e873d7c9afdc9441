"""General programming experience said in chat: "I'm a Java developer", "I've never programmed"."""

from __future__ import annotations

import re

LANGUAGES = {
    "python": "Python",
    "java": "Java",
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "c++": "C++",
    "c#": "C#",
    ".net": ".NET",
    "go": "Go",
    "golang": "Go",
    "rust": "Rust",
    "ruby": "Ruby",
    "php": "PHP",
    "kotlin": "Kotlin",
    "swift": "Swift",
    "scala": "Scala",
    "c": "C",
    "r": "R",
    "matlab": "MATLAB",
    "perl": "Perl",
    "haskell": "Haskell",
    "elixir": "Elixir",
    "dart": "Dart",
}
"""Lower-case names (and aliases) of languages, with how to write them."""
_NAMES = "|".join(re.escape(n) for n in sorted(LANGUAGES, key=len, reverse=True))
_LANG = rf"(?<![\w+#.])({_NAMES})(?![\w+#])"
_AMBIGUOUS = {"c", "r", "go"}
"""Names that are also ordinary words or letters: trusted when capitalised or before a job word."""
_JOB = r"(?:developer|engineer|programmer|dev|coder|consultant)s?\b"
_GENERIC = r"(?:software|web|backend|back-end|frontend|front-end|full[- ]?stack|mobile|game)"

_PROFESSIONAL = (
    re.compile(rf"{_LANG}\s+{_JOB}", re.I),  # "a Java developer"
    re.compile(rf"\b{_GENERIC}\s+{_JOB}", re.I),  # "a backend engineer"
    re.compile(
        rf"\b(?:code|program|develop|work|write (?:code|software))\s+(?:mostly\s+|mainly\s+)?"
        rf"in\s+{_LANG}\s+(?:professionally|for a living|at work|for work|every day|daily)",
        re.I,
    ),  # "I code in C# professionally"
    re.compile(
        rf"\b(?:professionally|for a living)\b[^.;!?]{{0,30}}?\bin\s+{_LANG}", re.I
    ),  # "I program professionally in Go"
    re.compile(
        rf"\b(?:\d+|two|three|four|five|many|several)\+?\s+years?\s+(?:of\s+)?{_LANG}", re.I
    ),  # "5 years of Java"
    re.compile(rf"\bprofessional\s+{_LANG}", re.I),  # "professional Kotlin experience"
    re.compile(
        r"\b(?:professional|experienced)\s+(?:programmer|developer|coder|software engineer)\b"
        r"|\b(?:programming|coding|software development) (?:is my job|for a living)"
        r"|\b(?:program|code) for a living\b",
        re.I,
    ),
)
_NONE = re.compile(
    r"\b(?:never\s+(?:programmed|coded|written\s+(?:any\s+|a\s+line\s+of\s+)?code|"
    r"learned\s+(?:to|how\s+to)\s+(?:code|program)|done\s+(?:any\s+)?(?:programming|coding))|"
    r"no\s+(?:programming|coding)(?:\s+(?:experience|background|skills))?|"
    r"(?:can'?t|cannot|don'?t\s+know\s+how\s+to)\s+(?:code|program)\b|"
    r"not\s+a\s+(?:programmer|developer|coder)|"
    r"new\s+to\s+(?:programming|coding)|zero\s+(?:programming|coding))",
    re.I,
)
_NEGATED = re.compile(r"\b(?:not|never|no longer)\b(?:\s+an?)?(?:\s+\w+)?\s*$|n't\s*$", re.I)
"""Just before a professional phrase: "I'm not a Java developer", "never a professional"."""
_SOME_GENERIC = re.compile(
    r"\b(?:some|a\s+bit\s+of|a\s+little|basic|beginner)\s+(?:programming|coding)\b"
    r"|\bhobby(?:ist)?\s+(?:programmer|coder|developer)\b|\blearning\s+to\s+(?:code|program)\b",
    re.I,
)
_SOME_LANGUAGE = re.compile(
    rf"\b(?:some|a\s+bit\s+of|a\s+little|basic|beginner)\s+(?:programming\s+in\s+)?{_LANG}", re.I
)


def read_programming(text: str) -> tuple[str, str | None] | None:
    """(level, language) said in a message, or None: professional wins over some over none."""
    for pattern in _PROFESSIONAL:
        for match in pattern.finditer(text):
            language = _language(match)
            if language is None or _NEGATED.search(
                text[max(0, match.start() - 16) : match.start()]
            ):
                continue
            return "professional", language or None
    if _NONE.search(text):
        return "none", None
    for match in _SOME_LANGUAGE.finditer(text):
        language = _language(match)
        if language:
            return "some", language
    if _SOME_GENERIC.search(text):
        return "some", None
    return None


def _language(match: re.Match[str]) -> str | None:
    """The canonical language a pattern captured; "" for none; None for an unsafe guess."""
    said = match.group(1) if match.re.groups else None
    if said is None:
        return ""
    name = said.lower()
    before_job = re.match(rf"{_LANG}\s+{_JOB}", match.group(0), re.I)
    if name in _AMBIGUOUS and not (said[0].isupper() or before_job):
        return None
    return LANGUAGES[name]


def language_named(name: str) -> str:
    """The usual spelling of a language name ("c#" -> "C#"); unknown names are kept as given."""
    cleaned = " ".join(name.split())
    return LANGUAGES.get(cleaned.lower(), cleaned)
