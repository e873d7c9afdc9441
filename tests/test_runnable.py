"""The advisor as LangChain Runnables: text pieces from stream/astream with callbacks, the
Answer from a second runnable, LCEL composition, astream_events and batch."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.chat_history import InMemoryChatMessageHistory
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder, PromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.runnables.history import RunnableWithMessageHistory

from advisor import AdvisorInput, Answer, CareerAdvisor, InputError, Store
from advisor.fake import FakeChatModel
from advisor.llm import ChatAnswerer
from advisor.runnable import RunnableInput

QUESTION = "PyTorch or TensorFlow first?"
REPLY = "PyTorch is the better first choice in 2026 [1]. TensorFlow still matters [2]."
QUESTIONS = [
    "PyTorch or TensorFlow first?",
    "What is DVC?",
    "How long does it take to become an ML engineer?",
    "What's the best pizza recipe?",
    "Do I need a degree?",
    "What does MLflow do?",
]


def fake_advisor(extractive: CareerAdvisor, store: Store, replies: list[str]) -> CareerAdvisor:
    """The advisor with the shipped fake chat model, over the shared index and retriever."""
    settings = store.settings.with_(backend="fake")
    model = FakeChatModel(responses=list(replies))
    answerer = ChatAnswerer(model, settings, "fake")
    return CareerAdvisor(settings, store, answerer, retriever=extractive.retriever)


class Recorder(BaseCallbackHandler):
    """Records chain starts and ends and the tokens streamed inside them."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, UUID, UUID | None]] = []
        self.ends: list[tuple[Any, UUID]] = []
        self.tokens: list[tuple[str, UUID | None]] = []

    def on_chain_start(
        self,
        serialized: Any,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.starts.append((str(kwargs.get("name")), run_id, parent_run_id))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.ends.append((outputs, run_id))

    def on_llm_new_token(
        self, token: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        self.tokens.append((token, parent_run_id))

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        pass


class AsyncRecorder(AsyncCallbackHandler):
    """The async twin of Recorder (astream runs async handlers on the event loop)."""

    def __init__(self) -> None:
        self.starts: list[str] = []
        self.ends: list[Any] = []

    async def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.starts.append(str(kwargs.get("name")))

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self.ends.append(outputs)


def test_stream_yields_text_pieces_and_fires_callbacks(
    extractive: CareerAdvisor, shared_store: Store
) -> None:
    advisor = fake_advisor(extractive, shared_store, [REPLY])
    recorder = Recorder()
    pieces = list(advisor.as_runnable().stream({"question": QUESTION}, {"callbacks": [recorder]}))
    assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
    text = "".join(pieces)
    assert text.startswith("PyTorch is the better first choice") and "[1]" in text
    [(name, run_id, parent)] = recorder.starts
    assert name == "CareerAdvisor" and parent is None
    assert recorder.ends == [(text, run_id)]  # the run ends with the whole streamed text
    streamed = "".join(token for token, _ in recorder.tokens)
    assert streamed.startswith("PyTorch is the better")  # the model's tokens ...
    assert {parent for _, parent in recorder.tokens} == {run_id}  # ... traced inside the run


def test_astream_yields_text_pieces_and_fires_async_callbacks(
    extractive: CareerAdvisor, shared_store: Store
) -> None:
    advisor = fake_advisor(extractive, shared_store, [REPLY])
    recorder = AsyncRecorder()

    async def run() -> list[str]:
        config: Any = {"callbacks": [recorder]}
        return [p async for p in advisor.as_runnable().astream({"question": QUESTION}, config)]

    pieces = asyncio.run(run())
    assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
    assert recorder.starts == ["CareerAdvisor"]
    assert recorder.ends == ["".join(pieces)]
    assert "".join(pieces).startswith("PyTorch is the better first choice")


def test_str_output_parser_and_lcel_composition(extractive: CareerAdvisor) -> None:
    runnable = extractive.as_runnable()
    expected = extractive.ask(QUESTION).text
    chain: Runnable[AdvisorInput, str] = runnable | StrOutputParser()
    assert chain.invoke({"question": QUESTION}) == expected
    assert "".join(chain.stream({"question": QUESTION})) == expected
    build = RunnableLambda(lambda topic: AdvisorInput(question=f"{topic} or TensorFlow first?"))
    composed = build | runnable | StrOutputParser()

    async def run() -> list[str]:
        return [p async for p in composed.astream("PyTorch")]

    pieces = asyncio.run(run())
    assert len(pieces) > 1 and "".join(pieces) == expected
    assert asyncio.run(chain.ainvoke({"question": QUESTION})) == expected


def test_astream_events_v2_show_the_run_and_its_pieces(
    extractive: CareerAdvisor, shared_store: Store
) -> None:
    advisor = fake_advisor(extractive, shared_store, [REPLY])
    chain = advisor.as_runnable() | StrOutputParser()

    async def run() -> list[dict[str, Any]]:
        stream = chain.astream_events({"question": QUESTION}, version="v2")
        return [dict(event) async for event in stream]

    events = asyncio.run(run())
    ours = [e for e in events if e["name"] == "CareerAdvisor"]
    kinds = [e["event"] for e in ours]
    assert kinds[0] == "on_chain_start" and kinds[-1] == "on_chain_end"
    chunks = [e["data"]["chunk"] for e in ours if e["event"] == "on_chain_stream"]
    assert len(chunks) > 3 and all(isinstance(c, str) for c in chunks)
    assert ours[-1]["data"]["output"] == "".join(chunks)
    assert "on_chat_model_stream" in {e["event"] for e in events}  # the model is traced inside
    parsed = [e["data"]["chunk"] for e in events if e["event"] == "on_parser_stream"]
    assert "".join(parsed) == "".join(chunks)


def test_batch_over_many_questions_matches_the_answers(extractive: CareerAdvisor) -> None:
    texts = extractive.as_runnable().batch([{"question": q} for q in QUESTIONS])
    answers = extractive.as_runnable(with_sources=True).batch(QUESTIONS)  # bare strings too
    assert all(isinstance(a, Answer) for a in answers)
    assert texts == [a.text for a in answers]
    assert [a.refused for a in answers] == [False, False, False, True, False, False]
    assert all(a.sources for a in answers if not a.refused)
    again = asyncio.run(extractive.as_runnable().abatch([{"question": q} for q in QUESTIONS]))
    assert again == texts


def test_the_answer_with_sources_comes_from_a_second_runnable(
    extractive: CareerAdvisor,
) -> None:
    text_runnable = extractive.as_runnable()
    answer = text_runnable.with_sources().invoke({"question": QUESTION})
    assert isinstance(answer, Answer) and answer.sources and not answer.refused
    assert "".join(text_runnable.stream({"question": QUESTION})) == answer.text
    again = asyncio.run(extractive.as_runnable(with_sources=True).ainvoke(QUESTION))
    assert _same(again, answer)
    streamed = list(extractive.as_runnable(with_sources=True).stream({"question": QUESTION}))
    assert len(streamed) == 1 and _same(streamed[0], answer)  # never text pieces: the Answer, once


def _same(one: object, two: Answer) -> bool:
    """The same answer: text, search and cited passages (scores are floats computed anew)."""
    return (
        isinstance(one, Answer)
        and (one.text, one.question, one.refused) == (two.text, two.question, two.refused)
        and [(s.id, s.cited) for s in one.sources] == [(s.id, s.cited) for s in two.sources]
    )


def test_history_and_chat_history_are_the_same_input(extractive: CareerAdvisor) -> None:
    history = [("user", QUESTION), ("assistant", extractive.ask(QUESTION).text)]
    runnable = extractive.as_runnable(with_sources=True)
    one = runnable.invoke({"question": "And TensorFlow?", "history": history})
    two = runnable.invoke({"question": "And TensorFlow?", "chat_history": history})
    assert one == two and "TensorFlow" in one.question and not one.refused


def test_a_refusal_streams_the_refusal_text_only(extractive: CareerAdvisor) -> None:
    pieces = list(extractive.as_runnable().stream({"question": "What's the best pizza recipe?"}))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces).startswith("I can't answer that from my sources")


def test_stopping_astream_early_closes_the_answer(
    extractive: CareerAdvisor, shared_store: Store
) -> None:
    advisor = fake_advisor(extractive, shared_store, [REPLY, REPLY])

    async def first_piece() -> str:
        async for piece in advisor.as_runnable().astream({"question": QUESTION}):
            return piece
        return ""

    first = asyncio.run(first_piece())  # the text up to its first citation (grounding.py)
    assert first.startswith("PyTorch") and len(first) < len(REPLY)
    assert advisor.as_runnable().invoke({"question": QUESTION}).startswith("PyTorch is")


@pytest.mark.parametrize(
    "value",
    [
        {"history": []},
        {"question": 3},
        {"question": QUESTION, "filters": {"kind": {"$like": "guide"}}},
        {"question": QUESTION, "k": 0},
        {"question": QUESTION, "top_k": 3},
        {"question": QUESTION, "history": [], "chat_history": []},
        {"question": QUESTION, "history": "user: hi"},
        {"question": QUESTION, "history": [("robot", "hi")]},
        ["not", "a", "dict"],
        [],
        [SystemMessage("Be brief."), AIMessage("Hello.")],
        None,
    ],
    ids=str,
)
def test_bad_input_raises_input_error(extractive: CareerAdvisor, value: Any) -> None:
    with pytest.raises(InputError):
        extractive.as_runnable().invoke(value)
    with pytest.raises(InputError):
        extractive.as_runnable(with_sources=True).invoke(value)


def test_k_and_filters_reach_the_search(extractive: CareerAdvisor) -> None:
    only_cards = {"kind": {"$ne": "guide"}}
    answer = extractive.as_runnable(with_sources=True).invoke(
        {"question": QUESTION, "k": 2, "filters": only_cards}
    )
    assert 1 <= len(answer.sources) <= 2 and all(s.kind != "guide" for s in answer.sources)
    text = extractive.as_runnable().invoke({"question": QUESTION, "k": 2, "filters": only_cards})
    assert text == answer.text


def test_schemas_are_typed(extractive: CareerAdvisor) -> None:
    runnable = extractive.as_runnable()
    schema = runnable.get_input_jsonschema()
    fields = schema["$defs"]["AdvisorInput"]
    assert fields["required"] == ["question"]
    assert set(fields["properties"]) == {"question", "history", "chat_history", "k", "filters"}
    assert runnable.get_output_jsonschema()["type"] == "string"
    assert runnable.OutputType is str and runnable.InputType == RunnableInput
    assert extractive.as_runnable(with_sources=True).OutputType is Answer


def test_a_prompt_template_pipes_into_the_advisor(extractive: CareerAdvisor) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Be brief."), MessagesPlaceholder("history"), ("human", "{question}")]
    )
    expected = extractive.ask(QUESTION)
    text = (prompt | extractive.as_runnable()).invoke({"question": QUESTION, "history": []})
    assert text == expected.text
    history = [HumanMessage(QUESTION), AIMessage(expected.text)]
    chain = prompt | extractive.as_runnable(with_sources=True)
    follow = chain.invoke({"question": "why is that?", "history": history})
    assert "PyTorch" in follow.question and follow.sources  # the history reached the advisor
    plain = PromptTemplate.from_template("{topic} or TensorFlow first?") | extractive.as_runnable()
    assert plain.invoke({"topic": "PyTorch"}) == expected.text


