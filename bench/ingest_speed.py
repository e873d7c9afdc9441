"""Ingest benchmark: the bundled corpus into a temp store, against the model's own `encode`.

    .venv/bin/python bench/ingest_speed.py            # a table
    .venv/bin/python bench/ingest_speed.py --json     # one JSON object
    .venv/bin/python bench/ingest_speed.py --repeat 5 --threads 1

For each repeat, in one process with the model loaded and warmed up: first the raw
baseline (`advisor.embeddings.encode_raw` on every record's `index_text()`, chunks and
sentence units), then a full `ingest()` of the bundled corpus into a fresh temp store.
The best run of each is compared: pipeline overhead = ingest / raw - 1 (target < 15 %),
in wall time and in process CPU time (steadier when other work shares the CPUs).
Then `advisor ingest --json` reruns over the last store in a fresh process: nothing
changed, so it must not load the model (target < 3 s wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OVERHEAD_TARGET = 0.15
UNCHANGED_TARGET_S = 3.0


def _records(settings: Any) -> list[Any]:
    """The records a full ingest embeds, built by the pipeline's own loaders and chunker."""
    from ingest.discovery import Skipped, collect
    from ingest.parsing import Recipe, parse_document

    skipped: list[Skipped] = []
    docs, _ = collect((), settings, skipped)
    recipe = Recipe.from_settings(settings)
    return [c for doc in docs for c in parse_document(doc, recipe)]


def measure(repeat: int) -> dict[str, Any]:
    """Best-of-`repeat` raw encode vs full ingest, then an unchanged re-ingest (temp stores)."""
    tmp = Path(tempfile.mkdtemp(prefix="advisor-bench-ingest-"))
    try:
        return _measure(repeat, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(repeat: int, tmp: Path) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from advisor import Settings
    from advisor.embeddings import encode_raw, get_embeddings
    from ingest import ingest

    base = Settings.from_env(env={}, store_dir=tmp / "store-0")
    records = _records(base)
    texts = [r.index_text() for r in records]
    embeddings = get_embeddings(base)
    encode_raw(embeddings, texts[:64])  # warm-up: first calls pay for lazy initialisation
    embeddings.embed_documents(texts[:64])

    import chromadb  # noqa: F401  (imported once per process, like the model: not per ingest)

    raw_runs: list[float] = []
    ingest_runs: list[float] = []
    raw_cpu: list[float] = []
    ingest_cpu: list[float] = []
    report = None
    store_dir = base.store_dir
    for i in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        encode_raw(embeddings, texts)
        raw_runs.append(time.perf_counter() - started)
        raw_cpu.append(time.process_time() - cpu)
        store_dir = tmp / f"store-{i}"
        settings = base.with_(store_dir=store_dir)
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest(settings=settings, progress=False)
        ingest_runs.append(time.perf_counter() - started)
        ingest_cpu.append(time.process_time() - cpu)
    assert report is not None and report.embedded_chunks == len(records), report

    env = {**os.environ, "ADVISOR_STORE_DIR": str(store_dir)}
    started = time.perf_counter()
    rerun = subprocess.run(
        [str(Path(sys.executable).parent / "advisor"), "ingest", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    unchanged_s = time.perf_counter() - started
    again = json.loads(rerun.stdout)

    raw, full = min(raw_runs), min(ingest_runs)
    return {
        "files": report.files,
        "chunks": report.chunks,
        "records": len(records),
        "characters": sum(map(len, texts)),
        "repeat": repeat,
        "raw_encode_s": round(raw, 3),
        "ingest_s": round(full, 3),
        "raw_runs_s": [round(x, 3) for x in raw_runs],
        "ingest_runs_s": [round(x, 3) for x in ingest_runs],
        "records_per_s": round(len(records) / full, 1),
        "chunks_per_s": round(report.chunks / full, 1),
        "raw_records_per_s": round(len(records) / raw, 1),
        "overhead": round(full / raw - 1, 4),
        "raw_cpu_s": round(min(raw_cpu), 3),
        "ingest_cpu_s": round(min(ingest_cpu), 3),
        "overhead_cpu": round(min(ingest_cpu) / min(raw_cpu) - 1, 4),
        "torch_threads": _torch_threads(),
        "overhead_target": OVERHEAD_TARGET,
        "unchanged_reingest_s": round(unchanged_s, 3),
        "unchanged_target_s": UNCHANGED_TARGET_S,
        "unchanged_report": again,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def table(r: dict[str, Any]) -> str:
    ok = {True: "ok", False: "MISSED"}
    rows = [
        (
            "corpus",
            f"{r['files']} files, {r['chunks']} chunks, {r['records']} records "
            f"(chunks + sentence units), {r['characters']} characters",
        ),
        (
            "raw encode (baseline)",
            f"{r['raw_encode_s']:.2f} s  ({r['raw_records_per_s']} records/s)",
        ),
        (
            "full ingest",
            f"{r['ingest_s']:.2f} s  ({r['records_per_s']} records/s, "
            f"{r['chunks_per_s']} chunks/s)",
        ),
        (
            "pipeline overhead",
            f"{r['overhead']:+.1%}  (target < {OVERHEAD_TARGET:.0%}: "
            f"{ok[r['overhead'] < OVERHEAD_TARGET]})",
        ),
        (
            "unchanged re-ingest",
            f"{r['unchanged_reingest_s']:.2f} s in a fresh process  "
            f"(target < {UNCHANGED_TARGET_S:.0f} s: "
            f"{ok[r['unchanged_reingest_s'] < UNCHANGED_TARGET_S]})",
        ),
        (
            "overhead in CPU time",
            f"{r['overhead_cpu']:+.1%}  "
            f"({r['raw_cpu_s']:.2f} s raw, {r['ingest_cpu_s']:.2f} s ingest)",
        ),
        ("runs (raw / ingest)", f"{r['raw_runs_s']} / {r['ingest_runs_s']}"),
        (
            "machine",
            f"{r['cpus']} CPUs, {r['torch_threads']} torch threads, "
            f"load average {r['load_average']}",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    if r["load_average"][0] > r["cpus"]:
        lines.append(
            "note: the machine was busy (load above the CPU count): wall-clock ratios are "
            "noisy; CPU time and the best of several runs are the steadier guide"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument(
        "--threads", type=int, help="torch threads for both (steadier on a busy machine)"
    )
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    result = measure(max(1, args.repeat))
    print(json.dumps(result) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
