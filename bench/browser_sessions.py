"""The Streamlit app under concurrent browser sessions (bench/sessions.py's app half).

Starts `streamlit run ui/app.py` (extractive, 127.0.0.1) over a built index; a first session
clicks a starter question, then types a follow-up; then each wave opens its sessions' pages a
few at a time in one headless Chromium (one browser context, so one Streamlit session, each)
and has them all click a starter at the same moment. Every phase has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `tests.servers` importable
    sys.path.insert(0, str(ROOT))

from tests.servers import CHROMIUM, CHROMIUM_ARGS, free_port, stop_process  # noqa: E402

MODEL_LOAD = "loading embedding model"
FOLLOW_UP = "How long does it take to learn it?"
SERVE_APP = (
    "import logging, sys\n"
    "handler = logging.StreamHandler()\n"
    "handler.setFormatter(logging.Formatter('%(asctime)s %(name)s: %(message)s'))\n"
    "logger = logging.getLogger('advisor')\n"
    "logger.addHandler(handler)\n"
    "logger.setLevel(logging.INFO)\n"
    "from streamlit.web.cli import main\n"
    "sys.argv = ['streamlit', 'run', 'ui/app.py', *sys.argv[1:]]\n"
    "main()\n"
)
"""`streamlit run` in this very process, with the advisor's INFO log lines on stderr."""


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (/proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Round:
    """One wave of concurrent sessions."""

    label: str
    answers: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)
    """time.monotonic() when each answer's sources appeared."""
    follow_ups: list[float] = field(default_factory=list)
    """Seconds from sending a typed follow-up to the end of its streamed answer."""
    loads: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    rss_after: float = 0.0
    seconds: float = 0.0
    server_cpu: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The figures, JSON-ready (times in seconds, memory in MB)."""
        return {
            "label": self.label,
            "answers": len(self.answers),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "page_load_p50_s": percentile(self.loads, 50),
            "answer_p50_s": percentile(self.answers, 50),
            "answer_p95_s": percentile(self.answers, 95),
            "follow_up_s": self.follow_ups,
            "wall_s": self.seconds,
            "server_cpu_s": self.server_cpu,
            "rss_after_mb": self.rss_after,
        }

    def row(self) -> str:
        return (
            f"{self.label:<14} {len(self.answers):>7} {sum(self.errors.values()):>6} "
            f"{percentile(self.loads, 50):>8.1f} {percentile(self.answers, 50):>8.1f} "
            f"{percentile(self.answers, 95):>8.1f} {self.seconds:>8.1f} {self.server_cpu:>8.1f} "
            f"{self.rss_after:>9.0f}"
        )


HEADER = (
    f"{'round':<14} {'answers':>7} {'errors':>6} {'load s':>8} {'p50 s':>8} {'p95 s':>8} "
    f"{'wall s':>8} {'srv CPU':>8} {'RSS MB':>9}"
)


# --- the app -------------------------------------------------------------------------------------


@contextlib.contextmanager
def streamlit_app(
    store: Path, work: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path, float]]:
    """The app on a free loopback port: (url, process, log file, time.monotonic() at start);
    stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(store),
        "ADVISOR_FEEDBACK_DB": str(work / "feedback.sqlite3"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST"):
        env.pop(name, None)
    log = work / "streamlit.log"
    argv = [sys.executable, "-c", SERVE_APP]
    argv += ["--server.headless", "true", "--server.address", "127.0.0.1"]
    argv += ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit not healthy:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url, proc, log, started
    finally:
        stop_process(proc)


class Wave:
    """Sessions that open their pages a few at a time, then all ask at the same moment."""

    def __init__(self, sessions: int, opening: int) -> None:
        self.sessions = sessions
        self.gate = asyncio.Semaphore(opening)
        self.go = asyncio.Event()
        self.arrived = 0

    def arrive(self) -> None:
        self.arrived += 1
        if self.arrived >= self.sessions:
            self.go.set()


async def one_session(
    browser: Any,
    url: str,
    n: int,
    result: Round,
    wave: Wave,
    timeout_s: float,
    follow_up: str | None = None,
) -> None:
    """A fresh browser context (its own Streamlit session): open, wait for the others, click
    a starter, await the answer's sources; then maybe type a follow-up and await its sources."""
    from ui.suggestions import STARTERS

    context = await browser.new_context(viewport={"width": 1100, "height": 800})
    page_errors: list[str] = []
    arrived = False
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: page_errors.append(str(exc)))
        async with wave.gate:
            opened = time.perf_counter()
            await page.goto(url, timeout=timeout_s * 1000)
            button = page.get_by_role("button", name=STARTERS[n % len(STARTERS)])
            await button.wait_for(timeout=timeout_s * 1000)
            result.loads.append(time.perf_counter() - opened)
        wave.arrive()
        arrived = True
        await wave.go.wait()
        clicked = time.perf_counter()
        await button.click()
        sources = page.get_by_text(re.compile(r"^Sources \(\d+, \d+ cited\)$"))
        await sources.first.wait_for(timeout=timeout_s * 1000)
        result.answers.append(time.perf_counter() - clicked)
        result.answered_at.append(time.monotonic())
        if follow_up:
            box = page.get_by_test_id("stChatInputTextArea")
            await box.fill(follow_up)
            sent = time.perf_counter()
            await box.press("Enter")
            await sources.nth(1).wait_for(timeout=timeout_s * 1000)
            result.follow_ups.append(time.perf_counter() - sent)
        bad = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        if await bad.count():
            result.errors["error shown in the app"] += 1
        if await page.get_by_text("Connection error").count():
            result.errors["connection error"] += 1
    except Exception as exc:
        result.errors[type(exc).__name__] += 1
    finally:
        if not arrived:
            wave.arrive()
        if page_errors:
            result.errors["page script error"] += len(page_errors)
        await context.close()


