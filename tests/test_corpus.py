"""The bundled corpus: the guide (the article's sentences kept word for word, its added FAQ
headings declared) and one well-formed card per resource it names, its own advice marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.loaders import split_front_matter

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GUIDE_NAME = "how-to-become-an-ai-ml-engineer-2026.md"
SEED = ROOT.parent / "shared" / "seed" / GUIDE_NAME.replace(".md", ".txt")
CARDS = sorted((CORPUS / "resources").glob("*.md"))
KINDS = {"course", "video series", "library", "tool", "platform"}
COSTS = {"free", "free tier", "paid"}
LEVELS = {"beginner", "intermediate", "advanced"}

NAMED_BY_THE_GUIDE = {
    "Essence of Linear Algebra": ["essence of linear algebra"],
    "Essence of Calculus": ["essence of calculus"],
    "StatQuest": ["statquest"],
    "Machine Learning Specialization": ["machine learning specialization"],
    "NumPy": ["numpy"],
    "Pandas": ["pandas"],
    "Matplotlib": ["matplotlib"],
    "Seaborn": ["seaborn"],
    "scikit-learn": ["scikit-learn"],
    "XGBoost": ["xgboost"],
    "LightGBM": ["lightgbm"],
    "PyTorch": ["pytorch"],
    "TensorFlow/Keras": ["tensorflow", "keras"],
    "MLflow": ["mlflow"],
    "Weights & Biases": ["weights & biases"],
    "DVC": ["dvc"],
    "Docker": ["docker"],
    "FastAPI": ["fastapi"],
    "AWS SageMaker": ["sagemaker"],
    "Google Vertex AI": ["vertex ai"],
    "Azure ML": ["azure", "machine learning"],
}

# Exact sentences of the source article (../shared/seed/how-to-become-an-ai-ml-engineer-2026.txt),
# copied here because the seed lives beside the checkout, not in it.
SEED_SENTENCES = [
    "Artificial intelligence has transitioned from a research discipline to the central nervous "
    "system of global industry.",
    "Machine learning engineers — the professionals who design, build, and deploy these systems "
    "— are among the most sought-after and well-compensated technologists in the world.",
    "This guide is your structured starting map for entering the field in 2026.",
    "The terms AI Engineer, Machine Learning Engineer, and Data Scientist often appear "
    "interchangeably in job postings but refer to meaningfully different roles.",
    "Uses APIs, prompt engineering, retrieval-augmented generation (RAG), and orchestration "
    "frameworks.",
    "ML is applied mathematics. You don’t need a PhD, but you need functional understanding of "
    "the mathematical concepts that underpin model training and optimization:",
    "3Blue1Brown’s Essence of Linear Algebra and Essence of Calculus series on YouTube make these "
    "topics visually intuitive.",
    "StatQuest covers probability and statistics with excellent clarity.",
    "Scikit-learn — classical machine learning algorithms with a consistent, clean API",
    "Ensemble methods — gradient boosting (XGBoost, LightGBM)",
    "Andrew Ng’s Machine Learning Specialization on Coursera (updated for 2024) remains the gold "
    "standard introductory curriculum for these concepts.",
    "Transformers — the architecture powering GPT, BERT, LLaMA, and virtually all modern LLMs",
    "Framework recommendation: learn PyTorch first.",
    "TensorFlow/Keras is still important to know for legacy environments.",
    "MLOps is what differentiates a data scientist from a machine learning engineer:",
    "Cloud ML platforms — AWS SageMaker, Google Vertex AI, Azure ML",
    "Target: 3–5 well-documented projects spanning different ML domains — a classification "
    "problem, a deep learning project, and an LLM-powered application covering the three main "
    "paradigms employers care about in 2026.",
    "Many ML engineers work at top companies without advanced degrees.",
    "The path is longer than most tech careers — typically 12–24 months of dedicated learning "
    "before reaching entry-level readiness, depending on your mathematical and programming "
    "background.",
    "PyTorch is the better first choice in 2026.",
    "Deep Learning is a subset of ML using neural networks.",
    "In the US market, entry-level ML roles typically start at $100,000–130,000 USD.",
    "Senior ML engineers and research scientists at major technology companies frequently earn "
    "$200,000–400,000 USD in total compensation.",
]

FAQ_HEADINGS = [
    "Do I need a degree or PhD",
    "How long does it take",
    "PyTorch or TensorFlow first",
    "difference between AI, ML and deep learning",
    "How much do ML engineers earn",
]
MARKETING = ["Try Classpedia", "View all posts", "A simple, guided process", "Explore Courses"]


def _card(path: Path) -> tuple[dict[str, str], str]:
    return split_front_matter(path.read_text(encoding="utf-8"))


def _guide_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((CORPUS / "guide").glob("*.md")))


def _flat(text: str) -> str:
    """Markdown list markers and line breaks removed, so a sentence is found wherever it wraps."""
    text = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", text, flags=re.M)
    return " ".join(text.split())


def test_there_are_resource_cards() -> None:
    assert len(CARDS) >= 21


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_every_card_has_valid_front_matter_and_a_body(path: Path) -> None:
    meta, body = _card(path)
    assert meta.get("title"), "title is required"
    assert re.fullmatch(r"https://[^\s/]+\.[^\s]+", meta.get("url", "")), meta.get("url")
    assert meta.get("kind") in KINDS
    assert meta.get("level") in LEVELS
    assert meta.get("guide_step", "").isdigit() and 1 <= int(meta["guide_step"]) <= 7
    assert meta.get("cost") in COSTS, "cost is required: free, free tier or paid"
    assert len(body.strip()) > 200
    assert body.lstrip().startswith("# ")


@pytest.mark.parametrize("name", sorted(NAMED_BY_THE_GUIDE))
def test_every_resource_the_guide_names_has_a_card(name: str) -> None:
    titles = [_card(p)[0].get("title", "").lower() for p in CARDS]
    words = NAMED_BY_THE_GUIDE[name]
    assert any(all(w in t for w in words) for t in titles), f"no card for {name}: {titles}"
    assert name.split("/")[0].lower().split()[0] in _guide_text().lower()


@pytest.mark.parametrize("sentence", SEED_SENTENCES, ids=lambda s: s[:40])
def test_the_guide_keeps_the_articles_sentences_verbatim(sentence: str) -> None:
    assert sentence in _flat(_guide_text())


@pytest.mark.skipif(not SEED.is_file(), reason="the seed article is not beside this checkout")
def test_every_sentence_of_the_seed_article_is_in_the_guide() -> None:
    lines = [" ".join(line.split()) for line in SEED.read_text(encoding="utf-8").splitlines()]
    body = lines[_first_body_line(lines) :]
    body = body[: body.index("Try Classpedia")]
    chrome = {"View all posts →", "Table of Content Table of Content", "About the Author"}
    chrome |= {"Ryan Mitchell", "Career Development Advisor", "Frequently Asked Questions"}
    guide = _flat(_guide_text())
    kept = [
        line for line in body if line and line not in chrome and not line.startswith("A simple")
    ]
    assert len(kept) > 40
    for line in kept:
        assert _flat(line.removeprefix("• ").removeprefix("A: ")) in guide, line
    for sentence in SEED_SENTENCES:
        assert sentence in " ".join(lines), sentence  # the copies above are exact


def _first_body_line(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("Artificial intelligence"))


def test_the_guide_has_the_faq_questions_as_headings() -> None:
    headings = [line for line in _guide_text().splitlines() if line.startswith("#")]
    for question in FAQ_HEADINGS:
        assert any(question.lower() in h.lower() for h in headings), question
    assert any(h.startswith("## 5. Deep Learning and Neural Networks") for h in headings)


def test_the_articles_chrome_and_marketing_are_gone() -> None:
    text = _guide_text() + "".join(p.read_text(encoding="utf-8") for p in CARDS)
    for phrase in MARKETING:
        assert phrase not in text
    assert "Skip to main content" not in text
    assert "A: PyTorch" not in text


def test_the_guide_front_matter_names_its_source() -> None:
    meta, body = split_front_matter((CORPUS / "guide" / GUIDE_NAME).read_text(encoding="utf-8"))
    assert meta["author"] == "Ryan Mitchell" and meta["kind"] == "guide"
    assert body.startswith("# How to Become an AI and Machine Learning Engineer in 2026")


GUIDE_SECTION = "## How it fits the guide's path"
CARD_NOTE = "## Card note (not from the guide)"


def _section(body: str, heading: str) -> str:
    """The text under a `## ` heading, up to the next one ("" when absent)."""
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^## |\Z)", body, re.M | re.S)
    return match.group(1).strip() if match else ""


def test_the_python_and_github_cards_exist() -> None:
    titles = {p.stem: _card(p)[0]["title"] for p in CARDS}
    assert titles.get("python") == "Python" and titles.get("github") == "GitHub"


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_the_guide_section_states_only_what_the_guide_says(path: Path) -> None:
    """Every sentence under "How it fits the guide's path" attributes itself to the guide; the
    card's own advice sits under its own heading, so an answer never credits it to the guide."""
    _, body = _card(path)
    fits = _section(body, GUIDE_SECTION)
    assert fits, "every card says where the guide places it"
    for sentence in re.split(r"(?<=[.!?])\s+", fits):
        assert "guide" in sentence.lower(), sentence
    headings = re.findall(r"^## .*$", body, re.M)
    if CARD_NOTE in headings:
        assert headings.index(CARD_NOTE) == headings.index(GUIDE_SECTION) + 1
        assert "the guide" not in _section(body, CARD_NOTE).lower().replace("the guide's path", "")


