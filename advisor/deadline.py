"""One time budget per answer for everything the language model does, and calls that keep it.

A `Deadline` is charged only while a model call runs (`running()`), so local work between
the rewrite and the answer (retrieval, a first index build) does not eat the model's time.
`bounded()` runs a call on a worker thread and hands its items over a queue, so the caller
never waits past the deadline, however the server behaves (silent, trickling, keep-alives);
an abandoned call is cancelled and its connection cut (see `advisor.calls`).
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from advisor.calls import CURRENT_CALL, Call
from advisor.errors import LLMError, LLMTimeout
from advisor.records import Usage

if TYPE_CHECKING:
    from advisor.settings import Settings

T = TypeVar("T")

TIMEOUT_VAR = "ADVISOR_LLM_TIMEOUT"
FIRST_TOKEN_VAR = "ADVISOR_LLM_FIRST_TOKEN_TIMEOUT"


Receive = Callable[["queue.Queue[Any]", float], Any]
"""Takes the next item of a queue, waiting at most the seconds given (queue.Empty after)."""


def _receive(items: queue.Queue[Any], seconds: float) -> Any:
    return items.get(timeout=seconds)


class Deadline:
    """Seconds the model may spend on one answer: rewrite, answer, retries and backoff.

    It also carries that answer's other budgets and tallies: `max_tokens`, a caller's limit
    on the reply (an API client's), and `usage`, the tokens each call of the answer spent.
    """

    def __init__(
        self,
        seconds: float,
        first_token: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        stop: threading.Event | None = None,
        receive: Receive = _receive,
    ) -> None:
        self.seconds = seconds
        self.first_token = first_token
        """Seconds the answer may wait for its first token, all attempts and back-offs
        together, counted from its first attempt (0: no limit). A hung server fails then."""
        self.attempts = 0
        self.clock = clock
        """Where the time comes from (tests pass a fake one, with a `sleep` that advances it)."""
        self._sleep = sleep
        self.receive = receive
        """How a call's next item is awaited for at most some seconds (tests pass one that
        moves their fake clock instead of waiting on a server known to stay silent)."""
        self.stop = stop
        """Once set (the server is shutting down), no time is left."""
        self._spent = 0.0
        self._since: float | None = None
        self._asked: float | None = None
        """When the answer's first attempt started waiting for a token."""
        self._token_came = False
        self.max_tokens: int | None = None
        """The caller's limit on the reply's tokens (under ADVISOR_LLM_MAX_TOKENS), if any."""
        self.usage: list[Usage] = []
        """Tokens spent by each call made for this answer (the rewrite, the answer)."""

    @classmethod
    def for_settings(cls, settings: Settings, stop: threading.Event | None = None) -> Deadline:
        """A fresh deadline for one answer, from ADVISOR_LLM_TIMEOUT and its first-token limit."""
        return cls(settings.llm_timeout, settings.llm_first_token_timeout, stop=stop)

    def share(self, fraction: float, most: float | None = None) -> Deadline:
        """A deadline for `fraction` of the time left (and at most `most` seconds), on the
        same clock (no first-token limit)."""
        seconds = self.remaining() * fraction
        if most is not None:
            seconds = min(seconds, most)
        return Deadline(
            seconds, clock=self.clock, sleep=self._sleep, stop=self.stop, receive=self.receive
        )

    def stopped(self) -> bool:
        """True once the stop event is set."""
        return self.stop is not None and self.stop.is_set()

    @contextmanager
    def running(self) -> Iterator[Deadline]:
        """Charge the time spent inside the block (re-entrant)."""
        if self._since is not None:
            yield self
            return
        self._since = self.clock()
        try:
            yield self
        finally:
            self._spent += self.clock() - self._since
            self._since = None

    def spent(self) -> float:
        """Seconds charged so far."""
        running = self.clock() - self._since if self._since is not None else 0.0
        return self._spent + running

    def remaining(self) -> float:
        """Seconds left (never negative; none once stopped)."""
        return 0.0 if self.stopped() else max(0.0, self.seconds - self.spent())

    def asking(self) -> None:
        """Note that a call starts waiting for the answer's first token (the first call only)."""
        if self._asked is None:
            self._asked = self.clock()

    def token_came(self) -> None:
        """Note the answer's first token: the first-token limit no longer applies."""
        self._token_came = True

    def first_token_left(self) -> float | None:
        """Seconds the answer may still wait for its first token; None without a limit or
        once a token came."""
        if not self.first_token or self._token_came:
            return None
        waited = 0.0 if self._asked is None else self.clock() - self._asked
        return max(0.0, self.first_token - waited)

    def sleep(self, seconds: float) -> bool:
        """Back off for `seconds` if the deadline (and the first-token limit, while no token
        came) has room for it and some more; else don't."""
        silent = self.first_token_left()
        if seconds >= self.remaining() or (silent is not None and seconds >= silent):
            return False
        self._sleep(seconds)
        return True

    def waited(self) -> str:
        """E.g. "waited 3.0 s over 2 attempts"."""
        plural = "" if self.attempts == 1 else "s"
        return f"waited {self.spent():.1f} s over {self.attempts} attempt{plural}"

    def expired_error(self) -> LLMError:
        """The error for an answer that ran out of time (or was stopped) before any text came."""
        if self.stopped():
            return LLMError("the answer was stopped: the server is shutting down")
        return LLMTimeout(
            f"the language model did not answer within {self.seconds:g} s ({TIMEOUT_VAR}); "
            f"{self.waited()}"
        )

    def first_token_error(self) -> LLMTimeout:
        """The error when the answer's attempts sent no token within the first-token limit."""
        return LLMTimeout(
            f"the language model sent nothing within {self.first_token:g} s ({FIRST_TOKEN_VAR}); "
            f"{self.waited()}"
        )


