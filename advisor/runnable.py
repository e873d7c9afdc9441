"""The advisor as a LangChain Runnable, so LCEL apps can compose it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import Runnable, RunnableConfig

from advisor.errors import InputError
from advisor.records import Answer

if TYPE_CHECKING:
    from advisor.core import CareerAdvisor


class AdvisorRunnable(Runnable[dict[str, Any], Answer]):
    """Input {"question": str, "chat_history": [...]}; invoke/batch give an Answer,
    stream gives text deltas and then the Answer."""

    def __init__(self, advisor: CareerAdvisor) -> None:
        self.advisor = advisor

    @staticmethod
    def _unpack(value: dict[str, Any] | str) -> tuple[str, list[Any]]:
        if isinstance(value, str):
            return value, []
        if not isinstance(value, dict) or "question" not in value:
            raise InputError('the runnable takes {"question": ..., "chat_history": [...]}')
        return value["question"], list(value.get("chat_history") or [])

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        """Answer one question."""
        question, history = self._unpack(input)
        return self._call_with_config(
            lambda _: self.advisor.ask(question, history), input, config, run_type="chain"
        )

    def stream(  # type: ignore[override]
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str | Answer]:
        """Text deltas as they come, then the final Answer."""
        question, history = self._unpack(input)
        yield from self.advisor.stream(question, history)
