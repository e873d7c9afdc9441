"""Filtered dense retrieval over the real store and model: a filter applied in memory to
Chroma's unfiltered neighbours gives what Chroma's own `where` query gives, and a filter
value too rare for that falls back to the `where` query."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from advisor import CareerAdvisor, Source, Store
from advisor import retrieval as retrieval_module
from advisor.evaluation.run import load_questions
from advisor.records import Chunk
from advisor.retrieval import CANDIDATES, OVERFETCH, Retriever, matches
from advisor.store.client import make_client
from tests.exact_store import ExactStore
from tests.ranking import assert_same_ranking

BROAD = ({"kind": {"$ne": "guide"}}, {"kind": "guide"}, {"kind": {"$in": ["library", "tool"]}})
"""Filters that many records near a question pass: answered in memory."""
RARE: dict[str, Any] = {"kind": "course"}
"""One resource card: far fewer records than a dense query needs."""
NEED = 4 * CANDIDATES
"""Records `Retriever._dense` asks for at k=4."""


class RecordingStore(Store):
    """The real store, noting the `where` of every dense query it runs."""

    def __init__(self, store_dir: Path, settings_from: Store) -> None:
        settings = settings_from.settings.with_(store_dir=store_dir)
        super().__init__(make_client(settings), settings)
        self.wheres: list[dict[str, Any] | None] = []

    def query_ids(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        self.wheres.append(where)
        return super().query_ids(vector, k, where)


@pytest.fixture(scope="module")
def questions(extractive: CareerAdvisor) -> dict[str, list[float]]:
    """Every evaluation question with its real embedding."""
    qs = load_questions()
    texts = [q.question for q in (*qs.in_scope, *qs.follow_ups, *qs.off_topic)]
    return {q: extractive.retriever.embeddings.embed_query(q) for q in texts}


@pytest.fixture(scope="module")
def answered(questions: dict[str, list[float]]) -> dict[str, list[float]]:
    """The in-scope questions and follow-ups (off-topic ones are refused).

    An off-topic question is about equally far from every passage (cosine ~0.07), so the odd
    record that either approximate search misses can reorder its top four.
    """
    off_topic = {q.question for q in load_questions().off_topic}
    return {q: v for q, v in questions.items() if q not in off_topic}


@pytest.fixture(scope="module")
def recording(
    index_dir: Path, shared_store: Store, extractive: CareerAdvisor
) -> tuple[Retriever, RecordingStore]:
    """A retriever over the shared test index whose store records its queries."""
    store = RecordingStore(index_dir, shared_store)
    return Retriever(store, extractive.retriever.embeddings, store.settings), store


@pytest.fixture(scope="module")
def exact(
    index_dir: Path, shared_store: Store, extractive: CareerAdvisor
) -> tuple[Retriever, ExactStore]:
    """A retriever over the shared test index searched exactly (see ExactStore)."""
    store = ExactStore(index_dir, shared_store)
    return Retriever(store, extractive.retriever.embeddings, store.settings), store


def _where(filters: dict[str, Any]) -> dict[str, Any] | None:
    return retrieval_module._chroma_where(filters)


@pytest.mark.slow
@pytest.mark.parametrize("filters", BROAD, ids=str)
def test_filtered_retrieve_equals_the_where_based_retrieve(
    exact: tuple[Retriever, ExactStore],
    questions: dict[str, list[float]],
    filters: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every evaluation question, off-topic ones too: with no approximation left there is
    no record that one search finds and the other misses."""
    retriever, store = exact

    def run() -> list[list[Source]]:
        return [retriever.retrieve_vector(q, v, 4, filters).sources for q, v in questions.items()]

    store.wheres.clear()
    in_memory = run()
    assert store.wheres.count(None) > len(questions) // 2  # mostly no `where` query at all
    monkeypatch.setattr(retrieval_module, "_UNIT_SHARED", frozenset())  # `where` for every filter
    store.wheres.clear()
    where_based = run()
    assert store.wheres == [_where(filters)] * len(questions)
    index = retriever.keyword_index()
    for question, got, want in zip(questions, in_memory, where_based, strict=True):
        assert got, question
        ranked = [[(s.id, s.score) for s in sources] for sources in (got, want)]
        assert_same_ranking(*ranked, label=question)
        assert all(matches(index.by_id[s.id], filters) for s in got)


