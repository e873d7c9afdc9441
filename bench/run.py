"""Every benchmark figure in the README, from one command.

    .venv/bin/python bench/run.py                # every part, scale at 10k and 100k (~45 min)
    .venv/bin/python bench/run.py --quick        # quality, latency, ingest, scale at 10k
    .venv/bin/python bench/run.py --only quality,latency --json /tmp/bench.json
    .venv/bin/python bench/run.py --json bench/results/full.json --readme
    .venv/bin/python bench/run.py --from-json bench/results/full.json --readme   # no measuring

Parts: quality (`advisor eval` with its baselines), latency (bench/latency.py), ingest
(bench/ingest_speed.py), load (bench/load.py, 1 and 2 API replicas), probes (/healthz and
/readyz under 50 LLM-backed answers, bench/probes.py), sessions (the app in Chromium,
bench/sessions.py) and scale (bench/scale.py). Each is the function its own script
calls, run in this one process (the model loads once), against a baseline measured in the
same process. Progress goes to stderr, the Markdown tables to stdout; `--json` holds every raw
number plus, per part, its wall time, the 1-minute load average before and after, and how many
cores other processes used meanwhile. `--readme` replaces the README's block between
`<!-- bench:start -->` and `<!-- bench:end -->` with the tables of the parts run. A part that
fails is shown as failed with its reason, the others still run, and the exit code is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("quality", "latency", "ingest", "load", "probes", "sessions", "scale")
QUICK_PARTS = ("quality", "latency", "ingest", "scale")
NEED_INDEX = {"quality", "latency", "probes", "sessions"}


class Plan:
    """What the parts share: quick or full, and one built index (made on first use)."""

    def __init__(
        self, quick: bool, store: Path | None, keep: Path | None, cache: Path | None = None
    ) -> None:
        self.quick = quick
        self.keep = keep
        self.cache = cache
        """ADVISOR_EMBEDDING_CACHE for the quality part (the test suite shares one per run)."""
        self._store = store
        self._tmp: Path | None = None

    def index(self) -> Path:
        """The built index of the bundled corpus the parts read (a temp one unless given)."""
        if self._store is None:
            from advisor import Settings
            from ingest import ingest

            self._tmp = Path(tempfile.mkdtemp(prefix="advisor-bench-run-"))
            self._store = self._tmp / "store"
            progress("building an index of the bundled corpus")
            settings = Settings.from_env(env={}, store_dir=self._store, embedding_cache=self.cache)
            ingest(settings=settings, progress=False)
        return self._store

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


def _script(name: str) -> Any:
    return importlib.import_module(f"bench.{name}")


def part_quality(plan: Plan) -> dict[str, Any]:
    from advisor import Settings
    from advisor.evaluation.run import evaluate

    settings = Settings.from_env(env={}, store_dir=plan.index(), embedding_cache=plan.cache)
    report = evaluate(settings, baseline=True)
    before = Path(__file__).with_name("results") / "conversations_before.json"
    if before.exists():  # the same set, measured once on the answerer before issue 14
        report["conversations_before"] = json.loads(before.read_text(encoding="utf-8"))
    return report | {"settings": {"fusion": settings.fusion, "top_k": settings.top_k}}


def part_latency(plan: Plan) -> dict[str, Any]:
    runs, limit = (1, 30) if plan.quick else (3, None)
    return dict(_script("latency").measure(plan.index(), cold_runs=runs, limit=limit))


def part_ingest(plan: Plan) -> dict[str, Any]:
    return dict(_script("ingest_speed").measure(1 if plan.quick else 3))


def part_load(plan: Plan) -> dict[str, Any]:
    return dict(_script("load").measure(replicas=(1, 2), clients=50, duration=30.0))


def part_probes(plan: Plan) -> dict[str, Any]:
    return dict(_script("probes").measure(clients=50, duration=20.0, store=plan.index()))


def part_sessions(plan: Plan) -> dict[str, Any]:
    rounds = 2 if plan.quick else 4
    return dict(_script("sessions").measure(plan.index(), sessions=20, rounds=rounds))


def part_scale(plan: Plan) -> dict[str, Any]:
    sizes, queries = ([10_000], 100) if plan.quick else ([10_000, 100_000], 200)
    return dict(_script("scale").run(sizes, queries, keep=plan.keep))


RUNNERS: dict[str, Callable[[Plan], dict[str, Any]]] = {
    "quality": part_quality,
    "latency": part_latency,
    "ingest": part_ingest,
    "load": part_load,
    "probes": part_probes,
    "sessions": part_sessions,
    "scale": part_scale,
}


# --- measuring the measurer ----------------------------------------------------------------


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _cpu_seconds() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, CPU seconds of this process and its reaped
    children)."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    t = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), t.user + t.system + t.children_user + t.children_system


def run_part(name: str, plan: Plan) -> dict[str, Any]:
    """One part, timed, with the machine's load around it; a failure becomes a record."""
    progress(f"{name}: started")
    load_before, (busy0, own0), start = os.getloadavg()[0], _cpu_seconds(), time.perf_counter()
    entry: dict[str, Any] = {"status": "ok"}
    try:
        entry["result"] = RUNNERS[name](plan)
    except (Exception, SystemExit) as exc:
        detail = traceback.format_exc()
        print(detail, file=sys.stderr)
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        entry = {"status": "failed", "error": f"{type(exc).__name__}: {first}".rstrip(": ")}
        entry["traceback"] = detail[-4000:]
    seconds = time.perf_counter() - start
    busy1, own1 = _cpu_seconds()
    entry |= {
        "commit": _git("rev-parse", "--short", "HEAD"),  # others may commit during a long run
        "seconds": seconds,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "other_cores": max(0.0, (busy1 - busy0) - (own1 - own0)) / max(seconds, 1e-9),
    }
    progress(f"{name}: {entry['status']} in {seconds:.0f} s")
    return entry