def test_the_fact_checked_cards_say_what_is_true() -> None:
    cards = {p.stem: p.read_text(encoding="utf-8") for p in CARDS}
    sagemaker_meta, sagemaker = split_front_matter(cards["aws-sagemaker"])
    assert "SageMaker AI" in sagemaker_meta["title"]
    assert sagemaker_meta["url"] == "https://aws.amazon.com/sagemaker-ai/"
    assert "December 2024" in sagemaker and "AWS SageMaker" in sagemaker
    ng_meta, ng = split_front_matter(cards["andrew-ng-machine-learning-specialization"])
    assert ng_meta["cost"] == "paid" and "financial aid" in ng
    calculus = cards["3blue1brown-essence-of-calculus"]
    assert "does not cover partial derivatives or gradients" in calculus
    assert "touched on" not in calculus
    assert "Public and private repositories are both free" in cards["github"]
    for stem, text in cards.items():
        assert not re.search(r",\s*[.;]", text), stem


def test_the_guide_front_matter_declares_the_headings_it_added() -> None:
    meta, body = split_front_matter((CORPUS / "guide" / GUIDE_NAME).read_text(encoding="utf-8"))
    added = [h.strip() for h in meta["added_headings"].split(" | ")]
    faq = body[body.index("## Frequently Asked Questions") :]
    assert added == re.findall(r"^### (.+)$", faq, re.M)
    assert len(added) == len(FAQ_HEADINGS) == 5
    assert "added_headings" in meta["copy"] and "verbatim" not in meta["copy"]
    if SEED.is_file():  # the web page showed none of them
        seed = " ".join(SEED.read_text(encoding="utf-8").split())
        assert not [h for h in added if h in seed]
