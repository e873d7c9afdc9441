"""Rendering: chat turns, answers with their numbered sources, starters and follow-ups."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator

import streamlit as st

from advisor import Answer, Source
from advisor.safety import safe_markdown
from ui import state
from ui.state import ChatTurn
from ui.suggestions import STARTERS

AVATAR = ":material/explore:"
_BACKENDS = {"extractive": "offline extractive", "openai": "LLM", "fake": "fake (test) model"}


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


def source_heading(n: int, source: Source) -> str:
    """`**[n] Title** — Section · link`, with "not cited" for sources the text does not cite."""
    title = f"[{source.title}]({source.url})" if source.url else source.title
    parts = [f"**[{n}]** {title}"]
    if source.section:
        parts.append(f"*{source.section.replace(' > ', ' › ')}*")
    line = " — ".join(parts)
    if not source.cited:
        line += " · _not cited_"
    return safe_markdown(line)


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


def quote(text: str, limit: int = 900) -> str:
    """A passage as a Markdown block quote (shortened to `limit` characters)."""
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def sources_expander(answer: Answer, typed: str = "") -> None:
    """The numbered sources, matching the [n] citations in the answer (and the search made)."""
    cited = sum(1 for s in answer.sources if s.cited)
    label = f"Sources ({len(answer.sources)}, {cited} cited)"
    with st.expander(label, icon=":material/menu_book:"):
        rewritten = searched_for(typed, answer)
        if rewritten:
            st.caption(safe_markdown(f"Searched for: {rewritten}"))
        for n, source in enumerate(answer.sources, start=1):
            st.markdown(source_heading(n, source))
            st.caption(source_origin(source))
            # sanitise before shortening: a cut can leave half a tag that no longer matches
            st.markdown(safe_markdown(quote(safe_markdown(source.text))))


def answer_body(turn: ChatTurn, answer: Answer) -> None:
    """The answer text (or refusal), its sources and a line saying who answered."""
    if answer.refused:
        st.info(answer.text, icon=":material/info:")
        return
    st.markdown(answer.text)
    if answer.incomplete:
        st.caption("The model stopped before finishing: this answer may be incomplete.")
    if answer.warning:
        st.warning(f"Note: {answer.warning}")
    if answer.sources:
        sources_expander(answer, turn.question)
    how = "offline answer from the guide" if turn.offline else _BACKENDS.get(answer.backend, "")
    if how:
        st.caption(f"Answered by: {how}")


def feedback(turn: ChatTurn, on_rate: Callable[[str, str], None], db_path: str) -> None:
    """Thumbs up/down for an answer; a rating is saved once, then the thumbs lock."""
    st.feedback(
        "thumbs",
        key=turn.feedback_key,
        on_change=on_rate,
        args=(turn.id, db_path),
        disabled=turn.rating is not None,
    )


def offline_button(turn: ChatTurn) -> None:
    """The button that replaces a failed answer by the offline one."""
    st.button(
        "Answer offline from the guide",
        key=f"offline_{turn.id}",
        icon=":material/menu_book:",
        on_click=state.request_offline,
        args=(turn.id,),
    )


def question_buttons(questions: Iterable[str], key: str) -> None:
    """Clickable questions (follow-ups) in a wrapping row; a click asks the question."""
    with st.container(horizontal=True, gap="small"):
        for i, question in enumerate(questions):
            st.button(
                question,
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
