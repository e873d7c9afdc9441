"""The field's prior: whether a message reads like the advisor's field or an everyday one.

One signal among the others that decide whether to answer (`scope`): the embedding model
compares the message with short descriptions of the advisor's field (AI/ML careers, learning,
tools) and of everyday domains (cooking, weather, sports, gadgets, ...). The margin (best
field cosine minus best everyday cosine) is a zero-shot prior: alone it separates short
follow-ups poorly, so it only shifts the relevance bar a little, and decides on its own only
when it is clear. A person's own marker ("off topic but", "unrelated,") says the same plainly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.embeddings import Embedder, unit

FIELD = (
    "careers in AI and machine learning engineering",
    "becoming a machine learning engineer or data scientist",
    "jobs, hiring, interviews, resumes, portfolios and salaries in tech",
    "learning Python, math and statistics for machine learning",
    "courses, videos, books and tutorials for learning ML",
    "machine learning models, training and evaluation",
    "deep learning, neural networks, PyTorch and TensorFlow",
    "large language models, ChatGPT, generative AI and LLM apps",
    "data analysis, time series and forecasting",
    "MLOps, deployment, Docker, cloud and ML tools",
    "software libraries and programming tools for data science",
    "portfolio projects, GitHub and coding practice",
    "how long it takes and what to learn first",
)
"""What the advisor is for, as a person might put it."""
EVERYDAY = (
    "cooking, recipes, food and restaurants",
    "the weather forecast",
    "sports teams, matches and scores",
    "movies, TV shows, anime, music and celebrities",
    "video games and gaming",
    "travel, flights, hotels and holidays",
    "fixing home internet, wifi, phones or computers",
    "buying a laptop, phone or gadget",
    "pets and animals",
    "dating, relationships and family",
    "health, illness and medicine",
    "politics, elections and news",
    "jokes, riddles, poems and stories",
    "geography, capitals and countries",
    "history and historical facts",
    "shopping, fashion and clothes",
    "cars and driving",
    "personal finance, taxes and crypto",
    "translating words into another language",
    "math homework and puzzles",
    "religion and philosophy",
    "fitness, exercise and diet",
    "home, garden and cleaning",
    "a chat about your feelings or opinions",
)
"""Everyday domains a person may drift into while chatting with the advisor."""

_MARKER = re.compile(
    r"\b(?:off[\s-]?topic|unrelated|not related|random question|different (?:topic|subject)|"
    r"chang(?:e|ing) (?:of |the )?(?:topic|subject))\b",
    re.I,
)


def marks_off_topic(message: str) -> bool:
    """True when the person says the message leaves the topic ("off topic but ...",
    "unrelated, ..."); "is pandas related to numpy?" says nothing of the kind."""
    return bool(_MARKER.search(message))


def _best(vector: Sequence[float], described: Sequence[Sequence[float]]) -> float:
    return max(sum(a * b for a, b in zip(vector, d, strict=True)) for d in described)


@dataclass(frozen=True)
class DomainPrior:
    """The descriptions' vectors (embedded once) and the model that embeds each message."""

    embedder: Embedder
    field: tuple[tuple[float, ...], ...]
    everyday: tuple[tuple[float, ...], ...]

    @classmethod
    def build(cls, embedder: Embedder) -> DomainPrior:
        """Embed the descriptions once with the advisor's own model."""
        vectors = [tuple(unit(v)) for v in embedder.embed_documents([*FIELD, *EVERYDAY])]
        return cls(embedder, tuple(vectors[: len(FIELD)]), tuple(vectors[len(FIELD) :]))

    def margin(self, message: str) -> float:
        """How much more the message reads like the field than like any everyday domain
        (positive: the field; about -0.1 to -0.5: the weather, a recipe, a joke)."""
        vector = unit(self.embedder.embed_query(message))
        return _best(vector, self.field) - _best(vector, self.everyday)
