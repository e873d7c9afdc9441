"""What a chat message can be about: named resources, roles, subjects, levels, and topics.

Resource names come from the stored cards' titles (whatever was ingested); a small
alias table adds the short forms people type (TF, sklearn, W&B). Roles, subjects,
levels and topics are the guide's own vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from advisor.conversation.english import readings, zipf
from advisor.text import normalize

RESOURCE, ROLE, SUBJECT, LEVEL = "resource", "role", "subject", "level"
KINDS = (RESOURCE, ROLE, SUBJECT, LEVEL)
"""The kinds of thing the sources are about, as a person names them ("which resources")."""

ALIASES: dict[str, tuple[str, ...]] = {
    "TensorFlow": ("tf", "tensorflow", "keras"),
    "scikit-learn": ("sklearn", "sk-learn", "scikit learn", "scikit"),
    "PyTorch": ("torch", "pytorch"),
    "Weights & Biases": ("w&b", "wandb", "weights and biases"),
    "AWS SageMaker": ("sagemaker", "aws"),
    "Google Vertex AI": ("vertex", "vertex ai", "gcp"),
    "Azure Machine Learning": ("azure ml", "azure"),
    "Machine Learning Specialization": ("andrew ng", "coursera", "ng's course"),
    "3Blue1Brown": ("3b1b",),
    "StatQuest": ("statquest", "josh starmer"),
}
"""Short forms people type, keyed by a name that starts (or is part of) a card title."""

FIXED: dict[str, dict[str, tuple[str, ...]]] = {
    ROLE: {
        "Machine Learning Engineer": (
            "machine learning engineer",
            "ml engineer",
            "ml engineering",
            "mle",
            "ml engineers",
            "machine learning engineers",
        ),
        "Data Scientist": ("data scientist", "data scientists"),
        "Applied AI Engineer": (
            "applied ai engineer",
            "ai engineer",
            "applied ai engineers",
            "ai engineers",
            "applied ai engineering",
            "applied ai",
        ),
    },
    SUBJECT: {
        "maths": ("math", "maths", "mathematics", "mathematical"),
        "linear algebra": ("linear algebra", "matrices", "vectors"),
        "calculus": ("calculus", "derivatives"),
        "statistics": ("statistics", "stats", "probability"),
        "classical machine learning": ("classical ml", "classical machine learning"),
        "deep learning": ("deep learning", "neural networks", "neural nets"),
        "MLOps": (
            "mlops",
            "deployment",
            "deploying",
            "experiment tracking",
            "model versioning",
            "containerization",
            "api serving",
        ),
        "portfolio": ("portfolio",),
    },
    LEVEL: {
        "senior": ("senior", "seniors"),
        "junior": ("junior", "juniors"),
        "entry-level": ("entry level", "entry-level"),
        "mid-level": ("mid level", "mid-level"),
    },
}

PARENTS = {"linear algebra": "maths", "calculus": "maths", "statistics": "maths"}
"""Subjects that belong to a wider one (a calculus question continues a maths one)."""

TOPICS: dict[str, tuple[str, ...]] = {
    "salary": ("salary", "salaries", "earn", "pay", "paid", "how much do", "compensation"),
    "timeline": ("how long", "months", "years", "take me", "quicker", "faster", "time"),
    "cost": ("free", "cost", "price", "pricing", "expensive", "cheap"),
    "videos": ("video", "videos", "youtube", "watch"),
    "course": ("course", "courses", "class"),
    "industry": ("companies", "company", "industry", "employers", "production", "jobs"),
    "degree": ("degree", "phd", "university", "college"),
    "projects": ("project", "projects", "portfolio", "github"),
    "audience": ("who is", "who's", "for whom", "for beginners", "beginner friendly"),
    "start": ("start", "begin", "first step", "get started"),
    "tools": ("tools", "tool", "libraries", "library", "libs", "lib", "framework", "frameworks"),
    "prerequisites": (
        "prereq",
        "prereqs",
        "prerequisite",
        "prerequisites",
        "requirements",
        "know before",
        "need before",
        "before i start",
        "before starting",
        "before i begin",
    ),
    "maker": (
        "who made",
        "who makes",
        "who created",
        "who creates",
        "who built",
        "who wrote",
        "who develops",
        "who developed",
        "who maintains",
        "who is behind",
        "who's behind",
    ),
}
"""Facets of a question, matched on words; a follow-up keeps its own facet."""

RESOURCE_FACETS = frozenset({"cost", "audience", "prerequisites", "maker"})
"""Facets that ask about a named resource ("is it free?", "who is it for?")."""
CARD_SECTIONS = {"prerequisites": "Prerequisites", "maker": "What it is"}
"""The section every resource card gives to a facet ("who made it?": its "What it is")."""
AUDIENCE_SECTION = "Who it is for"
"""The card section a "who is it for?" question asks for (read by `asks._asks_audience`)."""


@dataclass(frozen=True)
class Entity:
    """A thing a message names: its kind, its canonical name and the words typed for it."""

    kind: str
    name: str
    surface: str
    start: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Vocabulary:
    """Surface forms (lowercase) mapped to (kind, canonical name), longest first."""

    forms: tuple[tuple[str, str, str], ...]
    pattern: re.Pattern[str]
    shared: frozenset[str] = frozenset()
    """Surface forms several cards share ("3Blue1Brown"): dropped when a full name follows."""

    @classmethod
    def from_titles(cls, titles: Iterable[str]) -> Vocabulary:
        """Resource names from card titles, plus the aliases, roles, subjects and levels."""
        table: dict[str, tuple[str, str]] = {}
        for kind, fixed in FIXED.items():
            for name, surfaces in fixed.items():
                for surface in surfaces:
                    table[surface] = (kind, name)
        owners: dict[str, set[str]] = {}
        for title in sorted(set(titles)):
            for part in title_parts(title):
                table.setdefault(normalize(part), (RESOURCE, short_name(title)))
                owners.setdefault(normalize(part), set()).add(title)
            for name in byline_names(title):
                table.setdefault(name, (RESOURCE, short_name(title)))
                owners.setdefault(name, set()).add(title)
        names = sorted({short_name(t) for t in titles})
        for key, surfaces in ALIASES.items():
            name = next((n for n in names if normalize(key) in normalize(n)), key)
            for surface in surfaces:
                table.setdefault(surface, (RESOURCE, name))
        forms = tuple(sorted(((s, k, n) for s, (k, n) in table.items()), key=lambda f: -len(f[0])))
        alternatives = "|".join(re.escape(s) for s, _, _ in forms)
        shared = frozenset(part for part, titles in owners.items() if len(titles) > 1)
        pattern = re.compile(rf"(?<![\w&])(?:{alternatives})(?![\w&])", re.I)
        return cls(forms, pattern, shared)

    def find(self, text: str) -> list[Entity]:
        """Entities named in text, in order of appearance (longest match wins)."""
        lookup = {s: (k, n) for s, k, n in self.forms}
        found: list[Entity] = []
        low = normalize(text)
        typed = text if len(low) == len(text) else low  # offsets must line up with the match
        matches = list(self.pattern.finditer(low))
        for i, match in enumerate(matches):
            surface = match.group(0).lower()
            following = matches[i + 1] if i + 1 < len(matches) else None
            if surface in self.shared and following and following.start() - match.end() <= 4:
                continue  # "3Blue1Brown's Essence of Calculus": the full name says which
            kind, name = lookup[surface]
            found.append(Entity(kind, name, typed[match.start() : match.end()], match.start()))
        return found

    def spelled_out(self, text: str) -> str:
        """The text with each short form the sources never use written as the name they use
        ("mle" -> "Machine Learning Engineer", "sklearn" -> "scikit-learn", "stats" ->
        "statistics"), so the search and the note on unknown words see the sources' words."""
        if len(normalize(text)) != len(text):
            return text  # the offsets `find` gives are of the normalised text
        out, end = [], 0
        for entity in self.find(text):
            if not _short_form(entity):
                continue
            start, name = entity.start, display_name(entity.name)
            article = "an " if name[0].lower() in "aeiou" else "a "
            out += [re.sub(r"\b(?:a|an) $", article, text[end:start]), name]
            end = start + len(entity.surface)
        return "".join(out) + text[end:] if out else text