def machine() -> dict[str, Any]:
    """Cores, CPU model, RAM, versions and the checkout's commit."""
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    ram_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="ascii") as fh:
        ram_kb = next((int(ln.split()[1]) for ln in fh if ln.startswith("MemTotal:")), 0)
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": ram_kb / 1024**2,
        "python": platform.python_version(),
        "torch": _version("torch"),
        "chromadb": _version("chromadb"),
        "platform": platform.platform(),
        "commit": _git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


# --- the command ---------------------------------------------------------------------------


def _parts(value: str) -> list[str]:
    names = [p.strip() for p in value.split(",") if p.strip()]
    unknown = [p for p in names if p not in PARTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"parts are {', '.join(PARTS)}; not {unknown or value!r}")
    return names


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, scale at 10k")
    parser.add_argument("--only", type=_parts, help=f"comma-separated parts of {','.join(PARTS)}")
    parser.add_argument("--json", type=Path, help="write every raw number here")
    parser.add_argument(
        "--readme",
        type=Path,
        nargs="?",
        const=ROOT / "README.md",
        help="replace the bench block of this README (default: the checkout's)",
    )
    parser.add_argument("--store", type=Path, help="a built index of the bundled corpus to use")
    parser.add_argument("--keep", type=Path, help="scale: keep its stores here, reuse them later")
    parser.add_argument("--from-json", type=Path, help="render an earlier --json; measure nothing")
    parser.add_argument(
        "--embedding-cache", type=Path, help="quality: reuse embedded texts from this SQLite file"
    )
    return parser.parse_args(argv)


def _command(args: argparse.Namespace) -> str:
    words = ["python bench/run.py"] + (["--quick"] if args.quick else [])
    return " ".join(words + ([f"--only {','.join(args.only)}"] if args.only else []))


def _shown(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    return str(path)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen parts; the JSON file (if any) is rewritten after each one."""
    names = args.only or list(QUICK_PARTS if args.quick else PARTS)
    doc: dict[str, Any] = {
        "meta": {
            "command": _command(args),
            "quick": args.quick,
            "parts": names,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average_start": list(os.getloadavg()),
            "machine": machine(),
            "json": _shown(args.json) if args.json else None,
        },
        "parts": {},
    }
    plan = Plan(args.quick, args.store, args.keep, args.embedding_cache)
    try:
        if args.store is None and set(names) & NEED_INDEX:  # built once, timed on its own
            start = time.perf_counter()
            plan.index()
            doc["meta"]["index_build_s"] = time.perf_counter() - start
        for name in names:
            doc["parts"][name] = run_part(name, plan)
            doc["meta"]["load_average_end"] = list(os.getloadavg())
            doc["meta"]["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
            _write_json(args.json, doc)
    finally:
        plan.close()
    return doc


def _write_json(path: Path | None, doc: dict[str, Any]) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")


def _checkout_first() -> None:
    """Import `bench.*` from this checkout: run as a script, bench/ itself heads sys.path."""
    here = ROOT / "bench"
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    _checkout_first()
    from bench.report import markdown, replace_block

    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.from_json:
        doc = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        doc = measure(args)
    text = markdown(doc)
    print(text)
    if args.readme:
        readme = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(replace_block(readme, text), encoding="utf-8")
        progress(f"rewrote the benchmark block of {args.readme}")
    failed = [n for n, p in doc["parts"].items() if p["status"] != "ok"]
    if failed:
        progress(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
