"""A scripted chat model shipped with the library, for tests and demos (backend `fake`)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from advisor.errors import LLMError

_SOURCE = re.compile(r'<source id="(\d+)"([^>]*)>\n(.*?)\n</source>', re.S)


class FakeChatModel(GenericFakeChatModel):
    """Replies from a script, then (when the script runs out) with a cited sentence of the first
    source not flagged, as the system prompt asks of a model.

    Every call's messages are recorded in `calls`, so tests can assert the prompt's shape.
    A scripted reply equal to "!error" raises LLMError, to exercise failure paths.
    Replies stream word by word, or `chunk_chars` characters at a time when that is set
    (as a real model splits markup anywhere), `chunk_delay` seconds apart.
    """

    messages: Iterator[AIMessage | str] = Field(default_factory=lambda: iter(()))
    responses: list[str] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    chunk_chars: int = 0
    chunk_delay: float = 0.0

    def _next_reply(self, messages: list[BaseMessage]) -> str:
        self.calls.append(list(messages))
        if self.responses:
            reply = self.responses.pop(0)
            if reply == "!error":
                raise LLMError("the language model is failing (scripted fake error)")
            return reply
        return _echo_first_source(messages)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.messages = iter([self._next_reply(messages)])
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self.chunk_chars > 0:
            result = self._generate(messages, stop=stop, run_manager=run_manager, **kwargs)
            text = str(result.generations[0].message.content)
            for start in range(0, len(text), self.chunk_chars):
                piece = text[start : start + self.chunk_chars]
                time.sleep(self.chunk_delay)
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                if run_manager:
                    run_manager.on_llm_new_token(piece, chunk=chunk)
                yield chunk
        else:
            yield from super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)
        done = AIMessageChunk(content="", response_metadata={"finish_reason": "stop"})
        yield ChatGenerationChunk(message=done)


def _condense_like_a_model(prompt: str) -> str:
    """Reply to the condense prompt as a model would: resolve what the follow-up points at."""
    from advisor.conversation import Vocabulary, rewrite_follow_up

    question = re.search(r"Last message: (.*)\n", prompt)
    turns = re.findall(r"^(user|assistant): (.*)$", prompt, re.M)
    vocabulary = Vocabulary.from_titles(())  # the aliases and the guide's own vocabulary
    return rewrite_follow_up(question.group(1) if question else "?", turns, vocabulary)


def _echo_first_source(messages: Sequence[BaseMessage]) -> str:
    last = messages[-1].content if messages else ""
    found = [m for m in _SOURCE.finditer(str(last)) if 'flagged="' not in m.group(2)]
    if not found:
        if "Standalone question" in str(last):
            return _condense_like_a_model(str(last))
        return "The guide and its resources do not cover that."
    first = found[0].group(3).strip().split("\n")[0]
    sentence = re.split(r"(?<=[.!?])\s", first)[0].lstrip("-* ").strip()
    return f"{sentence} [{found[0].group(1)}]"
