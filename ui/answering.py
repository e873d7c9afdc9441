"""Answers written in a background thread, so no rerun (a click, a new question) cancels one.

A Streamlit rerun stops the script wherever it is. An answer streamed by the script itself
dies with it; here the script only starts an `AnswerJob` and shows its text so far. A rerun
re-attaches to the job; "Stop" ends it and keeps what was shown. Questions sent meanwhile
wait in a queue and are answered in order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import streamlit as st

from advisor import Answer, CareerAdvisor, Source
from advisor.safety import mark_cited, strip_citations
from ui import components, state
from ui.state import ChatTurn

log = logging.getLogger(__name__)

_JOBS = "answer_jobs"
_QUEUE = "answer_queue"


@dataclass
class AnswerJob:
    """One answer being written: its safe text so far, then the Answer or the error."""

    turn_id: str
    text: str = ""
    sources: list[Source] = field(default_factory=list)
    """The numbered sources the text's [n] point at, known before any text."""
    loading: bool = False
    """True while the answer waits for the search model to load (the first question)."""
    answer: Answer | None = None
    error: Exception | None = None
    stopped: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, piece: str) -> bool:
        """Append text unless stopped; False once the job was stopped."""
        with self.lock:
            if self.stopped:
                return False
            self.text += piece
            return True

    def listed(self, sources: list[Source]) -> None:
        """Keep the sources the answer is written from (so a stopped answer keeps them)."""
        with self.lock:
            self.sources = list(sources)

    def partial(self, backend: str, question: str) -> Answer | None:
        """What a stopped answer said, with the sources its [n] point at; None if nothing."""
        with self.lock:
            text, listed = self.text, list(self.sources)
        if not text.strip():
            return None
        _, cited = strip_citations(text, len(listed))
        return Answer(
            text=text,
            sources=mark_cited(listed, cited),
            backend=backend,
            question=question,
            incomplete=True,
        )

    def stop(self) -> None:
        """End the answer now, keeping the text written so far."""
        with self.lock:
            if not self.done.is_set():
                self.stopped = True
                self.done.set()

    def finish(self, answer: Answer | None, error: Exception | None) -> None:
        """Record how the stream ended (ignored when the user stopped it first)."""
        with self.lock:
            if not self.stopped:
                self.answer, self.error = answer, error
            self.done.set()


def run(job: AnswerJob, stream: Iterator[str | Answer], ready: threading.Event) -> None:
    """Consume `advisor.stream(...)` into the job, paced as the chat shows it (in a thread),
    once the search model is `ready`."""
    got: list[Answer] = []
    answer: Answer | None = None
    error: Exception | None = None
    if not ready.is_set():
        job.loading = True
        ready.wait()
        job.loading = False
    try:
        for piece in components.paced(components.answer_deltas(stream, got)):
            if not job.add(piece):
                break  # stopped: close the stream (an LLM request ends with it)
        answer = got[-1] if got else None
    except Exception as exc:  # shown in words by the app; never a traceback
        log.info("answering failed: %s", type(exc).__name__)
        error = exc
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        job.finish(answer, error)


def start(advisor: CareerAdvisor, turn: ChatTurn, ready: threading.Event) -> AnswerJob:
    """Start answering `turn` in the background, with the chat before it as history, once
    the search model is `ready` (set by the process's warm-up)."""
    job = AnswerJob(turn.id, loading=not ready.is_set())
    stream = advisor.stream(
        turn.question, state.history(before=turn), on_sources=job.listed, profile=state.profile()
    )
    thread = threading.Thread(target=run, args=(job, stream, ready), name=f"answer-{turn.id}")
    thread.daemon = True
    thread.start()
    jobs()[turn.id] = job
    return job


def jobs() -> dict[str, AnswerJob]:
    """This browser session's answer jobs by turn id (finished ones until collected)."""
    if _JOBS not in st.session_state:
        st.session_state[_JOBS] = {}
    value: dict[str, AnswerJob] = st.session_state[_JOBS]
    return value


def queue() -> list[str]:
    """Ids of turns waiting for their answer, in the order they were asked."""
    if _QUEUE not in st.session_state:
        st.session_state[_QUEUE] = []
    value: list[str] = st.session_state[_QUEUE]
    return value


def busy() -> bool:
    """True while an answer is being written or questions are waiting."""
    return any(not j.done.is_set() for j in jobs().values()) or bool(queue())


def enqueue(turn: ChatTurn) -> None:
    """Answer this turn once the answers before it are done."""
    if turn.id not in queue():
        queue().append(turn.id)


def waiting(turn: ChatTurn) -> bool:
    """True while the turn waits in the queue."""
    return turn.id in queue()


def stop(turn_id: str) -> None:
    """The Stop button: end the answer now, keeping what was shown."""
    job = jobs().get(turn_id)
    if job is not None:
        job.stop()
    if turn_id in queue():
        queue().remove(turn_id)
        turn = state.find(turn_id)
        if turn is not None:
            turn.stopped = True


def stop_all() -> None:
    """Stop every answer of this session (before a new chat)."""
    for turn_id in [*jobs(), *queue()]:
        stop(turn_id)
    jobs().clear()
    queue().clear()


def next_to_start() -> ChatTurn | None:
    """The first queued turn, once no answer is being written (dropped if no longer in chat)."""
    if any(not j.done.is_set() for j in jobs().values()):
        return None
    while queue():
        turn = state.find(queue()[0])
        queue().pop(0)
        if turn is not None:
            return turn
    return None
