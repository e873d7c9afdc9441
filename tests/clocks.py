"""Time a test drives: a clock whose `sleep` returns at once and moves the clock on instead."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from advisor.deadline import Deadline
from advisor.settings import Settings


class FakeTime:
    """A clock for deadlines and back-offs.

    Frozen (the default), only `sleep` moves it: calls to a server cost no time, so how
    many attempts fit and which message comes out no longer depend on the machine's load.
    With `real=True` it follows the real clock too, and sleeps are skipped but charged:
    a hung server is still cut in real time, with no real back-off to wait through.

    With `silent` (a server's word that it holds a request and will send nothing on it), a
    call's wait for its next item moves the clock by the wait's full length instead, once the
    server says so: a hung server costs the test no real time, and no race decides the outcome.
    """

    def __init__(self, real: bool = False, silent: Callable[[], bool] | None = None) -> None:
        self.real = real
        self.silent = silent
        self.skipped = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        """Seconds: the sleeps so far (plus the real clock, when `real`)."""
        return self.skipped + (time.monotonic() if self.real else 0.0)

    def sleep(self, seconds: float) -> None:
        """Return at once, but move the clock on by `seconds`."""
        self.slept.append(seconds)
        self.skipped += seconds

    def receive(self, items: queue.Queue[Any], seconds: float) -> Any:
        """The next item; with `silent`, the wait is skipped (and charged) once the server
        holds the request silently and nothing is queued."""
        if self.silent is None:
            return items.get(timeout=seconds)
        until = time.monotonic() + seconds
        while True:
            try:
                return items.get(timeout=min(_POLL, seconds))
            except queue.Empty:
                if self.silent() and items.empty():
                    self.skipped += seconds
                    raise
                if time.monotonic() >= until:
                    raise

    def deadline(self, settings: Settings) -> Deadline:
        """A Deadline for one answer on this clock (a `deadlines` factory for the answerer)."""
        return Deadline(
            settings.llm_timeout,
            settings.llm_first_token_timeout,
            self.clock,
            self.sleep,
            receive=self.receive,
        )


_POLL = 0.02
"""Seconds between looks at the queue and the server while waiting for either."""
