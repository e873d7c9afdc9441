"""The answerers, and one answerer's stream over a plan: safe deltas, then its Answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from typing import Protocol

from advisor.answer_plan import AnswerPlan
from advisor.conversation import Turn
from advisor.conversation.compose import ExtractiveAnswerer
from advisor.deadline import Deadline
from advisor.extractive import Draft, Listing
from advisor.numbers import values_in
from advisor.planning.profile import Profile
from advisor.records import Answer, Source
from advisor.safety import mark_cited
from advisor.secrets import RedactingStream, Redactor
from advisor.settings import Settings
from advisor.stream_safety import SafeStream


class Answerer(Protocol):
    """Turns (question, sources, history) into cited text; `profile` is the learner, for
    answers that plan (the offline one quotes their plan's steps)."""

    name: str

    def stream(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[Turn] = (),
        deadline: Deadline | None = None,
        profile: Profile | None = None,
    ) -> Iterator[str | Draft | Listing]: ...


def make_answerer(settings: Settings, backend: str | None = None) -> Answerer:
    """The answerer for a backend name (default: the settings' resolved backend)."""
    name = backend or settings.resolved_backend
    if name == "extractive":
        return ExtractiveAnswerer()
    if name == "fake":
        from advisor.fake import FakeChatModel
        from advisor.llm import ChatAnswerer

        fake = FakeChatModel(
            responses=list(settings.fake_responses),
            chunk_chars=settings.fake_chunk_chars,
            chunk_delay=settings.fake_chunk_delay,
        )
        return ChatAnswerer(fake, settings, "fake")
    if name == "openai":
        from advisor.chat_model import openai_chat_model, served_model
        from advisor.llm import ChatAnswerer

        settings = settings.with_(llm_model=served_model(settings))  # the name shown, too
        return ChatAnswerer(openai_chat_model(settings), settings, "openai")
    settings.with_(backend=name)  # raises ConfigurationError naming ADVISOR_BACKEND
    raise AssertionError("unreachable")


def answer_stream(
    plan: AnswerPlan,
    deadline: Deadline,
    answerer: Answerer,
    redactor: Redactor,
    warning: Callable[[], str],
    on_sources: Callable[[list[Source]], None] | None = None,
) -> Iterator[str | Answer]:
    """One answerer's safe deltas over the plan's sources, then its Answer."""
    listed = plan.sources
    if on_sources is not None:
        on_sources(list(listed))
    # secrets the model echoes are masked before sanitising (which could split them) and
    # after it (which could join one); each stage sees the text so far, never one piece
    raw = RedactingStream(redactor)
    said = "\n".join([plan.question, *(text for _, text in plan.history)])
    given = frozenset(values_in(said))  # numbers the user gave or the answer carried over
    guard = SafeStream(listed, given=given)  # sanitises the text so far, never piece by piece
    shown = RedactingStream(redactor)
    draft: Draft | None = None
    for item in answerer.stream(plan.question, plan.sources, plan.history, deadline, plan.profile):
        if isinstance(item, Listing):  # cites beyond the retrieved sources: before any text
            listed = list(item.sources)
            guard = SafeStream(listed, given=given)
            if on_sources is not None:
                on_sources(list(listed))
        elif isinstance(item, Draft):
            draft = item
        elif out := shown.push(guard.push(raw.push(item))):
            yield out
    tail = draft.text[len(raw.text) :] if draft and draft.text.startswith(raw.text) else ""
    guard.push(raw.push(tail) + raw.finish())  # an answerer may send only a Draft
    guard.finish()
    result = guard.result
    assert result is not None
    text = redactor.redact(result.text)
    if not text.strip():
        yield from refusal(plan, answerer.name, redactor, warning)
        return
    if rest := shown.finish(result.text):
        yield rest
    yield Answer(
        text=text,
        sources=mark_cited(listed, set(result.cited)),
        backend=answerer.name,
        refused=False,
        question=redactor.redact(plan.question),
        incomplete=draft is not None and not draft.complete,
        unsupported_numbers=result.unsupported,
        warning=warning(),
        usage=draft.usage if draft is not None else None,
    )


def refusal(
    plan: AnswerPlan, backend: str, redactor: Redactor, warning: Callable[[], str]
) -> Iterator[str | Answer]:
    """The refusal's text as one delta, then the refused Answer."""
    text = refusal_text()
    yield text
    yield Answer(
        text=text,
        backend=backend,
        refused=True,
        question=redactor.redact(plan.question),
        warning=warning(),
    )


def refusal_text() -> str:
    """What the advisor says when its sources do not cover a question."""
    return resources.files("advisor.prompts").joinpath("refusal.md").read_text("utf-8").strip()
