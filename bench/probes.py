"""Probe latency under load: `/healthz` and `/readyz` while 50 LLM-backed answers run.

    .venv/bin/python bench/probes.py --clients 50 --duration 20

Starts a scripted OpenAI-compatible LLM on 127.0.0.1 that streams its answer one word
every `--word-seconds` (0.2 s: about 2 s per answer), an advisor API process over a built
index of the bundled corpus (backend openai, pointed at that LLM), then keeps `--clients`
requests to `/v1/ask` in flight for `--duration` seconds while probing `/healthz` every
50 ms and `/readyz` every 250 ms from a separate process (so the load clients' event loop
never delays a probe's timing). Baseline: the same probes with no load.
Target (issue 16): `/healthz` p95 under 50 ms at 50 concurrent LLM-backed requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

QUESTION = "PyTorch or TensorFlow first?"


@dataclass
class Probes:
    """Latencies (seconds) and failures of the probes, and what the load did meanwhile."""

    healthz: list[float] = field(default_factory=list)
    readyz: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    answers: int = 0
    answer_errors: Counter[str] = field(default_factory=Counter)
    in_flight_min: int = 0

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures, latencies in ms."""
        return {
            "healthz": _stats(self.healthz),
            "readyz": _stats(self.readyz),
            "probe_failures": dict(self.failures),
            "answers": self.answers,
            "answer_errors": dict(self.answer_errors),
        }


