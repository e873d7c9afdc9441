"""Time a test drives: a clock whose `sleep` returns at once and moves the clock on instead."""

from __future__ import annotations

import time

from advisor.deadline import Deadline
from advisor.settings import Settings


class FakeTime:
    """A clock for deadlines and back-offs.

    Frozen (the default), only `sleep` moves it: calls to a server cost no time, so how
    many attempts fit and which message comes out no longer depend on the machine's load.
    With `real=True` it follows the real clock too, and sleeps are skipped but charged:
    a hung server is still cut in real time, with no real back-off to wait through.
    """

    def __init__(self, real: bool = False) -> None:
        self.real = real
        self.skipped = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        """Seconds: the sleeps so far (plus the real clock, when `real`)."""
        return self.skipped + (time.monotonic() if self.real else 0.0)

    def sleep(self, seconds: float) -> None:
        """Return at once, but move the clock on by `seconds`."""
        self.slept.append(seconds)
        self.skipped += seconds

    def deadline(self, settings: Settings) -> Deadline:
        """A Deadline for one answer on this clock (a `deadlines` factory for the answerer)."""
        return Deadline(
            settings.llm_timeout, settings.llm_first_token_timeout, self.clock, self.sleep
        )
