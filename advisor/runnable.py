"""The advisor as LangChain Runnables: one streams the answer's text, one gives the Answer.

`TextRunnable` (`advisor.as_runnable()`) is a `Runnable[RunnableInput, str]`: `stream` and
`astream` yield the answer's text pieces as the advisor produces them (already sanitised
and citation-checked by the advisor's stream guard), `invoke` gives the whole text, and
every run goes through LangChain's callback manager, so tracers, `astream_events` and
`| StrOutputParser()` see it like any chat chain. `AnswerRunnable`
(`advisor.as_runnable(with_sources=True)` or `.with_sources()`) gives the `Answer` with its
sources. The input is `{"question": ..., "history": [...]}`, the question as text, a
`PromptValue` (so `ChatPromptTemplate | advisor.as_runnable()` works) or a list of messages
(the last human message is the question, earlier human and AI messages the history, so
`RunnableWithMessageHistory` can wrap either runnable). Callbacks see `AnswerRunnable`'s run
end with `{"output": <the answer text>, "answer": <the Answer>}`, which is what
`RunnableWithMessageHistory` stores as the AI turn.
"""

# No `from __future__ import annotations`: pydantic reads AdvisorInput's annotations to
# build the input schema, and needs them as real types.

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Required, TypeGuard

from langchain_core.messages import BaseMessage
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from advisor.errors import InputError
from advisor.records import Answer

if TYPE_CHECKING:
    from advisor.core import CareerAdvisor

HistoryItem = tuple[str, str] | Mapping[str, str] | BaseMessage
"""One prior turn: ("user" | "assistant", text), {"role": ..., "content": ...}, or a message."""


class AdvisorInput(TypedDict, total=False):
    """What the advisor's runnables take (a bare question string is accepted too)."""

    question: Required[str]
    """The user's question (a follow-up is resolved against the history)."""
    history: Sequence[HistoryItem]
    """Earlier turns, oldest first."""
    chat_history: Sequence[HistoryItem]
    """The same as `history`, under the name LangChain's chat templates use."""
    k: int
    """How many passages to retrieve, 1..ADVISOR_MAX_K (default ADVISOR_TOP_K)."""
    filters: dict[str, Any]
    """Where to look, as for `CareerAdvisor.retrieve` (fields, operators, $and/$or)."""


RunnableInput = str | AdvisorInput | PromptValue | Sequence[BaseMessage]
"""Everything the runnables take: the question, an AdvisorInput, a prompt, or messages."""

_KEYS = frozenset({"question", "history", "chat_history", "k", "filters"})


def unpack(value: object) -> tuple[str, list[Any], dict[str, Any]]:
    """(question, history, k and filters) from a runnable's input, or InputError saying what
    it takes (k and filters are checked by the advisor)."""
    if isinstance(value, str):
        return value, [], {}
    if isinstance(value, PromptValue):
        value = value.to_messages()
    if _messages(value):
        return (*from_messages(value), {})
    if not isinstance(value, Mapping) or not isinstance(value.get("question"), str):
        raise InputError(
            'the advisor runnable takes {"question": "...", "history": [...]}, the question '
            f"as text, a prompt value or a list of messages, not {type(value).__name__}"
        )
    unknown = sorted(str(key) for key in value if key not in _KEYS)
    if unknown:
        raise InputError(
            f"unknown input field(s) {', '.join(unknown)}; the advisor runnable takes "
            "question, history (or chat_history), k and filters"
        )
    if "history" in value and "chat_history" in value:
        raise InputError("give history or chat_history, not both")
    history = value.get("history", value.get("chat_history")) or []
    if isinstance(history, str | bytes | Mapping) or not isinstance(history, Sequence):
        raise InputError("history must be a list of earlier turns")
    options = {key: value[key] for key in ("k", "filters") if key in value}
    return value["question"], list(history), options


def _messages(value: object) -> TypeGuard[Sequence[BaseMessage]]:
    """Whether `value` is a non-empty list (or tuple) of LangChain messages."""
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(item, BaseMessage) for item in value)
    )


def from_messages(messages: Sequence[BaseMessage]) -> tuple[str, list[BaseMessage]]:
    """(question, history): the last human message, and the human and AI messages before it
    (system messages are left out: the advisor keeps its own rules)."""
    last = max((i for i, m in enumerate(messages) if m.type == "human"), default=-1)
    if last < 0:
        raise InputError("the messages hold no human message: nothing to answer")
    history = [m for m in messages[:last] if m.type in ("human", "ai")]
    return messages[last].text, history