def _short_form(entity: Entity) -> bool:
    """A one-word form that is not part of the name it stands for ("mle", "wandb", "tf"), or
    a subject's abbreviation ("stats" for "statistics")."""
    surface, name = entity.surface.lower(), entity.name.lower()
    if " " in surface or surface in name:
        return False
    if entity.kind == SUBJECT:
        return len(surface) < len(name) and name.startswith(surface[:3])
    return entity.kind in (RESOURCE, ROLE)


# Each pattern below starts only where a run of spaces starts, and reads the run once.
_BYLINE = re.compile(r"(?<!\s)\s++(?:\(|with\s)")
"""Where a title's parenthesis or byline starts: "X (Y)", "X with Z"."""
_ALTERNATIVE = re.compile(r"(?<!\s)\s++(?:[/–—]|(?<= )- )\s*+|[/–—]\s*+")
"""Between two names of one thing: "TensorFlow / Keras", "A – B", "A - B"."""
_DASH = re.compile(r"(?<!\s)\s++[–—]\s++")


def title_parts(title: str) -> list[str]:
    """The names a card title offers: "TensorFlow / Keras" gives both, "X (Y, Z)" gives X."""
    head = _head(title)
    parts = [head] + [p for p in _ALTERNATIVE.split(head) if p]
    inner = _parenthesised(title)
    if inner and "," not in inner:
        parts.append(inner)  # "DVC (Data Version Control)"
    return [p.strip() for p in parts if len(p.strip()) >= 2]


