"""Load benchmark: N concurrent clients for T seconds against `/v1/chat/completions`.

    .venv/bin/python bench/load.py --replicas 1 2 --clients 50 --duration 30
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --url http://127.0.0.1:8001

With `--replicas`, the script starts a Chroma server (temp dir), ingests the bundled
corpus into it and, for each count given, starts that many extractive replicas on
127.0.0.1, spreads the clients over them, and stops everything at the end. It prints
errors, p50/p95 latency and answers per second, plus the ratio against the first run.
Everything stays on loopback and each run is bounded by --duration plus --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "PyTorch or TensorFlow first?",
    "Do I need a degree to become an ML engineer?",
    "How long does it take to become an AI engineer?",
    "What maths do I need for machine learning?",
    "Which MLOps tools should I learn?",
    "What portfolio projects should I build?",
    "Is StatQuest good for learning statistics?",
    "What does an ML engineer earn?",
)


@dataclass
class Result:
    """What one load run measured."""

    label: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The figures, JSON-ready (latencies in ms)."""
        return {
            "label": self.label,
            "clients": self.clients,
            "seconds": self.seconds,
            "answers": len(self.latencies),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "p50_ms": self.percentile(50) * 1000,
            "p95_ms": self.percentile(95) * 1000,
            "answers_per_s": self.rate,
        }

    def row(self) -> str:
        errors = sum(self.errors.values())
        return (
            f"{self.label:<10} {self.clients:>7} {len(self.latencies):>8} {errors:>7} "
            f"{self.percentile(50) * 1000:>8.0f} {self.percentile(95) * 1000:>8.0f} "
            f"{self.rate:>10.1f}"
        )


HEADER = (
    f"{'run':<10} {'clients':>7} {'answers':>8} {'errors':>7} "
    f"{'p50 ms':>8} {'p95 ms':>8} {'answers/s':>10}"
)


async def _client(
    n: int,
    http: httpx.AsyncClient,
    urls: list[str],
    deadline: float,
    result: Result,
    headers: dict[str, str],
) -> None:
    url = f"{urls[n % len(urls)]}/v1/chat/completions"
    i = n
    while time.monotonic() < deadline:
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        body = {"model": "career-advisor", "messages": [{"role": "user", "content": question}]}
        start = time.perf_counter()
        try:
            response = await http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            result.errors[type(exc).__name__] += 1
            continue
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            result.errors[f"HTTP {response.status_code}"] += 1
        elif not response.json()["choices"][0]["message"]["content"]:
            result.errors["empty answer"] += 1
        else:
            result.latencies.append(elapsed)


async def run_load(
    urls: list[str],
    clients: int,
    duration: float,
    timeout: float = 60.0,
    token: str | None = None,
    label: str = "",
) -> Result:
    """`clients` concurrent loops of non-streaming completions for `duration` seconds."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        for url in urls:  # one warm request each: first-request costs are not the steady state
            await http.post(
                f"{url}/v1/chat/completions",
                json={"model": "career-advisor", "messages": [{"role": "user", "content": "hi"}]},
                headers=headers,
            )
        result = Result(label=label or f"{len(urls)} url(s)", clients=clients, seconds=0.0)
        start = time.monotonic()
        deadline = start + duration
        await asyncio.gather(
            *(_client(n, http, urls, deadline, result, headers) for n in range(clients))
        )
        result.seconds = time.monotonic() - start
    return result


def _report(results: list[Result]) -> None:
    print(HEADER)
    for result in results:
        print(result.row())
        if result.errors:
            print(f"{'':<10} errors: {dict(result.errors)}")
    base = results[0]
    for result in results[1:]:
        if base.rate:
            print(f"answers/s {result.label} vs {base.label}: {result.rate / base.rate:.2f}x")


def with_servers(
    replicas: Sequence[int],
    clients: int,
    duration: float,
    timeout: float = 60.0,
    token: str | None = None,
) -> list[Result]:
    """A Chroma server holding the bundled corpus; one load run per replica count."""
    sys.path.insert(0, str(ROOT / "tests"))
    from servers import advisor_replicas, chroma_server, remote_env

    from advisor import Settings
    from ingest import ingest

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        work = Path(tmp)
        with chroma_server(work / "chroma", log_dir=work / "logs") as chroma:
            writer = remote_env(chroma, ADVISOR_STORE_DIR=str(work / "writer"))
            report = ingest(settings=Settings.from_env(env=writer), progress=False)
            print(f"chroma server on port {chroma.port}: {report.summary()}", file=sys.stderr)
            env = remote_env(
                chroma,
                ADVISOR_BACKEND="extractive",
                ADVISOR_API_RATE_LIMIT="0",
                ADVISOR_STORE_DIR=str(work / "replica"),
                OPENAI_API_KEY="",
                OPENAI_BASE_URL="",
            )
            for count in replicas:
                with advisor_replicas(env, count, log_dir=work / "logs") as started:
                    urls = [r.url for r in started]
                    print(f"{count} replica(s) ready: {', '.join(urls)}", file=sys.stderr)
                    load = run_load(urls, clients, duration, timeout, token, f"{count} replica")
                    results.append(asyncio.run(load))
    return results


def measure(
    replicas: Sequence[int] = (1, 2),
    clients: int = 50,
    duration: float = 30.0,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """`with_servers` as JSON-ready numbers, with each run's rate relative to the first."""
    results = with_servers(replicas, clients, duration, timeout)
    rows = [r.as_dict() | {"replicas": n} for r, n in zip(results, replicas, strict=True)]
    for row in rows:
        first = rows[0]["answers_per_s"]
        row["rate_vs_first"] = row["answers_per_s"] / first if first else None
    return {"clients": clients, "duration_s": duration, "runs": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run (30)")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-request timeout (60)")
    parser.add_argument(
        "--replicas",
        type=int,
        nargs="+",
        choices=(1, 2),
        default=None,
        help="start a Chroma server and this many replicas (one run each)",
    )
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        help="an already running replica (repeatable); loopback only",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("ADVISOR_API_TOKEN"),
        help="bearer token (default: ADVISOR_API_TOKEN)",
    )
    args = parser.parse_args(argv)
    for url in args.url:
        host = httpx.URL(url).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"--url must be a loopback address, not {host!r}")
    if args.url and args.replicas:
        parser.error("use either --url or --replicas")
    results: list[Any]
    if args.url:
        results = [
            asyncio.run(
                run_load(
                    args.url,
                    args.clients,
                    args.duration,
                    args.timeout,
                    args.token,
                    label=f"{len(args.url)} url(s)",
                )
            )
        ]
    else:
        results = with_servers(
            args.replicas or [1], args.clients, args.duration, args.timeout, args.token
        )
    _report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
