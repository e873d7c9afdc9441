"""The turns of recent responses, so that `previous_response_id` can continue a conversation.

Bounded in count and in time, in this process's memory only: with several workers or
replicas, a follow-up must reach the one that answered (else it gets a 404), or the client
sends the history itself as input messages.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Turns = tuple[tuple[str, str], ...]
MAX_RESPONSES = 1000
"""How many responses are kept (the oldest go first)."""
MAX_AGE = 3600.0
"""Seconds a response can be continued."""


@dataclass(frozen=True)
class Stored:
    """What is kept of a response: the conversation up to it, and what `/v1/feedback` records."""

    turns: Turns
    """(role, text) pairs, oldest first, ending with this response's question and answer."""
    backend: str = ""
    """The answerer that wrote the answer."""
    source_ids: tuple[str, ...] = ()
    """The passages listed with the answer, in order."""


class ResponseStore:
    """Response id -> what is kept of it (`Stored`), for a bounded count and time."""

    def __init__(
        self,
        max_items: int = MAX_RESPONSES,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_items, self.max_age, self._clock = max_items, max_age, clock
        self._items: OrderedDict[str, tuple[float, Stored]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, response_id: str, stored: Stored) -> None:
        """Keep this response, dropping the oldest beyond the bounds."""
        with self._lock:
            self._items[response_id] = (self._clock(), stored)
            self._items.move_to_end(response_id)
            self._expire()

    def get(self, response_id: str) -> Stored | None:
        """A stored response; None when unknown or expired."""
        with self._lock:
            self._expire()
            found = self._items.get(response_id)
        return None if found is None else found[1]

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)

    def _expire(self) -> None:
        oldest = self._clock() - self.max_age
        while self._items:
            first, (stored, _) = next(iter(self._items.items()))
            if stored > oldest and len(self._items) <= self.max_items:
                return
            del self._items[first]
