"""Concurrent chat sessions and API clients: errors, answer times, server memory, model loads.

    .venv/bin/python bench/sessions.py                     # 20 sessions x 2 rounds, then the API
    .venv/bin/python bench/sessions.py --store .advisor/store --sessions 20 --rounds 2
    .venv/bin/python bench/sessions.py --skip-api          # only the Streamlit app

App: starts `streamlit run ui/app.py` (extractive, 127.0.0.1) over a built index, then, each
round, opens --sessions pages at once in one headless Chromium (one browser context each,
so one Streamlit session each); every page clicks a starter question and waits for its
answer's sources. Reports errors, seconds from click to answer (p50/p95), the server's
RSS before, after the first session and after each round, and how many times the process
loaded the embedding model (its "loading embedding model" log lines).
API: starts one `advisor serve` over the same index and runs bench/load.py's clients
(50 by default) for --api-duration seconds per round, with the same figures.

Loopback only; every phase has a deadline, and every process started is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, bench/ heads sys.path, not the checkout

from bench.browser_sessions import (  # noqa: E402
    CHROMIUM,
    HEADER,
    MODEL_LOAD,
    app_sessions,
    rss_mb,
    threads,
)


def measure(
    store: Path | None = None,
    sessions: int = 20,
    rounds: int = 2,
    opening: int = 4,
    timeout: float = 180.0,
) -> dict[str, Any]:
    """`app_sessions` over `store`, or over an index built in a temp dir."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="advisor-sessions-") as tmp:
        work = Path(tmp)
        store = store or build_index(work)
        return app_sessions(store, work, sessions, rounds, opening, timeout)[0]


def bench_app(store: Path, work: Path, args: argparse.Namespace) -> bool:
    r, rounds = app_sessions(store, work, args.sessions, args.rounds, args.opening, args.timeout)
    print(f"\nStreamlit app ({r['url']}, pid {r['pid']}, {r['threads_at_end']} threads at the end)")
    print(f"server RSS before any session: {r['rss_before_mb']:.0f} MB")
    print(HEADER)
    for result in rounds:
        print(result.row())
        if result.errors:
            print(f"{'':<14} errors: {dict(result.errors)}")
    print(f"RSS change from the first to the last wave: {r['rss_growth_mb']:+.0f} MB")
    print(f"embedding model loads in the server process: {r['model_loads']}")
    if r["start_to_first_answer_s"] is not None:
        print(f"server start -> first answer: {r['start_to_first_answer_s']:.1f} s")
    if r["follow_up_s"] is not None:
        print(f"follow-up sent -> its answer finished streaming: {r['follow_up_s']:.1f} s")
    return r["model_loads"] == 1 and not r["errors"]


# --- the API -------------------------------------------------------------------------------------


def bench_api(store: Path, work: Path, args: argparse.Namespace) -> bool:
    sys.path.insert(0, str(ROOT / "bench"))
    from load import HEADER as LOAD_HEADER
    from load import run_load

    from tests.servers import advisor_replica

    env = {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(store),
        "ADVISOR_API_RATE_LIMIT": "0",
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
    }
    with advisor_replica(env, log_dir=work / "logs") as server:
        pid = server.process.pid
        before = rss_mb(pid)
        results, after = [], []
        for r in range(args.rounds):
            label = f"API #{r + 1}"
            load = run_load(
                [server.url], args.api_clients, args.api_duration, args.timeout, None, label
            )
            results.append(asyncio.run(load))
            after.append(rss_mb(pid))
        loads = server.log.read_text(encoding="utf-8", errors="replace").count(MODEL_LOAD)
        print(f"\nAPI ({server.url}, pid {pid}, {threads(pid)} threads at the end)")
        print(f"server RSS when ready (model loaded): {before:.0f} MB")
        print(f"{LOAD_HEADER} {'RSS MB':>9}")
        for result, rss in zip(results, after, strict=True):
            print(f"{result.row()} {rss:>9.0f}")
            if result.errors:
                print(f"{'':<10} errors: {dict(result.errors)}")
        print(f"RSS change from the first to the last round: {after[-1] - after[0]:+.0f} MB")
        print(f"embedding model loads in the server process: {loads}")
    return loads == 1 and not any(r.errors for r in results)


def build_index(work: Path) -> Path:
    from advisor import Settings
    from ingest import ingest

    store = work / "store"
    report = ingest(settings=Settings.from_env(env={}, store_dir=store), progress=False)
    print(f"index built in {store}: {report.summary()}", file=sys.stderr)
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", type=Path, help="a built index to use (default: build one)")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent app sessions (20)")
    parser.add_argument("--rounds", type=int, default=2, help="waves of sessions / API runs (2)")
    parser.add_argument("--opening", type=int, default=4, help="pages loading at the same time (4)")
    parser.add_argument("--api-clients", type=int, default=50, help="concurrent API clients (50)")
    parser.add_argument("--api-duration", type=float, default=15.0, help="seconds per API run")
    parser.add_argument("--timeout", type=float, default=180.0, help="per answer, seconds (180)")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-app", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    if not args.skip_app and not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing (apt-get install chromium); or use --skip-app")
    ok = True
    with tempfile.TemporaryDirectory(prefix="advisor-sessions-") as tmp:
        work = Path(tmp)
        store = args.store.resolve() if args.store else build_index(work)
        if not args.skip_app:
            ok &= bench_app(store, work, args)
        if not args.skip_api:
            ok &= bench_api(store, work, args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
