"""The generative answerer: a chat model (OpenAI-compatible, or the fake) behind one prompt.

The messages it sends are built in `advisor.prompting`; how long a reply may be and what its
chunks report, in `advisor.replies`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage

from advisor.chat_model import is_openai
from advisor.conversation import Turn, render, trim
from advisor.deadline import Deadline, DeadlineExpired, FirstTokenTimeout, bounded
from advisor.errors import ConfigurationError, LLMError, LLMTimeout
from advisor.extractive import Draft
from advisor.model_errors import (
    CONTEXT_RETRIES,
    ContextTooLong,
    backoff,
    context_too_long,
    retryable,
    translate_error,
)
from advisor.planning.profile import Profile
from advisor.prompting import build_messages, load_prompt, message_text, prompt_chars
from advisor.records import Source, Usage
from advisor.replies import CHARS_PER_TOKEN, finished, reply_tokens, reported_usage, text_budget
from advisor.settings import Settings

REWRITE_MAX_TOKENS = 64
"""Most tokens the follow-up rewrite may generate: a question, not an essay (or a loop)."""


class ChatAnswerer:
    """Answers with a LangChain chat model; errors become LLMError or ConfigurationError.

    Every call runs under one Deadline per answer (ADVISOR_LLM_TIMEOUT): the rewrite (in its
    own small share), the answer, retries and backoff share it, and a call is abandoned the
    moment it passes, or when no token came within ADVISOR_LLM_FIRST_TOKEN_TIMEOUT (counted
    over all attempts of the answer, so a hung server fails then and is not asked again).
    The Deadline also collects the usage of each call, so the Draft's usage is the answer's.
    `deadlines` makes that Deadline when the caller gives none (tests pass one on a fake clock).
    """

    def __init__(
        self,
        model: BaseChatModel,
        settings: Settings,
        name: str = "openai",
        *,
        deadlines: Callable[[Settings], Deadline] = Deadline.for_settings,
    ) -> None:
        self.model = model
        self.settings = settings
        self.name = name
        self.deadlines = deadlines

    def stream(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[Turn] = (),
        deadline: Deadline | None = None,
        profile: Profile | None = None,
    ) -> Iterator[str | Draft]:
        """Yield text deltas; the last item is a Draft saying whether the model finished.

        When the server says the prompt is longer than its context, the history is dropped and
        the sources cut (the weakest first) to what the server says fits, or to half, then the
        answer is asked again, within the same deadline, up to CONTEXT_RETRIES times. The model
        reads the learner from the chat itself (`profile` is for the offline answer's plan).
        """
        deadline = deadline or self.deadlines(self.settings)
        budget = self.settings.llm_context_chars
        kept = list(sources)
        with deadline.running():
            for _ in range(CONTEXT_RETRIES + 1):
                messages = build_messages(question, kept, history, self.settings, budget)
                try:
                    yield from self._attempts(messages, deadline)
                    return
                except ContextTooLong as too_long:
                    fits = too_long.fits(reply_tokens(self.settings, deadline))
                    budget = int(prompt_chars(messages) * fits)
                    history, kept = (), kept[: max(1, math.ceil(len(kept) * fits))]
        raise LLMError(
            "the question and its sources do not fit the model's context window, even cut "
            f"down {CONTEXT_RETRIES} times; use a model with a larger context"
        )

    def _attempts(self, messages: list[BaseMessage], deadline: Deadline) -> Iterator[str | Draft]:
        """Try, then retry while the deadline has room; text already streamed is never retried.

        A retry (after 429/5xx/a lost connection) also needs room in the first-token limit,
        which is the whole answer's: a server silent past it is not asked again.

        Reading stops (and the connection is cut) at the deadline or at `text_budget`
        characters, whichever comes first: the answer is then marked incomplete.
        """
        budget = text_budget(self.settings, deadline)
        limit = self._limit(reply_tokens(self.settings, deadline))
        failure: Exception | None = None
        for attempt in range(self.settings.llm_max_retries + 1):
            if attempt and not deadline.sleep(backoff(attempt, failure)):
                break
            if deadline.remaining() <= 0:
                break
            deadline.attempts += 1
            parts: list[str] = []
            reason = ""
            usage: Usage | None = None
            received = 0
            try:
                with closing(
                    bounded(
                        lambda: self._chunks(messages, limit), deadline, lambda item: bool(item[0])
                    )
                ) as items:
                    for text, done, used in items:
                        reason = done or reason
                        usage = used or usage  # the last report wins (some servers repeat totals)
                        if not text:
                            continue
                        kept = text[: budget - received]
                        received += len(kept)
                        if kept:
                            parts.append(kept)
                            yield kept
                        if len(kept) < len(text):  # over budget: stop reading, cut the call
                            used = self._spent(deadline, messages, parts, usage)
                            yield Draft("".join(parts), complete=False, usage=used)
                            return
            except Exception as exc:
                if parts:  # cut mid-stream or out of time: keep what arrived, mark it incomplete
                    used = self._spent(deadline, messages, parts, usage)
                    yield Draft("".join(parts), complete=False, usage=used)
                    return
                if (too_long := context_too_long(exc)) is not None:
                    raise too_long from None
                if isinstance(exc, DeadlineExpired):
                    raise deadline.expired_error() from None
                if isinstance(exc, FirstTokenTimeout):  # the answer's whole first-token budget
                    raise deadline.first_token_error() from None
                if not retryable(exc):
                    raise translate_error(exc, self.settings) from None
                failure = exc
                continue
            used = self._spent(deadline, messages, parts, usage)
            yield Draft("".join(parts), complete=finished(reason), usage=used)
            return
        raise self._gave_up(failure, deadline)

    def _spent(
        self,
        deadline: Deadline,
        messages: Sequence[BaseMessage],
        parts: Sequence[str],
        reported: Usage | None,
    ) -> Usage | None:
        """Record this call's usage (the server's, else estimated) on the answer's deadline;
        return what the whole answer spent so far (the rewrite included)."""
        used = reported or self._estimate(messages, "".join(parts))
        if used is not None:
            deadline.usage.append(used)
        return sum(deadline.usage[1:], deadline.usage[0]) if deadline.usage else None

    def _estimate(self, messages: Sequence[BaseMessage], reply: str) -> Usage | None:
        """The prompt sent and the reply received, counted with the model-agnostic tokenizer."""
        from advisor.tokens import token_counter

        try:
            counter = token_counter(self.settings)
        except ConfigurationError:
            return None
        prompt = sum(counter.count(message_text(m)) for m in messages)
        return Usage(prompt, counter.count(reply), estimated=True)

    def _limit(self, max_tokens: int) -> dict[str, Any]:
        """Per-call arguments that set the reply's max_tokens, in the words the server reads."""
        from langchain_openai import ChatOpenAI

        if not isinstance(self.model, ChatOpenAI):
            return {}
        if is_openai(self.settings.openai_base_url):
            return {"max_tokens": max_tokens}  # sent as max_completion_tokens
        return {"extra_body": {"max_tokens": max_tokens}}

    def _chunks(
        self, messages: list[BaseMessage], limit: dict[str, Any]
    ) -> Iterator[tuple[str, str, Usage | None]]:
        """(text, finish reason or "", usage) per streamed chunk; runs on the call's worker
        thread."""
        for chunk in self.model.stream(messages, **limit):
            meta = getattr(chunk, "response_metadata", {}) or {}
            reason = str(meta.get("finish_reason") or "")
            text = chunk.text if isinstance(chunk.text, str) else str(chunk.content)
            used = reported_usage(chunk)
            if text or reason or used:
                yield text, reason, used

    def _gave_up(self, failure: Exception | None, deadline: Deadline) -> Exception:
        """The error once no attempt is left (or the deadline has no room for one)."""
        if failure is None:
            return deadline.expired_error()
        error = translate_error(failure, self.settings)
        return type(error)(f"{error}; {deadline.waited()}")

    def answer(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[Turn] = (),
        deadline: Deadline | None = None,
    ) -> Draft:
        """The whole answer at once."""
        draft = Draft("")
        for item in self.stream(question, sources, history, deadline):
            if isinstance(item, Draft):
                draft = item
        return draft

    def condense(
        self, question: str, history: Sequence[Turn], deadline: Deadline | None = None
    ) -> str:
        """Ask the model for a standalone question: one try, in its own small share of the
        time (ADVISOR_LLM_REWRITE_TIMEOUT, at most half of what is left), REWRITE_MAX_TOKENS."""
        deadline = deadline or self.deadlines(self.settings)
        prompt = load_prompt("condense").format(
            history=render(trim(history, self.settings.history_chars)), question=question
        )
        messages: list[BaseMessage] = [HumanMessage(prompt)]
        limit = self._limit(min(REWRITE_MAX_TOKENS, self.settings.llm_max_tokens))
        with deadline.running():
            deadline.attempts += 1
            share = deadline.share(0.5, most=self.settings.llm_rewrite_timeout)
            try:
                with share.running():
                    (reply,) = bounded(lambda: [self.model.invoke(messages, **limit)], share, bool)
            except DeadlineExpired:
                raise LLMTimeout(
                    f"the follow-up rewrite did not finish within {share.seconds:.1f} s "
                    "(ADVISOR_LLM_REWRITE_TIMEOUT, at most half of what was left of "
                    "ADVISOR_LLM_TIMEOUT)"
                ) from None
            except Exception as exc:
                raise translate_error(exc, self.settings) from None
        whole = message_text(reply)
        self._spent(deadline, messages, [whole], reported_usage(reply))
        text = whole[: CHARS_PER_TOKEN * REWRITE_MAX_TOKENS]
        return text.strip().strip('"').splitlines()[0].strip() if text.strip() else question
