"""A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries, a cluster in a
temp dir, listening on a unix socket only, gone when the tests end.

initdb and postgres refuse to run as root, so under root (CI) they run as the `postgres`
user the Debian package creates. The server gets the parent-death signal: if the test
process dies without stopping it, it stops anyway.

    with postgres_server() as pg:
        url = pg.new_database()      # postgresql://postgres@/t1?host=/tmp/advisor-pg-…
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
INITDB_ARGS = ("--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
SERVER_ARGS = ("-c", "listen_addresses=", "-c", "fsync=off", "-c", "max_connections=200")
"""A unix socket only (no TCP port at all), and no fsync: the data is thrown away anyway."""
_PR_SET_PDEATHSIG = 1


def bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder (`apt-get install postgresql`)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=_version)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0


def _as_owner(uid: int | None, gid: int | None, die_with_parent: bool) -> Callable[[], None]:
    """What a child runs before exec: drop root to the owner, and ask for SIGINT when the
    test process exits (a fast shutdown; set after the uid change, which clears it)."""

    def run() -> None:
        if uid is not None and gid is not None:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        if die_with_parent:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)  # fast shutdown

    return run


@dataclass
class Postgres:
    """A running throwaway server: its socket folder, process and log."""

    root: Path
    process: subprocess.Popen[bytes]
    log: Path
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def url(self, database: str) -> str:
        """The URL of a database on this server (over its unix socket)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.root}"

    def new_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"t{next(self._names)}"
        with psycopg.connect(host=str(self.root), user=SUPERUSER, dbname="postgres") as conn:
            conn.autocommit = True
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server log (for failure messages)."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def postgres_server(timeout: float = 120.0) -> Iterator[Postgres]:
    """initdb a cluster in a new temp folder, start it, yield it; stop and delete it on exit."""
    binaries = bin_dir()
    root = Path(tempfile.mkdtemp(prefix="advisor-pg-"))  # short: a socket path has ~100 chars
    uid = gid = None
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SUPERUSER)
        uid, gid = owner.pw_uid, owner.pw_gid
        os.chown(root, uid, gid)
    data, log = root / "data", root / "server.log"
    try:
        subprocess.run(
            [str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, *INITDB_ARGS],
            cwd=root,
            preexec_fn=_as_owner(uid, gid, die_with_parent=False),
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(binaries / "postgres"), "-D", str(data), "-k", str(root), *SERVER_ARGS],
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_as_owner(uid, gid, die_with_parent=True),
            )
        server = Postgres(root=root, process=process, log=log)
        try:
            _wait_ready(server, binaries, timeout)
            yield server
        finally:
            _stop(process)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(server: Postgres, binaries: Path, timeout: float) -> None:
    """Poll pg_isready until the server accepts connections; fail with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"postgres exited early:\n{server.log_tail()}")
        ready = subprocess.run(
            [str(binaries / "pg_isready"), "-q", "-h", str(server.root), "-U", SUPERUSER],
            check=False,
            timeout=30,
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"postgres not ready after {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Fast shutdown (SIGINT: end sessions, checkpoint), then kill if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