RARE_NAME_ZIPF = 4.0
"""Zipf frequency below which a byline's name is the card's alone ("Ng", "Coursera",
"Starmer"; not "Andrew" or "Josh", names many people bear)."""


def byline_names(title: str) -> list[str]:
    """The rare names a title's parenthesis or byline gives, lowercase: "Machine Learning
    Specialization (Andrew Ng, Coursera)" gives "ng" and "coursera", so "the ng course" and
    "is coursera free" name the card."""
    byline = _BYLINE.search(title)
    if byline is None:
        return []
    words = re.findall(r"\b[A-Z][\w]+", title[byline.start() :])
    return [w.lower() for w in words if not readings(w) and zipf(w) < RARE_NAME_ZIPF]


def _head(title: str) -> str:
    byline = _BYLINE.search(title)
    return title[: byline.start()] if byline else title


def _parenthesised(title: str) -> str:
    """The text inside the first "(...)" that holds any, found without re-reading the title."""
    start = title.find("(")
    while start != -1:
        end = title.find(")", start + 1)
        if end == -1:
            return ""
        if end > start + 1:
            return title[start + 1 : end]
        start = title.find("(", end)
    return ""


def display_name(name: str) -> str:
    """How a reply names a card: "TensorFlow / Keras" -> "TensorFlow", "3Blue1Brown – X" -> "X"."""
    return _DASH.split(name.split(" / ")[0])[-1].strip()


def short_name(title: str) -> str:
    """A card title without its parenthesis or byline: the name a reply uses."""
    return _head(title).strip()


def topics_of(text: str) -> list[str]:
    """The facets a message asks about, in table order."""
    low = f" {normalize(text)} "
    return [
        topic
        for topic, words in TOPICS.items()
        if any(re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", low) for w in words)
    ]
