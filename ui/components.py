"""Rendering: chat turns, answers with their numbered sources, starters and follow-ups."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from advisor import Answer, CareerAdvisor, Source
from advisor.safety import safe_markdown
from ui import citations, state
from ui.state import ChatTurn
from ui.suggestions import STARTERS

AVATAR = ":material/explore:"
REFRESH_SECONDS = 0.1
"""How often an answer being written is redrawn."""


LOADING = "*Loading the search model (first question only)…*"
SEARCHING = "*Searching the guide…*"


class AnswerLike(Protocol):
    """What `follow` reads of an answer job: its text so far, whether it waits for the
    search model, and when it is done."""

    text: str
    loading: bool

    @property
    def done(self) -> threading.Event: ...


def user_message(question: str) -> None:
    """The user's bubble (rendered as safe Markdown)."""
    with st.chat_message("user"):
        st.markdown(safe_markdown(question))


def answer_deltas(stream: Iterable[str | Answer], sink: list[Answer]) -> Iterator[str]:
    """The text deltas of `advisor.stream(...)`, for st.write_stream; the Answer goes to sink.

    The deltas are already safe: the advisor sanitises the text so far, holding back any
    unfinished link, image or tag, so what st.write_stream renders is always a prefix of
    the final answer text.
    """
    for item in stream:
        if isinstance(item, Answer):
            sink.append(item)
        else:
            yield item


PACE_CHARS_PER_SECOND = 600.0
"""How fast an answer that is ready all at once (the offline answerer's) is shown growing."""
PACE_BUDGET_SECONDS = 1.5
"""The most pacing adds to one answer; a slower source (an LLM) is never slowed down."""
_PIECE = re.compile(r"\S+\s*|\s+")


def paced(
    deltas: Iterable[str],
    *,
    on_first: Callable[[], object] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """Yield text word by word at a readable pace, so an answer visibly grows as it streams.

    Deltas that arrive all at once are spread out (never more than PACE_BUDGET_SECONDS in
    all); deltas that arrive slowly pass straight through. `on_first` runs before the
    first text, e.g. to clear a "Searching…" line.
    """
    per_char = 1.0 / PACE_CHARS_PER_SECOND
    budget = PACE_BUDGET_SECONDS
    due: float | None = None
    started = False
    for delta in deltas:
        for piece in _PIECE.findall(delta):
            now = clock()
            if due is not None and due > now and budget > 0:
                wait = min(due - now, budget)
                sleep(wait)
                budget -= wait
                now = clock()
            if not started:
                on_first()
                started = True
            yield piece
            due = max(now, due or now) + per_char * len(piece)


def searched_for(typed: str, answer: Answer) -> str | None:
    """The rewritten question an answer searched for, when it differs from what was typed."""

    def plain(text: str) -> str:
        return re.sub(r"[^\w]+", " ", text).strip().lower()

    if not answer.question or plain(answer.question) == plain(typed):
        return None
    return answer.question


def source_origin(source: Source) -> str:
    """Where a source came from: the bundled guide and cards, or a document the user added,
    and a warning when ingest flagged it as instructions to the reader or the model."""
    if source.trusted:
        line = "Bundled with the advisor (the guide and its resource cards)"
    else:
        origin = source.origin.replace("`", "'")
        line = f"Added by you: `{origin}`"
    if source.flagged:
        line += (
            " · :material/warning: flagged at ingest: it gives instructions to the reader or "
            f"the model ({source.flagged.replace(',', ', ')}), so it is never quoted as advice"
        )
    return safe_markdown(line)


def sources_expander(advisor: CareerAdvisor, turn: ChatTurn, answer: Answer) -> None:
    """The numbered sources, each the target of its [n] link (and the search made)."""
    cited = sum(1 for s in answer.sources if s.cited)
    label = f"Sources ({len(answer.sources)}, {cited} cited)"
    with st.expander(label, icon=":material/menu_book:"):
        rewritten = searched_for(turn.question, answer)
        if rewritten:
            st.caption(safe_markdown(f"Searched for: {rewritten}"))
        for n, source in enumerate(answer.sources, start=1):
            citations.source_entry(advisor, turn.id, n, source, answer)
            st.caption(source_origin(source))


def answer_body(turn: ChatTurn, answer: Answer, advisor: CareerAdvisor) -> None:
    """The answer (its [n] linked to the sources) or refusal, and notes only when they matter."""
    if answer.refused:
        st.info(answer.text, icon=":material/info:")
        return
    st.markdown(citations.link_citations(answer.text, turn.id, len(answer.sources)))
    if turn.stopped:
        st.caption(":material/stop_circle: Stopped: you ended this answer here.")
    elif answer.incomplete:
        st.caption("The model stopped before finishing: this answer may be incomplete.")
    if answer.warning:
        st.warning(f"Note: {answer.warning}")
    if answer.sources:
        sources_expander(advisor, turn, answer)
    if turn.offline:
        st.caption(
            ":material/menu_book: Answered offline from the guide, because the language "
            "model did not answer."
        )


def waiting_text(job: AnswerLike) -> str:
    """What an answer shows before its first words."""
    return LOADING if job.loading else SEARCHING


def live_frame(turn_id: str, job: AnswerLike, on_stop: Callable[[str], None]) -> DeltaGenerator:
    """Where an answer being written goes, with its Stop button under it."""
    box = st.empty()
    box.markdown(job.text or waiting_text(job))
    st.button(
        "Stop",
        key=f"stop_{turn_id}",
        icon=":material/stop_circle:",
        on_click=on_stop,
        args=(turn_id,),
        help="End this answer here and keep what it said so far",
    )
    return box


def follow(job: AnswerLike, box: DeltaGenerator) -> None:
    """Redraw the answer's text so far until the job is done (or stopped)."""
    while not job.done.wait(REFRESH_SECONDS):
        text = job.text  # redrawn every time: each draw lets Streamlit take a click (Stop)
        box.markdown(text + " ▌" if text else waiting_text(job))
    box.markdown(job.text)


def waiting_note(turn_id: str, on_stop: Callable[[str], None]) -> None:
    """A queued question: it is answered once the answer before it is done."""
    st.caption(":material/schedule: Waiting: this is answered as soon as the answer above ends.")
    st.button(
        "Cancel",
        key=f"cancel_{turn_id}",
        icon=":material/close:",
        on_click=on_stop,
        args=(turn_id,),
        type="tertiary",
    )


def question_buttons(questions: Iterable[str], key: str) -> None:
    """Clickable questions (follow-ups) in a wrapping row; a click asks the question."""
    with st.container(horizontal=True, gap="small"):
        for i, question in enumerate(questions):
            st.button(
                safe_markdown(question),  # from document headings: a label renders Markdown
                key=f"{key}_{i}",
                icon=":material/arrow_forward:",
                on_click=state.ask,
                args=(question,),
            )


def starters() -> None:
    """The welcome message and starter questions shown on an empty chat."""
    with st.chat_message("assistant", avatar=AVATAR):
        st.markdown("Hi! Ask me anything about becoming an AI/ML engineer, or start here:")
        for row in range(0, len(STARTERS), 2):  # row by row, so a phone stacks them in order
            for column, (i, question) in zip(
                st.columns(2), list(enumerate(STARTERS))[row : row + 2], strict=False
            ):
                column.button(
                    question,
                    key=f"starter_{i}",
                    width="stretch",
                    on_click=state.ask,
                    args=(question,),
                )
