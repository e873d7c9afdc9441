"""The messages sent to the chat model: the prompt templates, the sources as data, the history.

Templates are package data (`advisor/prompts/*.md`); `build_messages` fills them within the
character budget of one prompt (ADVISOR_LLM_CONTEXT_CHARS), marking each source's trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from advisor.conversation import Turn, to_messages, trim
from advisor.records import Source
from advisor.settings import Settings


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


def message_text(message: BaseMessage) -> str:
    """A message's text, whatever shape its content has."""
    return message.text if isinstance(message.text, str) else str(message.content)


def prompt_chars(messages: Sequence[BaseMessage]) -> int:
    """Characters of text in the messages sent."""
    return sum(len(message_text(m)) for m in messages)
