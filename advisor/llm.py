"""The generative answerer: a chat model (OpenAI-compatible, or the fake) behind one prompt."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from functools import cache
from importlib import resources
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from advisor.conversation import Turn, render, to_messages, trim
from advisor.deadline import Deadline, DeadlineExpired, FirstTokenTimeout, bounded, http_client
from advisor.errors import ConfigurationError, LLMError, LLMTimeout
from advisor.extractive import Draft
from advisor.records import Source, Usage
from advisor.settings import Settings

CHARS_PER_TOKEN = 4
"""Characters a token stands for when ADVISOR_LLM_MAX_TOKENS is enforced on the text received."""


def text_budget(settings: Settings) -> int:
    """The most characters of model text one answer keeps, whatever the server sends."""
    return CHARS_PER_TOKEN * settings.llm_max_tokens


@cache
def load_prompt(name: str) -> str:
    """A prompt template shipped as package data (`advisor/prompts/NAME.md`), read once."""
    return resources.files("advisor.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")


def render_sources(sources: Sequence[Source], budget_chars: int) -> str:
    """Sources as delimited, numbered data blocks, cut to fit the budget.

    Each says how far it can be trusted: `bundled` (the guide and its cards) or `untrusted`
    (a document the user added, whose path or URL stays local); a passage flagged at ingest
    for instructions to the reader or the model also names the rules it tripped.
    """
    blocks: list[str] = []
    per_source = max(200, budget_chars // max(1, len(sources)))
    for n, s in enumerate(sources, start=1):
        text = s.text if len(s.text) <= per_source else s.text[:per_source] + "…"
        text = text.replace("</source>", "</ source>").replace("<source", "< source")
        attrs = f'id="{n}" title="{_attr(s.title)}" section="{_attr(s.section)}"'
        if s.url:
            attrs += f' url="{_attr(s.url)}"'
        attrs += f' trust="{trust_of(s)}"'
        if s.flagged:
            attrs += f' flagged="{_attr(s.flagged)}"'
        blocks.append(f"<source {attrs}>\n{text}\n</source>")
    return "\n".join(blocks)


def trust_of(source: Source) -> str:
    """`bundled` for the bundled corpus; `untrusted` for a document a user added or any
    flagged passage."""
    return "bundled" if source.trusted and not source.flagged else "untrusted"


def _attr(value: str) -> str:
    return value.replace('"', "'").replace("<", "(").replace(">", ")")


def build_messages(
    question: str,
    sources: Sequence[Source],
    history: Sequence[Turn],
    settings: Settings,
    budget: int | None = None,
) -> list[BaseMessage]:
    """System rules, recent history, then the sources and the question, within a budget."""
    budget = budget or settings.llm_context_chars
    history = trim(history, min(settings.history_chars, budget // 4))
    used = sum(len(c) for _, c in history) + len(question)
    body = load_prompt("answer").format(
        sources=render_sources(sources, max(1000, budget - used - 2000)), question=question
    )
    return [SystemMessage(load_prompt("system")), *to_messages(history), HumanMessage(body)]


class ChatAnswerer:
    """Answers with a LangChain chat model; errors become LLMError or ConfigurationError.

    Every call runs under one Deadline per answer (ADVISOR_LLM_TIMEOUT): the rewrite, the
    answer, retries and backoff share it, and a call is abandoned the moment it passes.
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
    ) -> Iterator[str | Draft]:
        """Yield text deltas; the last item is a Draft saying whether the model finished.

        When the server says the prompt is too long, the history is dropped and the
        sources are cut to half the budget, once.
        """
        deadline = deadline or self.deadlines(self.settings)
        budget = self.settings.llm_context_chars
        with deadline.running():
            for _ in range(2):
                messages = build_messages(question, sources, history, self.settings, budget)
                try:
                    yield from self._attempts(messages, deadline)
                    return
                except _ContextTooLong:
                    history, budget = (), budget // 2
        raise LLMError("the question and its sources do not fit the model's context window")

    def _attempts(self, messages: list[BaseMessage], deadline: Deadline) -> Iterator[str | Draft]:
        """Try, then retry while the deadline has room; text already streamed is never retried.

        Reading stops (and the connection is cut) at the deadline or at `text_budget`
        characters, whichever comes first: the answer is then marked incomplete.
        """
        budget = text_budget(self.settings)
        failure: Exception | None = None
        for attempt in range(self.settings.llm_max_retries + 1):
            if attempt and not deadline.sleep(backoff(attempt, failure)):
                break
            if deadline.remaining() <= 0:
                break
            deadline.attempts += 1
            parts: list[str] = []
            finished = False
            usage: Usage | None = None
            received = 0
            try:
                with closing(
                    bounded(lambda: self._chunks(messages), deadline, lambda item: bool(item[0]))
                ) as items:
                    for text, done, used in items:
                        finished = finished or done
                        usage = used or usage  # the last report wins (some servers repeat totals)
                        if not text:
                            continue
                        kept = text[: budget - received]
                        received += len(kept)
                        if kept:
                            parts.append(kept)
                            yield kept
                        if len(kept) < len(text):  # over budget: stop reading, cut the call
                            yield Draft("".join(parts), complete=False, usage=usage)
                            return
            except Exception as exc:
                if parts:  # cut mid-stream or out of time: keep what arrived, mark it incomplete
                    yield Draft("".join(parts), complete=False, usage=usage)
                    return
                if _is_context_error(exc):
                    raise _ContextTooLong from None
                if isinstance(exc, DeadlineExpired):
                    raise deadline.expired_error() from None
                if not retryable(exc):
                    raise translate_error(exc, self.settings) from None
                failure = exc
                continue
            yield Draft("".join(parts), complete=finished, usage=usage)
            return
        raise self._gave_up(failure, deadline)

    def _chunks(self, messages: list[BaseMessage]) -> Iterator[tuple[str, bool, Usage | None]]:
        """(text, finished, usage) per streamed chunk; runs on the call's worker thread."""
        for chunk in self.model.stream(messages):
            meta = getattr(chunk, "response_metadata", {}) or {}
            finished = bool(meta.get("finish_reason"))
            text = chunk.text if isinstance(chunk.text, str) else str(chunk.content)
            used = reported_usage(chunk)
            if text or finished or used:
                yield text, finished, used

    def _gave_up(self, failure: Exception | None, deadline: Deadline) -> Exception:
        """The error once no attempt is left (or the deadline has no room for one)."""
        if failure is None:
            return deadline.expired_error()
        if isinstance(failure, FirstTokenTimeout):
            return deadline.first_token_error()
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
        """Ask the model for a standalone question: one try, with at most half the time left."""
        deadline = deadline or self.deadlines(self.settings)
        prompt = load_prompt("condense").format(
            history=render(trim(history, self.settings.history_chars)), question=question
        )
        messages: list[BaseMessage] = [HumanMessage(prompt)]
        with deadline.running():
            deadline.attempts += 1
            share = deadline.share(0.5)
            try:
                with share.running():
                    (reply,) = bounded(lambda: [self.model.invoke(messages)], share, bool)
            except DeadlineExpired:
                raise LLMTimeout(
                    f"the follow-up rewrite did not finish within {share.seconds:.1f} s "
                    "(half of what was left of ADVISOR_LLM_TIMEOUT)"
                ) from None
            except Exception as exc:
                raise translate_error(exc, self.settings) from None
        whole = reply.text if isinstance(reply.text, str) else str(reply.content)
        text = whole[: text_budget(self.settings)]
        return text.strip().strip('"').splitlines()[0].strip() if text.strip() else question