def _stats(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    return {"count": len(ordered), "p50_ms": pick(50), "p95_ms": pick(95), "max_ms": pick(100)}


async def _probe(client: httpx.AsyncClient, path: str, into: list[float], probes: Probes) -> None:
    started = time.perf_counter()
    try:
        response = await client.get(path)
        if response.status_code != 200:
            probes.failures[f"{path} {response.status_code}"] += 1
            return
    except httpx.HTTPError as exc:
        probes.failures[f"{path} {type(exc).__name__}"] += 1
        return
    into.append(time.perf_counter() - started)


async def measure_probes(
    url: str,
    clients: int,
    duration: float,
    answers: int | None = None,
    timeout: float = 120.0,
    token: str | None = None,
) -> Probes:
    """Keep `clients` answers in flight (for `duration` s, or until `answers` are done in all)
    and probe meanwhile; with `clients=0` only the probes run, for `duration` seconds."""
    probes = Probes()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    done = asyncio.Event()
    remaining = [answers if answers is not None else -1]

    async with (
        httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits, headers=headers) as load,
        httpx.AsyncClient(base_url=url, timeout=timeout) as prober,
    ):

        async def asker() -> None:
            while not done.is_set() and remaining[0] != 0:
                remaining[0] -= 1
                try:
                    response = await load.post("/v1/ask", json={"question": QUESTION})
                    if response.status_code == 200:
                        probes.answers += 1
                    else:
                        probes.answer_errors[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    probes.answer_errors[type(exc).__name__] += 1

        async def prober_loop(path: str, every: float, into: list[float]) -> None:
            await asyncio.sleep(min(1.0, duration / 4))  # let the load build up first
            while not done.is_set():
                await _probe(prober, path, into, probes)
                await asyncio.sleep(every)

        askers = [asyncio.create_task(asker()) for _ in range(clients)]
        if answers is None and askers:  # timed load: probe from a process of its own
            child = asyncio.get_running_loop().run_in_executor(None, _probe_in_child, url, duration)
            healthz, readyz, failed = await child
            probes.healthz += healthz
            probes.readyz += readyz
            probes.failures.update(failed)
            done.set()
            await asyncio.gather(*askers)
            return probes
        probing = [
            asyncio.create_task(prober_loop("/healthz", 0.05, probes.healthz)),
            asyncio.create_task(prober_loop("/readyz", 0.25, probes.readyz)),
        ]
        if answers is None or not askers:
            await asyncio.sleep(duration)
            done.set()
        else:
            await asyncio.gather(*askers)
            done.set()
        await asyncio.gather(*askers, *probing)
    return probes


def _probe_in_child(url: str, duration: float) -> tuple[list[float], list[float], Counter[str]]:
    """Run the probes for `duration` s in a fresh Python process: the 50 load clients' event
    loop (and the scripted LLM's threads) then never delay a probe's own timing."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_probe_alone, (url, duration))


def _probe_alone(url: str, duration: float) -> tuple[list[float], list[float], Counter[str]]:
    probes = asyncio.run(measure_probes(url, 0, duration))
    return probes.healthz, probes.readyz, probes.failures


def measure(
    clients: int = 50, duration: float = 20.0, word_seconds: float = 0.2, store: Path | None = None
) -> dict[str, Any]:
    """Start the scripted LLM and one advisor process, then measure idle and loaded probes."""
    from tests.llm_server import scripted_llm
    from tests.servers import advisor_replica

    tmp = None
    if store is None:
        from advisor import Settings
        from ingest import ingest

        tmp = Path(tempfile.mkdtemp(prefix="advisor-bench-probes-"))
        store = tmp / "store"
        ingest(settings=Settings.from_env(env={}, store_dir=store), progress=False)
    try:
        with scripted_llm(["slow"]) as llm:
            llm.slow_seconds = word_seconds
            env = {
                "ADVISOR_STORE_DIR": str(store),
                "ADVISOR_BACKEND": "openai",
                "OPENAI_BASE_URL": llm.base_url,
                "OPENAI_API_KEY": "bench-key",
                "ADVISOR_LLM_MODEL": "scripted",
                "ADVISOR_API_RATE_LIMIT": "0",
                "ADVISOR_LLM_TIMEOUT": "120",
            }
            with advisor_replica(env) as server:
                idle = asyncio.run(measure_probes(server.url, 0, min(duration, 10.0)))
                loaded = asyncio.run(measure_probes(server.url, clients, duration))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    result: dict[str, Any] = {
        "clients": clients,
        "duration_s": duration,
        "llm_word_seconds": word_seconds,
        "idle": idle.summary(),
        "loaded": loaded.summary(),
    }
    base, now = result["idle"]["healthz"], result["loaded"]["healthz"]
    if base.get("p95_ms") and now.get("p95_ms"):
        result["healthz_p95_vs_idle"] = now["p95_ms"] / base["p95_ms"]
    return result


def table(r: dict[str, Any]) -> str:
    """The README table: probe latency idle and under load, against the 50 ms target."""
    lines = [
        f"### Health probes under load (`python bench/probes.py --clients {r['clients']} "
        f"--duration {r['duration_s']:.0f}`, LLM-backed)",
        "",
        "| probe | idle p50 / p95 (baseline) | under load p50 / p95 / max | p95 vs idle | probes |",
        "|---|---|---|---|---|",
    ]
    for probe in ("healthz", "readyz"):
        idle, loaded = r["idle"][probe], r["loaded"][probe]
        ratio = loaded.get("p95_ms", 0) / idle["p95_ms"] if idle.get("p95_ms") else float("nan")
        lines.append(
            f"| `/{probe}` | {idle.get('p50_ms', 0):.1f} / {idle.get('p95_ms', 0):.1f} ms | "
            f"{loaded.get('p50_ms', 0):.1f} / {loaded.get('p95_ms', 0):.1f} / "
            f"{loaded.get('max_ms', 0):.0f} ms | {ratio:.1f}× | {loaded.get('count', 0)} |"
        )
    loaded = r["loaded"]
    p95 = loaded["healthz"].get("p95_ms", float("inf"))
    verdict = "met" if p95 < 50 else "**not met**"
    errors = sum(loaded["answer_errors"].values()) + sum(loaded["probe_failures"].values())
    lines += [
        "",
        f"{r['clients']} answers kept in flight through a scripted LLM that streams one word "
        f"every {r['llm_word_seconds']:.1f} s; {loaded['answers']} answered, {errors} errors. "
        f"Target: `/healthz` p95 under 50 ms at {r['clients']} concurrent LLM-backed requests "
        f"{verdict} ({p95:.1f} ms).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50, help="answers kept in flight (50)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (20)")
    parser.add_argument("--word-seconds", type=float, default=0.2, help="LLM delay per word")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    result = measure(args.clients, args.duration, args.word_seconds)
    for phase in ("idle", "loaded"):
        for probe in ("healthz", "readyz"):
            s = result[phase][probe]
            print(
                f"{phase:<7} {probe:<8} n={s.get('count', 0):>4} p50 {s.get('p50_ms', 0):7.1f} ms"
                f"  p95 {s.get('p95_ms', 0):7.1f} ms  max {s.get('max_ms', 0):7.1f} ms"
            )
    loaded = result["loaded"]
    print(f"answers during load: {loaded['answers']}, errors: {loaded['answer_errors'] or 0}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
