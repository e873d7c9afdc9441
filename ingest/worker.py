"""A parser process that can be abandoned: a file that overruns its time budget is skipped.

One child process (`python -c "...ingest.worker.main(FD)"`) is started on the first file that
needs parsing and reused for every later one, so a run pays the start-up once. When
a file overruns the budget the child is killed, the file gets a reason, and the next
file starts a fresh child. The child is a plain subprocess rather than a
multiprocessing "spawn" child, which would re-import the caller's `__main__` script.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

from advisor.errors import AdvisorError
from ingest.loaders import LoadError

READY = "ready"
STARTED = "started"
_CHILD = "import sys; from ingest.worker import main; main(int(sys.argv[1]))"
START_SECONDS = 120.0
"""How long the child may take to start and import the parser (a loaded machine is slow)."""


class ParseWorker:
    """Runs `fn(*args)` in the child process, giving up after `budget` seconds per call."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._ready = False

    def __enter__(self) -> ParseWorker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The value of `fn(*args)`; LoadError when it fails, dies or overruns the budget.

        The budget starts when the child has the call in hand (loading the function's
        module is start-up, not parsing).
        """
        conn = self._connection()
        try:
            conn.send((fn, args))
            if not conn.poll(START_SECONDS) or conn.recv() != STARTED:
                raise EOFError
        except (EOFError, OSError):
            raise self._died() from None
        if not conn.poll(self.budget):
            self.close()
            raise LoadError(
                f"parsing took longer than the {self.budget:g}-second budget "
                "(ADVISOR_INGEST_FILE_SECONDS)"
            )
        try:
            ok, value = conn.recv()
        except (EOFError, OSError):
            raise self._died() from None
        if not ok:
            raise LoadError(value)
        return value

    def _died(self) -> LoadError:
        code = self._stop()
        return LoadError(f"the parser process stopped unexpectedly (exit code {code})")

    def close(self) -> None:
        """Stop the child, if one is running."""
        self._stop()

    def start(self) -> None:
        """Launch the child without waiting for it, so its start-up overlaps other work."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._stop()
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._ready = False
        self.starts += 1

    def _connection(self) -> Connection:
        self.start()
        assert self._conn is not None
        if not self._ready:
            if not self._conn.poll(START_SECONDS) or self._recv_ready() != READY:
                code = self._stop()
                raise AdvisorError(f"the ingest parser process did not start (exit code {code})")
            self._ready = True
        return self._conn

    def _recv_ready(self) -> Any:
        assert self._conn is not None
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            return None

    def _stop(self) -> int | None:
        """Kill and reap the child; its exit code (None when none was running)."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        return proc.wait()


def serve(conn: Connection) -> None:
    """The child's loop: run each call it is sent and send back (ok, value or reason)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    conn.send(READY)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone or done
        conn.send(STARTED)
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except LoadError as exc:
            reply = (False, str(exc))
        except RecursionError:
            reply = (False, "parser error: the document is nested too deeply")
        except Exception as exc:  # a parser bug on one file must not stop the whole ingest
            detail = " ".join(str(exc).split())[:200]
            reply = (False, f"parser error: {type(exc).__name__}: {detail}".rstrip(": "))
        conn.send(reply)


def main(fd: int) -> None:
    """The child's entry point: import the parser, then serve calls on connection `fd`."""
    import ingest.parsing  # noqa: F401  (imported before saying ready: not part of any budget)

    serve(Connection(fd))
