"""The generative answerer: a chat model (OpenAI-compatible, or the fake) behind one prompt."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from advisor.conversation import Turn, render, to_messages, trim
from advisor.errors import ConfigurationError, LLMError
from advisor.extractive import Draft
from advisor.records import Source
from advisor.settings import Settings


@cache
def load_prompt(name: str) -> str:
    """A prompt template shipped as package data (`advisor/prompts/NAME.md`), read once."""
    return resources.files("advisor.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")


def render_sources(sources: Sequence[Source], budget_chars: int) -> str:
    """Sources as delimited, numbered data blocks, cut to fit the budget.

    Each says how far it can be trusted: `bundled` (the guide and its cards), `user` (a
    document the user added; its path or URL stays local) or `untrusted` (flagged at ingest
    for instructions to the reader or the model, with the rules it tripped).
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
    """`untrusted` for a flagged passage, else `bundled` or `user` by where it came from."""
    if source.flagged:
        return "untrusted"
    return "bundled" if source.trusted else "user"


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
    """Answers with a LangChain chat model; errors become LLMError or ConfigurationError."""

    def __init__(self, model: BaseChatModel, settings: Settings, name: str = "openai") -> None:
        self.model = model
        self.settings = settings
        self.name = name

    def stream(
        self, question: str, sources: Sequence[Source], history: Sequence[Turn] = ()
    ) -> Iterator[str | Draft]:
        """Yield text deltas; the last item is a Draft saying whether the model finished.

        When the server says the prompt is too long, the history is dropped and the
        sources are cut to half the budget, once.
        """
        budget = self.settings.llm_context_chars
        for _ in range(2):
            messages = build_messages(question, sources, history, self.settings, budget)
            try:
                yield from self._stream(messages)
                return
            except _ContextTooLong:
                history, budget = (), budget // 2
        raise LLMError("the question and its sources do not fit the model's context window")

    def _stream(self, messages: list[BaseMessage]) -> Iterator[str | Draft]:
        finished = False
        parts: list[str] = []
        try:
            for chunk in self.model.stream(messages):
                meta = getattr(chunk, "response_metadata", {}) or {}
                if meta.get("finish_reason"):
                    finished = True
                text = chunk.text if isinstance(chunk.text, str) else str(chunk.content)
                if text:
                    parts.append(text)
                    yield text
        except Exception as exc:
            if parts:  # cut mid-stream: keep what arrived, mark it incomplete
                yield Draft("".join(parts), complete=False)
                return
            if _is_context_error(exc):
                raise _ContextTooLong from None
            raise translate_error(exc, self.settings) from None
        yield Draft("".join(parts), complete=finished)

    def answer(
        self, question: str, sources: Sequence[Source], history: Sequence[Turn] = ()
    ) -> Draft:
        """The whole answer at once."""
        draft = Draft("")
        for item in self.stream(question, sources, history):
            if isinstance(item, Draft):
                draft = item
        return draft

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Ask the model for a standalone question."""
        prompt = load_prompt("condense").format(
            history=render(trim(history, self.settings.history_chars)), question=question
        )
        try:
            reply = self.model.invoke([HumanMessage(prompt)])
        except Exception as exc:
            raise translate_error(exc, self.settings) from None
        text = reply.text if isinstance(reply.text, str) else str(reply.content)
        return text.strip().strip('"').splitlines()[0].strip() if text.strip() else question


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
        return LLMError(
            f"the language model did not answer within {settings.llm_timeout:g} s "
            "(ADVISOR_LLM_TIMEOUT)"
        )
    if isinstance(exc, openai.APIConnectionError):
        return LLMError("the language model server cannot be reached (OPENAI_BASE_URL)")
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"the language model is failing (HTTP {exc.status_code})")
    return LLMError(f"the language model failed: {type(exc).__name__}")


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
        "max_retries": settings.llm_max_retries,
        "temperature": settings.llm_temperature,
        "stream_usage": False,
    }
    if settings.openai_base_url:
        kwargs["base_url"] = settings.openai_base_url
    return ChatOpenAI(**kwargs)