def reported_usage(chunk: Any) -> Usage | None:
    """The token usage a streamed chunk carries (the server's last chunk, when it reports one)."""
    meta = getattr(chunk, "usage_metadata", None) or {}
    prompt, completion = meta.get("input_tokens"), meta.get("output_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return Usage(prompt, completion) if prompt or completion else None


class _ContextTooLong(Exception):
    """The server rejected the prompt as longer than the model's context."""


def _is_context_error(exc: BaseException) -> bool:
    import openai

    text = str(exc).lower()
    return isinstance(exc, openai.BadRequestError) and (
        "context_length" in text or "context length" in text or "too long" in text
    )


def translate_error(exc: BaseException, settings: Settings) -> Exception:
    """Map client-library errors to the advisor's own, naming the setting to fix."""
    import openai

    if isinstance(exc, (LLMError, ConfigurationError)):
        return exc
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ConfigurationError(
            "the language model rejected the credentials: check OPENAI_API_KEY"
        )
    if isinstance(exc, openai.NotFoundError):
        return ConfigurationError(
            f"the language model {settings.llm_model!r} was not found on the server: "
            "check ADVISOR_LLM_MODEL (and OPENAI_BASE_URL)"
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError("the language model is busy (rate limited); try again shortly")
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return LLMTimeout(
            f"the language model did not answer within {settings.llm_timeout:g} s "
            "(ADVISOR_LLM_TIMEOUT)"
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("the language model server cannot be reached (OPENAI_BASE_URL)")
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"the language model is failing (HTTP {exc.status_code})")
    return LLMError(f"the language model failed: {type(exc).__name__}")


def retryable(exc: BaseException) -> bool:
    """Worth another attempt: rate limits, 408/409/5xx, lost connections, a silent first token."""
    import openai

    if isinstance(exc, FirstTokenTimeout | openai.APIConnectionError):
        return True
    if not isinstance(exc, openai.APIStatusError):
        return False
    return exc.status_code in (408, 409, 429) or exc.status_code >= 500


def backoff(attempt: int, failure: BaseException | None) -> float:
    """Seconds to wait before retry number `attempt`: the server's Retry-After when it gives a
    short one, else exponential (0.5 s, 1 s, 2 s ... at most 8 s) with jitter."""
    response = getattr(failure, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    try:
        wait = float(header) if header is not None else -1.0
    except ValueError:
        wait = -1.0
    if 0 <= wait <= 60:
        return wait
    return min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.75, 1.0)


def openai_chat_model(settings: Settings) -> BaseChatModel:
    """langchain-openai's chat model for OpenAI or any OpenAI-compatible server."""
    from langchain_openai import ChatOpenAI

    if not settings.openai_api_key and not settings.openai_base_url:
        raise ConfigurationError(
            "the openai backend needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
            "(Ollama, vLLM, llama.cpp server, LM Studio)"
        )
    kwargs: dict[str, Any] = {
        "model": settings.llm_model,
        "api_key": settings.openai_api_key or "not-needed",
        "timeout": settings.llm_timeout,
        "max_retries": 0,  # ChatAnswerer retries itself, within the answer's deadline
        "http_client": http_client(settings.llm_timeout),
        "temperature": settings.llm_temperature,
        "stream_usage": True,  # the server's token counts, passed on as the API's `usage`
    }
    if _is_openai(settings.openai_base_url):
        kwargs["max_tokens"] = settings.llm_max_tokens  # sent as max_completion_tokens
    else:  # the name every OpenAI-compatible server (Ollama, vLLM, llama.cpp) reads
        kwargs["extra_body"] = {"max_tokens": settings.llm_max_tokens}
    if settings.openai_base_url:
        kwargs["base_url"] = settings.openai_base_url
    return ChatOpenAI(**kwargs)


def _is_openai(base_url: str | None) -> bool:
    """True for OpenAI's own API, which wants max_completion_tokens (reasoning models reject
    max_tokens); compatible servers read max_tokens."""
    from urllib.parse import urlsplit

    return not base_url or (urlsplit(base_url).hostname or "").endswith("openai.com")
