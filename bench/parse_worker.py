"""What the killable parser process costs: the bundled corpus parsed in-process vs in the worker.

    .venv/bin/python bench/parse_worker.py [--repeat 5] [--json]

Each repeat parses every bundled document twice, in alternating order: once in this
process (the baseline, what ingest did before the parse budget) and once through a
fresh `ParseWorker` (so its start-up is included, as in a real ingest). Reported: the
median of each, the added seconds per ingest, and the worker's start-up alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any


def measure(repeat: int) -> dict[str, Any]:
    """Median wall times (s) of in-process and worker parsing of the bundled corpus."""
    from advisor import Settings
    from ingest.discovery import Skipped, collect
    from ingest.parsing import Recipe, parse_document
    from ingest.worker import ParseWorker

    settings = Settings.from_env(env={})
    skipped: list[Skipped] = []
    docs, _ = collect((), settings, skipped)
    recipe = Recipe.from_settings(settings)
    records = sum(len(parse_document(doc, recipe)) for doc in docs)  # warm-up
    inline: list[float] = []
    worker_total: list[float] = []
    worker_start: list[float] = []
    for i in range(repeat * 2):
        started = time.perf_counter()
        if i % 2 == repeat % 2:
            for doc in docs:
                parse_document(doc, recipe)
            inline.append(time.perf_counter() - started)
            continue
        with ParseWorker(settings.ingest_file_seconds) as worker:
            first = worker.run(len, b"")  # start-up only
            worker_start.append(time.perf_counter() - started)
            got = sum(len(worker.run(parse_document, doc, recipe)) for doc in docs)
        worker_total.append(time.perf_counter() - started)
        assert first == 0 and got == records
    base, full = statistics.median(inline), statistics.median(worker_total)
    return {
        "files": len(docs),
        "records": records,
        "repeat": repeat,
        "in_process_s": round(base, 3),
        "worker_s": round(full, 3),
        "worker_start_s": round(statistics.median(worker_start), 3),
        "added_s": round(full - base, 3),
        "ratio": round(full / base, 2),
        "in_process_runs_s": [round(x, 3) for x in inline],
        "worker_runs_s": [round(x, 3) for x in worker_total],
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    """Print the measurement as a table or one JSON object."""
    parser = argparse.ArgumentParser(description="parse cost: in-process vs the worker")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.repeat)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"bundled corpus: {result['files']} files, {result['records']} records")
    print(f"parse in process      {result['in_process_s']:.2f} s (median)")
    print(
        f"parse in the worker   {result['worker_s']:.2f} s (median; start-up "
        f"{result['worker_start_s']:.2f} s)"
    )
    print(f"added per ingest      {result['added_s']:+.2f} s  (x{result['ratio']})")
    print(f"load average          {result['load_average']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
