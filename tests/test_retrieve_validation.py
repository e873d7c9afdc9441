"""`retrieve` checks its inputs: k within 1..ADVISOR_MAX_K, filters over known fields and
operators (InputError naming them), and $and/$or/step/cost/level filter right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor import CareerAdvisor, InputError, Settings, Store
from advisor import retrieval as retrieval_module
from advisor.filters import FIELDS, matches, normalize
from advisor.retrieval import Retriever
from tests.exact_store import ExactStore
from tests.ranking import assert_same_ranking

QUESTION = "Which course should I take to learn machine learning?"

BAD_K: list[Any] = [0, -1, 21, 1000, 2.5, "3", True, None]

BAD_FILTERS: list[Any] = [
    {"author": "Ryan"},  # unknown field
    {"Kind": "guide"},  # field names are exact
    {"kind": {"$regex": "gu.*"}},  # unknown operator
    {"$not": {"kind": "guide"}},  # unknown logical operator
    {"kind": {"$gt": "a"}},  # order operators are for step only
    {"step": "2"},  # wrong type
    {"step": 2.5},
    {"step": True},
    {"cost": 0},
    {"kind": ["guide"]},  # a list where a value belongs
    {"kind": None},
    {"kind": {"$in": "guide"}},  # $in takes a list
    {"kind": {"$in": []}},
    {"step": {"$in": [1, "2"]}},
    {"kind": {"$eq": "guide", "$ne": "course"}},  # one operator per condition
    {"kind": {}},
    {"$and": "kind"},  # nested junk
    {"$and": []},
    {"$or": [1, 2]},
    {"$and": [{}]},
    {"$or": [{"kind": "guide"}, {"$and": [{"bogus": 1}]}]},
    {"$and": [{"kind": "guide"}, ["kind", "guide"]]},
    {1: "guide"},
    "kind=guide",
    ["kind", "guide"],
]


def _deep(depth: int) -> dict[str, Any]:
    nested: dict[str, Any] = {"kind": "guide"}
    for _ in range(depth):
        nested = {"$and": [nested, {"kind": "guide"}]}
    return nested


GOOD_FILTERS: list[dict[str, Any]] = [
    {"cost": "paid"},
    {"level": "advanced"},
    {"step": 6},
    {"step": {"$gte": 6}},
    {"step": {"$in": [2, 4]}},
    {"$and": [{"kind": {"$ne": "guide"}}, {"cost": "free"}, {"step": {"$lte": 3}}]},
    {"$or": [{"level": "advanced"}, {"step": 7}]},
    {"$or": [{"kind": "guide"}, {"$and": [{"cost": "paid"}, {"level": "beginner"}]}]},
    {"level": {"$nin": ["beginner", "intermediate"]}, "kind": {"$ne": "guide"}},
]


@pytest.mark.parametrize("k", BAD_K, ids=repr)
def test_k_outside_one_to_max_k_is_refused(extractive: CareerAdvisor, k: Any) -> None:
    with pytest.raises(
        InputError, match=r"k must be a whole number from 1 to 20 \(ADVISOR_MAX_K\)"
    ):
        extractive.retrieve(QUESTION, k=k)


def test_max_k_comes_from_the_environment(extractive: CareerAdvisor) -> None:
    assert Settings.from_env(env={"ADVISOR_MAX_K": "30"}).max_k == 30
    assert Settings.from_env(env={}).max_k == 20
    wider = CareerAdvisor(
        extractive.settings.with_(max_k=30),
        extractive.store,
        extractive.answerer,
        retriever=extractive.retriever,
    )
    assert 20 < len(wider.retrieve(QUESTION, k=25)) <= 25
    assert len(extractive.retrieve(QUESTION, k=20)) == 20
    assert len(extractive.retrieve(QUESTION, k=1)) == 1


@pytest.mark.parametrize("filters", [*BAD_FILTERS, _deep(20)], ids=str)
def test_bad_filters_raise_input_error_naming_fields_and_operators(
    extractive: CareerAdvisor, filters: Any
) -> None:
    with pytest.raises(InputError) as caught:
        extractive.retrieve(QUESTION, k=4, filters=filters)
    message = str(caught.value)
    assert message.startswith("bad filter: ")
    assert "fields: " + ", ".join(FIELDS) in message
    assert "operators: $eq, $ne, $in, $nin" in message and "$gte" in message
    assert "$and or $or" in message


def test_a_bad_filter_is_refused_by_the_retriever_too(extractive: CareerAdvisor) -> None:
    with pytest.raises(InputError, match="unknown field 'author'"):
        extractive.retriever.retrieve(QUESTION, 4, {"author": "x"})


def test_nested_filters_within_the_depth_limit_are_fine() -> None:
    assert normalize(_deep(7)) is not None
    wide = {"$and": [{"kind": "guide"}], "$or": [{"step": 2.0}, {"cost": "free"}], "level": "x"}
    for _ in range(7):  # 8 levels, each with several keys (an implicit $and)
        wide = {"$and": [wide], "$or": [wide], "kind": "guide"}
    canonical = normalize(wide)
    assert canonical is not None and normalize(canonical) is canonical  # checked once
    assert normalize({"step": 2.0}) == {"step": {"$eq": 2}}  # JSON's 2.0 is the integer 2
    assert normalize({"$and": [{"kind": "guide"}]}) == {"kind": {"$eq": "guide"}}
    assert normalize({}) is None and normalize(None) is None


@pytest.mark.parametrize("filters", GOOD_FILTERS, ids=str)
def test_card_and_logical_filters_keep_exactly_the_matching_passages(
    extractive: CareerAdvisor, filters: dict[str, Any]
) -> None:
    chunks = extractive.retriever.keyword_index().chunks
    passing = {c.id for c in chunks if matches(c, filters)}
    assert 0 < len(passing) < len(chunks)  # the filter selects something, not everything
    for question in (QUESTION, "MLOps tools for production", "linear algebra and calculus"):
        found = extractive.retrieve(question, k=6, filters=filters)
        assert found, question
        assert {s.id for s in found} <= passing, question


def test_card_fields_carry_the_front_matter(extractive: CareerAdvisor) -> None:
    """Every card passage (and its sentence units) holds the card's step, cost and level."""
    fronts = _front_matter()
    chunks = [c for c in extractive.retriever.keyword_index().chunks if c.kind != "guide"]
    assert {c.source for c in chunks} == set(fronts)
    for chunk in chunks:
        front = fronts[chunk.source]
        assert (chunk.step, chunk.cost, chunk.level) == (
            int(front["guide_step"]),
            front["cost"],
            front["level"],
        )
    free_early = extractive.retrieve(
        QUESTION, k=20, filters={"$and": [{"cost": "free"}, {"step": {"$lte": 3}}]}
    )
    want = {s for s, f in fronts.items() if f["cost"] == "free" and int(f["guide_step"]) <= 3}
    assert {s.source for s in free_early} <= want and len({s.source for s in free_early}) >= 2


