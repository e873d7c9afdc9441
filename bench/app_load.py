"""The Streamlit app under N concurrent browser sessions: click-to-answer, and where the time goes.

    .venv/bin/python bench/app_load.py                          # 20 sessions, py-spy if present
    .venv/bin/python bench/app_load.py --store .advisor/store --sessions 20 --waves 2
    .venv/bin/python bench/app_load.py --profile none --json results.json

Starts `streamlit run ui/app.py` (offline answerer, 127.0.0.1) over a built index; a warm-up
session, then one session alone (the baseline, measured in the same process), then --waves
waves of --sessions pages (one headless Chromium, one context each) that all click a starter
at the same moment and wait for the answer's sources. While the waves run, py-spy samples the
server (non-idle stacks, so CPU time, and idle stacks, so waits and sleeps); the stacks are
summed into parts: script reruns, the embedding model, the store, keyword search, answer
composition, Streamlit's rendering and messaging, pacing sleeps. The machine's load average
is printed beside every figure: other processes share the cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench.*` and `tests.*` importable
    sys.path.insert(0, str(ROOT))

from bench.browser_sessions import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Round,
    Wave,
    cpu_seconds,
    one_session,
    percentile,
    streamlit_app,
)

PARTS = (
    ("embedding model", ("sentence_transformers/", "torch/", "transformers/", "tokenizers/")),
    ("store (Chroma)", ("chromadb/", "advisor/store/")),
    ("keyword search", ("advisor/keyword",)),
    ("answer (advisor)", ("advisor/",)),
    ("pacing sleep", ("paced (",)),
    ("plan/roles view", ("ui/plan_view",)),
    ("script rerun (ui)", ("ui/",)),
    ("streamlit runtime", ("streamlit/", "tornado/", "google/protobuf", "asyncio/")),
)
"""Parts of a stack, first match wins (reading the part names top down)."""


def load_average() -> float:
    """The machine's 1-minute load average (other agents share this machine)."""
    return os.getloadavg()[0]


@dataclass
class Profiler:
    """py-spy recording one process until stopped; collapsed stacks in `path`."""

    process: subprocess.Popen[bytes] | None
    path: Path

    @classmethod
    def start(cls, pid: int, path: Path, idle: bool) -> Profiler:
        """Sample `pid` (100 Hz, non-blocking) into a collapsed-stack file; no-op without py-spy."""
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(spy).exists():
            return cls(None, path)
        argv = [spy, "record", "--pid", str(pid), "--rate", "100", "--nonblocking"]
        argv += ["--format", "raw", "--output", str(path)]
        if idle:
            argv.append("--idle")
        out = subprocess.DEVNULL
        return cls(subprocess.Popen(argv, stdout=out, stderr=out), path)

    def stop(self, scripts_only: bool = False) -> Counter[str]:
        """Stop sampling and sum the samples per part."""
        if self.process is None:
            return Counter()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return parts_of(self.path, scripts_only)


def part_of(stack: str) -> str:
    """The part a collapsed stack ("a (f.py:1);b (pkg/g.py:2)") is spent in; py-spy names
    files relative to sys.path ("torch/nn/...") or absolute, so a needle matches either."""
    files = ";" + ";".join(f.rpartition(" (")[2] for f in stack.split(";"))
    for name, needles in PARTS:
        if any(
            needle in stack
            if needle.endswith(" (")
            else (f";{needle}" in files or f"/{needle}" in files)
            for needle in needles
        ):
            return name
    return "other"


def parts_of(path: Path, scripts_only: bool = False) -> Counter[str]:
    """Samples per part in a py-spy raw (collapsed) file (maybe only the script threads')."""
    counts: Counter[str] = Counter()
    if not path.exists():
        return counts
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if scripts_only and "scriptrunner" not in stack:
            continue
        if stack and n.isdigit():
            counts[part_of(stack)] += int(n)
    return counts


def top_frames(path: Path, limit: int = 12) -> list[tuple[str, int]]:
    """The project's own functions (advisor/, ui/) with the most samples under them."""
    counts: Counter[str] = Counter()
    if not path.exists():
        return []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        seen = {f for f in stack.split(";") if "advisor/" in f or "ui/" in f}
        for frame in seen:
            counts[frame] += int(n)
    return counts.most_common(limit)


