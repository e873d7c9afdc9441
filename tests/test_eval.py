"""Quality floors on the project's question set, asserted on CI's quick benchmark (bench/run.py).

Measured: hit@1 0.857, MRR 0.904, recall@4 0.987, answer accuracy 0.896, follow-ups 0.889,
13/13 off-topic refused, 0 in-scope refused, citations 100%. Each floor allows about one
question less; the RRF alternative must stay ahead of the tutorial baseline too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.evaluation.run import load_questions


def test_question_set_is_big_enough() -> None:
    qs = load_questions()
    assert len(qs.in_scope) >= 40 and len(qs.off_topic) >= 8 and len(qs.follow_ups) >= 6
    assert len({q.id for q in qs.in_scope + qs.off_topic + qs.follow_ups}) == (
        len(qs.in_scope) + len(qs.off_topic) + len(qs.follow_ups)
    )


@pytest.fixture(scope="module")
def report(quality_run: tuple[int, dict[str, Any], str, Path]) -> dict[str, Any]:
    """`advisor eval` with its baselines, as CI's quick benchmark (bench/run.py) ran it."""
    code, doc, _, _ = quality_run
    assert code == 0, doc["parts"]["quality"]
    result: dict[str, Any] = doc["parts"]["quality"]["result"]
    return result


def test_retrieval_floors_and_ahead_of_baseline(report: dict) -> None:
    ours, base = report["retrieval"]["advisor"], report["retrieval"]["langchain_tutorial"]
    assert ours["hit@1"] >= 0.84
    assert ours["recall@4"] >= 0.97
    assert ours["mrr"] >= 0.89
    assert ours["hit@1"] > base["hit@1"] and ours["mrr"] > base["mrr"]
    rrf = report["retrieval"]["advisor_rrf"]
    assert rrf["hit@1"] >= 0.79 and rrf["recall@4"] >= 0.93
    assert rrf["hit@1"] > base["hit@1"] and rrf["mrr"] > base["mrr"]


def test_answer_floors(report: dict) -> None:
    answers = report["answers"]
    assert answers["answer_accuracy"] >= 0.88
    assert answers["follow_up_accuracy"] >= 0.77
    assert answers["off_topic_refused"] >= 0.9
    assert answers["in_scope_refused"] <= 1
    assert answers["citation_validity"] == 1.0
