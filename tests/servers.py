"""Real servers for integration tests and benchmarks: a Chroma server and advisor replicas.

Everything listens on 127.0.0.1 only, waits for health with a timeout, and is
terminated (then killed) when its context manager exits, whatever happened.

    with chroma_server(tmp_path / "chroma") as chroma:
        with advisor_replica({"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port)}) as r:
            httpx.post(f"{r.url}/v1/ask", json={"question": "..."})
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium: browser tests and benchmarks drive it; Playwright never fetches one."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ACTION_TIMEOUT_MS = 120_000
"""Every browser page's default wait for a click or a locator: a Streamlit page under a load
of 15 took over 30 s (Playwright's default) to show its first button."""
BIN = Path(sys.executable).parent


@dataclass
class Server:
    """A started subprocess listening on HOST:port, with its log file."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (for failure messages)."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate, then kill if it does not exit in `timeout` seconds."""
        stop_process(self.process, timeout)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Terminate a child process, then kill it if it does not exit in `timeout` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_until(server: Server, path: str, timeout: float) -> None:
    """Poll GET `path` until it answers 200; fail with the server log on timeout or exit."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited with code {server.process.returncode}:\n"
                    f"{server.log_tail()}"
                )
            try:
                response = client.get(server.url + path)
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}"
            time.sleep(0.2)
    raise TimeoutError(
        f"{server.name} not healthy at {path} after {timeout:.0f} s ({last}):\n{server.log_tail()}"
    )


def _spawn(name: str, argv: list[str], port: int, env: Mapping[str, str], log_dir: Path) -> Server:
    log = log_dir / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=dict(env)
        )
    return Server(name=name, port=port, process=process, log=log)


def _log_dir(log_dir: Path | None) -> Path:
    path = log_dir or Path(tempfile.mkdtemp(prefix="advisor-servers-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def chroma_server(
    path: Path, port: int | None = None, timeout: float = 60.0, log_dir: Path | None = None
) -> Iterator[Server]:
    """`chroma run` on 127.0.0.1 with its data in `path`; stopped on exit."""
    port = port or free_port()
    argv = [str(BIN / "chroma"), "run", "--path", str(path), "--host", HOST, "--port", str(port)]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    server = _spawn("chroma", argv, port, env, _log_dir(log_dir))
    try:
        wait_until(server, "/api/v2/heartbeat", timeout)
        yield server
    finally:
        server.stop()


def serve_command(port: int) -> list[str]:
    """`advisor serve` when the CLI offers it, else the same `advisor.api.serve` call directly."""
    spec = importlib.util.find_spec("advisor.cli")
    origin = Path(spec.origin) if spec and spec.origin else None
    if origin and origin.is_file() and "serve" in origin.read_text(encoding="utf-8"):
        return [str(BIN / "advisor"), "serve", "--host", HOST, "--port", str(port)]
    code = (
        "from advisor import Settings; from advisor.api.serving import serve; "
        f"serve(Settings.from_env(), host={HOST!r}, port={port})"
    )
    return [sys.executable, "-c", code]


@contextlib.contextmanager
def advisor_replicas(
    env: Mapping[str, str],
    count: int = 1,
    timeout: float = 180.0,
    log_dir: Path | None = None,
    wait: bool = True,
) -> Iterator[list[Server]]:
    """`count` advisor API processes on 127.0.0.1, started together and all ready when yielded.

    `env` is added to the current environment (e.g. CHROMA_HOST, CHROMA_PORT, ADVISOR_BACKEND).
    With `wait=False` they are yielded as soon as they are spawned.
    """
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
    logs = _log_dir(log_dir)
    servers: list[Server] = []
    try:
        for _ in range(count):
            port = free_port()
            servers.append(_spawn("advisor", serve_command(port), port, full, logs))
        for server in servers if wait else ():
            wait_until(server, "/readyz", timeout)
        yield servers
    finally:
        for server in servers:
            server.stop()


@contextlib.contextmanager
def advisor_replica(
    env: Mapping[str, str],
    timeout: float = 180.0,
    log_dir: Path | None = None,
    wait: bool = True,
) -> Iterator[Server]:
    """One advisor API process on 127.0.0.1, ready (model and store loaded) when yielded."""
    with advisor_replicas(env, 1, timeout, log_dir, wait) as (server,):
        yield server


def remote_env(chroma: Server, **extra: str) -> dict[str, str]:
    """Environment for a replica (or an ingest) that uses `chroma` as its store."""
    return {"CHROMA_HOST": HOST, "CHROMA_PORT": str(chroma.port), **extra}


@contextlib.contextmanager
def api_in_thread(settings: Any, advisor: Any, name: str = "api") -> Iterator[str]:
    """The API for `advisor` on a free 127.0.0.1 port, served by uvicorn from a thread of this
    process, once its /readyz answers 200 (within 180 s); stopped on exit."""
    import threading

    import uvicorn

    from advisor.api import create_app

    port = free_port()
    config = uvicorn.Config(
        create_app(settings, advisor), host=HOST, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert thread.is_alive(), "the API thread ended"
            try:
                if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the API did not become ready"
            time.sleep(0.1)  # polling readiness
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