def test_messages_are_an_input(extractive: CareerAdvisor) -> None:
    first = extractive.ask(QUESTION)
    messages = [
        SystemMessage("Answer in French."),  # left out: the advisor keeps its own rules
        HumanMessage(QUESTION),
        AIMessage(first.text),
        HumanMessage("why is that?"),
    ]
    answer = extractive.as_runnable(with_sources=True).invoke(messages)
    assert (
        answer.question
        == extractive.ask("why is that?", [("user", QUESTION), ("assistant", first.text)]).question
    )
    assert extractive.as_runnable().invoke(messages[:2]) == first.text


@pytest.mark.filterwarnings("ignore::langchain_core._api.LangChainDeprecationWarning")
def test_message_history_around_with_sources_stores_the_answer_text(
    extractive: CareerAdvisor, caplog: pytest.LogCaptureFixture
) -> None:
    sessions: dict[str, InMemoryChatMessageHistory] = {}

    def history_of(session_id: str) -> InMemoryChatMessageHistory:
        return sessions.setdefault(session_id, InMemoryChatMessageHistory())

    chat = RunnableWithMessageHistory(extractive.as_runnable(with_sources=True), history_of)
    config: Any = {"configurable": {"session_id": "s1"}}
    with caplog.at_level(logging.WARNING):
        answer = chat.invoke(QUESTION, config)
        follow = chat.invoke("why is that?", config)
    assert not caplog.records, [r.getMessage()[:200] for r in caplog.records]  # no callback error
    assert isinstance(answer, Answer) and isinstance(follow, Answer)
    assert "PyTorch" in follow.question  # the stored history made it a follow-up
    stored = sessions["s1"].messages
    assert [m.type for m in stored] == ["human", "ai", "human", "ai"]
    assert [m.text for m in stored] == [QUESTION, answer.text, "why is that?", follow.text]
    keyed = RunnableWithMessageHistory(
        extractive.as_runnable(with_sources=True),
        history_of,
        input_messages_key="question",
        history_messages_key="history",
    )
    again = asyncio.run(
        keyed.ainvoke({"question": QUESTION}, {"configurable": {"session_id": "s2"}})
    )
    assert [m.text for m in sessions["s2"].messages] == [QUESTION, again.text]