@pytest.mark.slow
@pytest.mark.parametrize("filters", BROAD, ids=str)
def test_filtered_candidates_match_the_where_query(
    recording: tuple[Retriever, RecordingStore],
    answered: dict[str, list[float]],
    filters: dict[str, Any],
) -> None:
    """The records `_dense` reads: all pass, best first, and they are the `where` query's
    but for the odd record near the end that one of the two searches misses: both are
    approximate (HNSW), and at 80 records they differ by up to 4 on this index."""
    retriever, store = recording
    index = retriever.keyword_index()
    for question, vector in answered.items():
        nearest = retriever._nearest(vector, NEED, filters, index)
        expected = store.query_ids(vector, NEED, where=_where(filters))
        assert len(nearest) == len(expected) == NEED
        sims = [s for _, s in nearest]
        assert sims == sorted(sims, reverse=True)
        passages = [index.by_id[retrieval_module._passage_of(uid, index)[0]] for uid, _ in nearest]
        assert all(matches(p, filters) for p in passages)
        shared = {uid for uid, _ in nearest} & {uid for uid, _ in expected}
        assert len(shared) >= 0.9 * NEED, question


@pytest.mark.slow
@pytest.mark.parametrize("filters", BROAD, ids=str)
def test_filtered_in_memory_over_the_whole_store_is_the_exact_ranking(
    recording: tuple[Retriever, RecordingStore],
    questions: dict[str, list[float]],
    filters: dict[str, Any],
) -> None:
    """When the unfiltered read covers every record (no HNSW approximation left), the result
    is exactly the best n of the records that pass: ids, order and similarities."""
    retriever, store = recording
    index = retriever.keyword_index()
    n = store.count() // OVERFETCH + 1
    raw = store._col()  # the collection readers serve (a reset builds another beside it)
    assert raw is not None
    got = raw.get(include=["embeddings", "metadatas"])
    ids, metas = got["ids"], got["metadatas"] or []
    vectors = np.asarray(got["embeddings"], dtype=np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    passes = [
        matches(Chunk.from_stored(i, "", m), filters) for i, m in zip(ids, metas, strict=True)
    ]
    assert 0 < sum(passes) < len(ids)
    for question, vector in questions.items():
        sims = vectors @ np.asarray(vector)
        ranked = [(ids[i], float(sims[i])) for i in np.argsort(-sims) if passes[i]]
        store.wheres.clear()
        nearest = retriever._nearest(vector, n, filters, index)
        assert store.wheres == [None]
        assert_same_ranking(nearest, ranked[:n], pool=ranked, label=question)


@pytest.mark.slow
def test_a_rare_filter_value_falls_back_to_the_where_query(
    recording: tuple[Retriever, RecordingStore], questions: dict[str, list[float]]
) -> None:
    retriever, store = recording
    index = retriever.keyword_index()
    assert store.count() > OVERFETCH * NEED  # else every record is read and nothing is missed
    rare = [c for c in index.chunks if matches(c, RARE)]
    assert rare and len(rare) < NEED
    for question, vector in list(questions.items())[:10]:
        store.wheres.clear()
        got = retriever._nearest(vector, NEED, RARE, index)
        assert store.wheres == [None, _where(RARE)], question
        assert got and got == store.query_ids(vector, NEED, where=_where(RARE))
        sources = retriever.retrieve_vector(question, vector, 4, RARE).sources
        assert sources and all(s.kind == "course" for s in sources)


@pytest.mark.slow
def test_section_filters_use_the_where_query(
    recording: tuple[Retriever, RecordingStore], questions: dict[str, list[float]]
) -> None:
    """A sentence unit's section adds its own heading: only Chroma knows which units pass."""
    retriever, store = recording
    index = retriever.keyword_index()
    step = next(c.section.split(" > ")[0] for c in index.chunks if c.kind == "guide")
    vector = next(iter(questions.values()))
    for filters in ({"top_section": step}, {"section": {"$ne": step}}):
        store.wheres.clear()
        retriever._nearest(vector, NEED, filters, index)
        assert store.wheres == [_where(filters)]