class DeadlineExpired(Exception):
    """The answer's deadline passed while a call was running."""


class FirstTokenTimeout(Exception):
    """No token came within the answer's first-token limit (never retried: it is used up)."""


def bounded(
    produce: Callable[[], Iterable[T]],
    deadline: Deadline,
    is_token: Callable[[T], bool],
) -> Generator[T, None, None]:
    """The items of `produce()`, abandoned when the deadline (or the first-token limit) passes.

    Raises DeadlineExpired or FirstTokenTimeout on expiry, or the call's own exception.
    """
    items: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=_QUEUED)
    call = Call(limit=deadline.remaining() + _SLACK)
    worker = threading.Thread(
        target=contextvars.copy_context().run,
        args=(_work, call, produce, items),
        name="advisor-llm-call",
        daemon=True,
    )
    deadline.asking()
    finished = False
    worker.start()
    try:
        while True:  # both limits are read on the deadline's clock, before every item
            wait = deadline.remaining()
            if wait <= 0:
                raise DeadlineExpired
            silent = deadline.first_token_left()
            if silent is not None and silent <= 0:
                raise FirstTokenTimeout
            wait = wait if silent is None else min(wait, silent)
            if deadline.stop is not None:
                wait = min(wait, _STOP_POLL)
            try:
                taken: tuple[str, object] = deadline.receive(items, wait)
            except queue.Empty:  # a limit has passed (or will soon: the clock says which)
                continue
            kind, value = taken
            if kind == "done":
                finished = True
                return
            if kind == "error":
                finished = True
                assert isinstance(value, BaseException)
                raise value
            if is_token(value):  # type: ignore[arg-type]
                deadline.token_came()
            yield value  # type: ignore[misc]
    finally:
        if not finished:
            call.cancel()


def _work(call: Call, produce: Callable[[], Iterable[T]], items: queue.Queue) -> None:
    """Body of the worker thread: pass items on until done, failed or cancelled."""
    CURRENT_CALL.set(call)
    try:
        source = iter(produce())
        try:
            for item in source:
                if not _hand_over(call, items, ("item", item)):
                    break
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
    except BaseException as exc:  # handed to the caller, who decides
        _hand_over(call, items, ("error", exc))
        return
    _hand_over(call, items, ("done", None))


def _hand_over(call: Call, items: queue.Queue, item: tuple[str, object]) -> bool:
    """Queue `item`, waiting while the queue is full (the reader is behind); False once the
    call is cancelled, so a server that floods waits for its reader instead of filling memory."""
    while not call.cancelled.is_set():
        try:
            items.put(item, timeout=_STOP_POLL)
            return True
        except queue.Full:
            continue
    return False


_SLACK = 1.0
"""Network waits may last this much longer than the deadline, so the deadline always fires first."""
_QUEUED = 256
"""Items a call may run ahead of its reader."""
_STOP_POLL = 0.2
"""Seconds between checks of a stop event while a call is silent, and of a cancel while the
reader is behind."""
