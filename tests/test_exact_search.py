"""Dense search over a small store is exact, so every process ranks the same records.

Chroma builds the HNSW graph of an unsynced collection (the bundled corpus: 465 records)
anew in each process, so before this the 80 records nearest one vector differed between
two fresh processes over the same store, and the offline advisor's answer to the same
conversation with them (holdout4 h4-06#4 quoted the deep-learning list in one process and
a StatQuest card in the next).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from advisor import CareerAdvisor, Store
from advisor.evaluation.run import load_questions
from advisor.store.exact import ExactIndex
from tests.exact_store import ExactStore
from tests.ranking import assert_same_ranking

NEAREST = 80
"""Records `Retriever._dense` reads for an answer at k=4."""

CHILD = """
import json, sys
from pathlib import Path
from advisor import Settings, Store
from advisor.retrieval import Retriever

def no_model():
    raise AssertionError("the parent gives every vector")

asked = json.load(sys.stdin)
settings = Settings.from_env(env={}, store_dir=Path(sys.argv[1]))
store = Store.open(settings)
retriever = Retriever(store, no_model, settings)
nearest = [store.query_ids(v, int(sys.argv[2])) for v in asked["vectors"]]
found = [retriever.retrieve_vector(q, v, 4).sources for q, v in asked["questions"]]
print(json.dumps({
    "nearest": nearest,
    "sources": [[[s.id, s.score, list(s.matches)] for s in f] for f in found],
}))
"""


@pytest.fixture(scope="module")
def asked(extractive: CareerAdvisor) -> dict[str, Any]:
    """Random unit vectors (far from everything: long near-ties) and real questions."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(12, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [q.question for q in load_questions().in_scope[:8]]
    texts.append("back to it. do i really need the math or can i skip it")
    embed = extractive.retriever.embeddings.embed_query
    return {
        "vectors": vectors.tolist(),
        "questions": [[t, embed(t)] for t in texts],
    }


def _in_child(index_dir: Path, asked: dict[str, Any]) -> dict[str, Any]:
    """What a fresh process that opens the store finds for `asked`."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(index_dir), str(NEAREST)],
        input=json.dumps(asked),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_two_fresh_processes_find_the_same_records_and_sources(
    index_dir: Path, shared_store: Store, extractive: CareerAdvisor, asked: dict[str, Any]
) -> None:
    first = _in_child(index_dir, asked)
    second = _in_child(index_dir, asked)
    assert first == second  # the same ids, similarities, sources, scores and sentences
    here = [[list(r) for r in shared_store.query_ids(v, NEAREST)] for v in asked["vectors"]]
    assert here == first["nearest"]  # and this process, which opened the store earlier
    assert all(len(n) == NEAREST for n in here)
    sources = [extractive.retriever.retrieve_vector(q, v, 4).sources for q, v in asked["questions"]]
    assert [[s.id for s in f] for f in sources] == [[s[0] for s in f] for f in first["sources"]]


def test_the_search_is_exact(index_dir: Path, shared_store: Store, asked: dict[str, Any]) -> None:
    exact = ExactStore(index_dir, shared_store)  # every record scored, independently
    wheres: list[dict[str, Any] | None] = [None, {"kind": "guide"}, {"unit": "chunk"}]
    for vector in [*asked["vectors"][:4], *(v for _, v in asked["questions"][:4])]:
        for where in wheres:
            pool = exact.query_ids(vector, 10_000, where)
            got = shared_store.query_ids(vector, NEAREST, where)
            assert_same_ranking(got, pool[:NEAREST], pool=pool, label=repr(where))


def test_equal_similarities_come_in_id_order_and_a_filter_keeps_its_records() -> None:
    index = ExactIndex(["c", "a", "b", "d"], [[1, 0], [1, 0], [0, 1], [2, 0]])
    assert [i for i, _ in index.nearest([3.0, 0.0], 4)] == ["a", "c", "d", "b"]
    assert index.nearest([1.0, 0.0], 2) == [("a", 1.0), ("c", 1.0)]
    assert [i for i, _ in index.nearest([1.0, 0.0], 4, allowed={"b", "d"})] == ["d", "b"]
    assert ExactIndex.of_pages([]).nearest([1.0, 0.0], 3) == []