async def session_rounds(
    url: str, pid: int, sessions: int, rounds: int, opening: int, timeout: float
) -> tuple[Round, list[Round]]:
    """A single first session (with a typed follow-up), then `rounds` waves of `sessions`
    concurrent ones."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-dev-shm-usage"]
        )
        try:
            first = Round("first session")
            start, cpu = time.monotonic(), cpu_seconds(pid)
            await one_session(browser, url, 0, first, Wave(1, 1), timeout, FOLLOW_UP)
            first.seconds, first.rss_after = time.monotonic() - start, rss_mb(pid)
            first.server_cpu = cpu_seconds(pid) - cpu
            waves = []
            for r in range(rounds):
                wave = Round(f"{sessions} at once #{r + 1}")
                start, cpu = time.monotonic(), cpu_seconds(pid)
                gate = Wave(sessions, opening)
                await asyncio.gather(
                    *(one_session(browser, url, n, wave, gate, timeout) for n in range(sessions))
                )
                wave.seconds, wave.rss_after = time.monotonic() - start, rss_mb(pid)
                wave.server_cpu = cpu_seconds(pid) - cpu
                waves.append(wave)
        finally:
            await browser.close()
    return first, waves


def app_sessions(
    store: Path, work: Path, sessions: int, rounds: int, opening: int, timeout: float
) -> tuple[dict[str, Any], list[Round]]:
    """The app over `store`: a first session, then the waves; JSON-ready figures and rounds."""
    with streamlit_app(store, work) as (url, proc, log, started):
        before = rss_mb(proc.pid)
        first, waves = asyncio.run(
            session_rounds(url, proc.pid, sessions, rounds, opening, timeout)
        )
        loads = log.read_text(encoding="utf-8", errors="replace").count(MODEL_LOAD)
        figures = {
            "url": url,
            "pid": proc.pid,
            "threads_at_end": threads(proc.pid),
            "sessions": sessions,
            "rounds": rounds,
            "rss_before_mb": before,
            "start_to_first_answer_s": (
                first.answered_at[0] - started if first.answered_at else None
            ),
            "follow_up_s": first.follow_ups[0] if first.follow_ups else None,
            "first": first.as_dict(),
            "waves": [w.as_dict() for w in waves],
            "rss_growth_mb": waves[-1].rss_after - waves[0].rss_after if waves else 0.0,
            "model_loads": loads,
            "errors": sum(sum(r.errors.values()) for r in (first, *waves)),
        }
    return figures, [first, *waves]