@pytest.mark.slow
@pytest.mark.parametrize("filters", GOOD_FILTERS[3:7], ids=str)
def test_in_memory_card_filters_rank_as_chromas_where_query(
    extractive: CareerAdvisor,
    index_dir: Path,
    shared_store: Store,
    filters: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Step/cost/level and $and/$or decided in memory give Chroma's own `where` ranking
    (over an exact search: two HNSW searches may each miss a different record)."""
    store = ExactStore(index_dir, shared_store)
    retriever = Retriever(store, extractive.retriever.embeddings, store.settings)
    questions = [QUESTION, "MLOps tools for production", "What is DVC?"]
    vectors = {q: retriever.embeddings.embed_query(q) for q in questions}
    in_memory = [retriever.retrieve_vector(q, v, 4, filters).sources for q, v in vectors.items()]
    monkeypatch.setattr(retrieval_module, "_UNIT_SHARED", frozenset())  # `where` for everything
    where = [retriever.retrieve_vector(q, v, 4, filters).sources for q, v in vectors.items()]
    for question, got, want in zip(questions, in_memory, where, strict=True):
        assert got, question
        ranked = [[(s.id, s.score) for s in sources] for sources in (got, want)]
        assert_same_ranking(*ranked, label=question)


def test_a_store_without_card_fields_answers_and_says_why_card_filters_fail(
    extractive: CareerAdvisor, tmp_path: Path
) -> None:
    """An index whose passages carry no step/cost/level (built before card fields were
    stored, or from documents without cards): plain retrieval works, and a filter on those
    fields says to re-ingest instead of silently returning nothing."""
    from ingest import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.md").write_text(
        "# Study notes\n\n## Courses\nA machine learning course teaches regression and "
        "classification with scikit-learn.\n\n## Tools\nMLflow tracks experiments.\n",
        encoding="utf-8",
    )
    settings = Settings.from_env(env={}, store_dir=tmp_path / "old")
    assert ingest([folder], settings=settings, progress=False).added == 1
    retriever = Retriever(Store.open(settings), extractive.retriever.embeddings, settings)
    assert retriever.retrieve(QUESTION, 3).sources
    assert retriever.retrieve(QUESTION, 3, {"kind": {"$ne": "guide"}}).sources
    for filters in ({"cost": "free"}, {"$or": [{"kind": "guide"}, {"step": {"$gt": 1}}]}):
        with pytest.raises(InputError, match=r"advisor ingest --reset"):
            retriever.retrieve(QUESTION, 3, filters)


def _front_matter() -> dict[str, dict[str, str]]:
    folder = Path(__file__).resolve().parents[1] / "corpus" / "resources"
    found: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.md")):
        head = path.read_text("utf-8").split("---")[1]
        pairs = (line.split(":", 1) for line in head.strip().splitlines() if ":" in line)
        found[f"resources/{path.name}"] = {k.strip(): v.strip() for k, v in pairs}
    return found