async def run_waves(
    url: str, pid: int, sessions: int, waves: int, timeout: float, work: Path, profile: bool
) -> dict[str, Any]:
    """Warm-up, one session alone, then the concurrent waves (profiled)."""
    from playwright.async_api import async_playwright

    figures: dict[str, Any] = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-dev-shm-usage"]
        )
        try:
            await one_session(browser, url, 0, Round("warm-up"), Wave(1, 1), timeout)
            alone = Round("alone")
            for n in range(3):
                await one_session(browser, url, n, alone, Wave(1, 1), timeout)
            figures["alone"] = {
                "answers_s": alone.answers,
                "p50_s": percentile(alone.answers, 50),
                "errors": dict(alone.errors),
                "load_average": load_average(),
            }
            report_alone(figures["alone"])
            figures["waves"] = []
            for w in range(waves):
                result = Round(f"{sessions} at once #{w + 1}")
                gate = Wave(sessions, 4)
                busy = Profiler.start(pid, work / f"busy{w}.txt", idle=False) if profile else None
                idle = Profiler.start(pid, work / f"idle{w}.txt", idle=True) if profile else None
                load_before, cpu, start = load_average(), cpu_seconds(pid), time.monotonic()
                await asyncio.gather(
                    *(one_session(browser, url, n, result, gate, timeout) for n in range(sessions))
                )
                wall, server_cpu = time.monotonic() - start, cpu_seconds(pid) - cpu
                result.seconds = wall
                wave: dict[str, Any] = {
                    **result.as_dict(),
                    "load_average_before": load_before,
                    "load_average_after": load_average(),
                    "server_cpu_cores": server_cpu / wall if wall else 0.0,
                }
                if busy and idle:
                    wave["busy_samples"] = dict(busy.stop().most_common())
                    wave["script_samples"] = dict(idle.stop(scripts_only=True).most_common())
                    wave["top_busy_frames"] = top_frames(busy.path)
                figures["waves"].append(wave)
                report_wave(wave)
        finally:
            await browser.close()
    return figures


def report_alone(alone: dict[str, Any]) -> None:
    """Print the one-session baseline with the load average it was measured under."""
    print(
        f"alone: click to answer p50 {alone['p50_s']:.2f} s "
        f"({', '.join(f'{s:.2f}' for s in alone['answers_s'])}; "
        f"load average {alone['load_average']:.2f})",
        flush=True,
    )


def report_wave(wave: dict[str, Any]) -> None:
    """Print one wave's figures and, when profiled, where the server's time went."""
    print(
        f"{wave['label']}: {wave['answers']} answers, {wave['errors']} errors, "
        f"p50 {wave['answer_p50_s']:.2f} s, p95 {wave['answer_p95_s']:.2f} s, "
        f"wall {wave['wall_s']:.1f} s, server CPU {wave['server_cpu_cores']:.2f} cores "
        f"(load average {wave['load_average_before']:.2f} -> {wave['load_average_after']:.2f})",
        flush=True,
    )
    for key, title in (
        ("busy_samples", "on CPU, all threads"),
        ("script_samples", "wall time of script threads (incl. waits)"),
    ):
        samples = wave.get(key) or {}
        total = sum(samples.values())
        if total:
            shares = ", ".join(f"{k} {v / total:.0%}" for k, v in samples.items())
            print(f"  where the server's threads are, {title}: {shares}")
    for frame, n in wave.get("top_busy_frames", []):
        print(f"    {n:>6}  {frame}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built index (default: build one)")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions (20)")
    parser.add_argument("--waves", type=int, default=1, help="waves of sessions (1)")
    parser.add_argument("--timeout", type=float, default=180.0, help="per answer, seconds")
    parser.add_argument("--profile", choices=("py-spy", "none"), default="py-spy")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", type=Path, help="copy py-spy's stack files into this folder")
    parser.add_argument("--from-stacks", type=Path, help="only summarise stack files kept before")
    args = parser.parse_args(argv)
    if args.from_stacks:
        for path in sorted(args.from_stacks.glob("*.txt")):
            scripts = path.name.startswith("idle")
            samples = parts_of(path, scripts_only=scripts)
            total = sum(samples.values()) or 1
            shares = ", ".join(f"{k} {v / total:.0%}" for k, v in samples.most_common())
            print(f"{path.name} ({'script threads, wall' if scripts else 'on CPU'}): {shares}")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="advisor-app-load-") as tmp:
        work = Path(tmp)
        if args.store:
            store = args.store.resolve()
        else:
            from bench.sessions import build_index

            store = build_index(work)
        print(f"load average at the start: {load_average():.2f} (2 cores shared)")
        with streamlit_app(store, work) as (url, proc, _log, _started):
            figures = asyncio.run(
                run_waves(
                    url,
                    proc.pid,
                    args.sessions,
                    args.waves,
                    args.timeout,
                    work,
                    args.profile == "py-spy",
                )
            )
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                for stacks in work.glob("*.txt"):
                    shutil.copy(stacks, args.keep / stacks.name)
    figures["sessions"] = args.sessions
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    errors = sum(w["errors"] for w in figures["waves"])
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