def _last(inputs: Iterator[RunnableInput]) -> RunnableInput | None:
    """The input of a transform: a dict does not add up, so the last chunk is the input."""
    value = None
    for item in inputs:
        value = item
    return value


def _next(items: Iterator[str | Answer]) -> str | Answer | None:
    """The next item of the advisor's stream, None at its end (for a worker thread)."""
    return next(items, None)


class TextRunnable(Runnable[RunnableInput, str]):
    """The answer's text: `stream`/`astream` yield pieces, `invoke` the whole text."""

    name = "CareerAdvisor"

    def __init__(self, advisor: "CareerAdvisor") -> None:
        self.advisor = advisor

    def with_sources(self) -> "AnswerRunnable":
        """The same advisor as a Runnable that gives the whole Answer with its sources."""
        return AnswerRunnable(self.advisor)

    def invoke(
        self, input: RunnableInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> str:
        """The whole answer text (one traced run, like `stream`)."""
        return "".join(self.stream(input, config, **kwargs))

    async def ainvoke(
        self, input: RunnableInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> str:
        """The whole answer text, without blocking the event loop."""
        return "".join([piece async for piece in self.astream(input, config, **kwargs)])

    def stream(
        self, input: RunnableInput, config: RunnableConfig | None = None, **kwargs: Any | None
    ) -> Iterator[str]:
        """Text pieces as the advisor produces them."""
        yield from self.transform(iter([input]), config, **kwargs)

    async def astream(
        self, input: RunnableInput, config: RunnableConfig | None = None, **kwargs: Any | None
    ) -> AsyncIterator[str]:
        """Text pieces as the advisor produces them; the work runs on a worker thread."""

        async def once() -> AsyncIterator[RunnableInput]:
            yield input

        async for piece in self.atransform(once(), config, **kwargs):
            yield piece

    def transform(
        self,
        input: Iterator[RunnableInput],
        config: RunnableConfig | None = None,
        **kwargs: Any | None,
    ) -> Iterator[str]:
        """Answer the (last) input, streaming; callbacks see the run and each piece."""
        yield from self._transform_stream_with_config(input, self._pieces, config, "chain")

    async def atransform(
        self,
        input: AsyncIterator[RunnableInput],
        config: RunnableConfig | None = None,
        **kwargs: Any | None,
    ) -> AsyncIterator[str]:
        """Async `transform`: the same pieces and callbacks."""
        async for piece in self._atransform_stream_with_config(
            input, self._apieces, config, "chain"
        ):
            yield piece

    def _pieces(self, inputs: Iterator[RunnableInput]) -> Iterator[str]:
        question, history, options = unpack(_last(inputs))
        for item in self.advisor.stream(question, history, **options):
            if isinstance(item, str):
                yield item

    async def _apieces(self, inputs: AsyncIterator[RunnableInput]) -> AsyncIterator[str]:
        value = None
        async for got in inputs:
            value = got
        question, history, options = unpack(value)
        items = self.advisor.stream(
            question, history, **options
        )  # a generator: runs only on next()
        try:
            while (item := await run_in_executor(None, _next, items)) is not None:
                if isinstance(item, str):
                    yield item
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a consumer that stopped early ends the advisor's stream too


class Traced(TypedDict):
    """What callbacks see at the end of an `AnswerRunnable` run: the text (which
    `RunnableWithMessageHistory` stores as the AI turn) and the whole Answer."""

    output: str
    answer: Answer


class AnswerRunnable(Runnable[RunnableInput, Answer]):
    """The whole `Answer` (text, sources, refusal flag) for each input."""

    name = "CareerAdvisorWithSources"

    def __init__(self, advisor: "CareerAdvisor") -> None:
        self.advisor = advisor

    def invoke(
        self, input: RunnableInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        """Answer one question (a traced run)."""
        call: Any = self._call_with_config  # its run ends with a Traced, not the Answer
        traced: Traced = call(self._traced, input, config, run_type="chain")
        return traced["answer"]

    async def ainvoke(
        self, input: RunnableInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        """Answer one question on a worker thread (a traced run)."""
        call: Any = self._acall_with_config
        traced: Traced = await call(self._atraced, input, config, run_type="chain")
        return traced["answer"]

    def _traced(self, value: RunnableInput) -> Traced:
        question, history, options = unpack(value)
        answer = self.advisor.ask(question, history, **options)
        return {"output": answer.text, "answer": answer}

    async def _atraced(self, value: RunnableInput) -> Traced:
        return await run_in_executor(None, self._traced, value)


__all__ = ["AdvisorInput", "AnswerRunnable", "HistoryItem", "RunnableInput", "TextRunnable"]
