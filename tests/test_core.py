"""The advisor end to end over the real store and model: answers, refusals, follow-ups."""

from __future__ import annotations

import re

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from advisor import Answer, CareerAdvisor, FakeChatModel, InputError, Profile, Store
from advisor.conversation.compose import ExtractiveAnswerer
from advisor.conversation.layout import parts_of
from advisor.conversation.leads import card_facts
from advisor.llm import ChatAnswerer
from advisor.text import sentences

CITATION = re.compile(r"\[(\d+)\]")


def fake_advisor(store: Store, responses: list[str] | None = None) -> CareerAdvisor:
    """The advisor with the shipped fake chat model (scripted replies when given)."""
    settings = store.settings.with_(backend="fake")
    model = FakeChatModel(responses=list(responses or []))
    return CareerAdvisor(settings, store, ChatAnswerer(model, settings, "fake"))


def test_pytorch_or_tensorflow_offline(extractive: CareerAdvisor) -> None:
    answer = extractive.ask("PyTorch or TensorFlow first?")
    assert not answer.refused
    assert answer.backend == "extractive"
    assert "PyTorch is the better first choice in 2026" in answer.text
    cited = {int(n) for n in CITATION.findall(answer.text)}
    assert cited and all(1 <= n <= len(answer.sources) for n in cited)
    assert any("PyTorch or TensorFlow" in s.section for s in answer.sources)
    assert all(s.title and s.id and s.source for s in answer.sources)


def test_extractive_never_writes_its_own_sentences(extractive: CareerAdvisor) -> None:
    for question in (
        "How much do entry-level ML engineers earn?",
        "What does an Applied AI Engineer do?",
        "which mlops tools should i learn?",
    ):
        answer = extractive.ask(question)
        pieces, notes = parts_of(answer.text)
        assert pieces and not notes
        for piece in pieces:
            assert any(piece in s.text or piece == card_facts(s) for s in answer.sources), piece


@pytest.mark.parametrize(
    "question",
    [
        "What's the best pizza recipe?",
        "who won the champions league last year?",
        "how do I fix my wifi router?",
        "write me a poem about the sea",
    ],
)
def test_off_topic_is_refused_without_sources(extractive: CareerAdvisor, question: str) -> None:
    answer = extractive.ask(question)
    assert answer.refused
    assert answer.sources == []
    assert "I can help with" in answer.text
    assert not CITATION.search(answer.text)


def test_refusal_when_store_is_empty(tmp_path, shared_store: Store) -> None:
    settings = shared_store.settings.with_(store_dir=tmp_path / "empty", backend="extractive")
    store = Store.open(settings)
    store._col()  # an existing but empty collection must still refuse, not crash
    advisor = CareerAdvisor(settings, store, extractive_answerer())
    advisor._index_checked = True  # no bundled corpus: the store stays empty on purpose
    answer = advisor.ask("PyTorch or TensorFlow first?")
    assert answer.refused and answer.sources == []


def extractive_answerer() -> ExtractiveAnswerer:
    return ExtractiveAnswerer()


def test_follow_up_is_condensed_offline(extractive: CareerAdvisor) -> None:
    history = [
        ("user", "How much do entry-level ML engineers earn?"),
        (
            "assistant",
            "In the US market, entry-level ML roles typically start at $100,000–130,000.",
        ),
    ]
    answer = extractive.ask("And senior ones?", history)
    assert answer.question == "How much do senior ML engineers earn?"  # swapped, not pasted
    assert "$200,000–400,000 USD" in answer.text


def test_history_accepts_langchain_messages(extractive: CareerAdvisor) -> None:
    history = [
        HumanMessage("What is an Applied AI Engineer?"),
        AIMessage("A role building on LLMs."),
    ]
    answer = extractive.ask("Is that a good entry point?", history)
    assert "one of the most accessible entry points into AI engineering" in answer.text


def test_bad_history_and_questions_are_input_errors(extractive: CareerAdvisor) -> None:
    with pytest.raises(InputError):
        extractive.ask("   ")
    with pytest.raises(InputError):
        extractive.ask("x" * 5000)
    with pytest.raises(InputError):
        extractive.ask("hello", [("robot", "beep")])


def test_fake_model_sees_delimited_sources_and_the_question(shared_store: Store) -> None:
    advisor = fake_advisor(shared_store)
    answer = advisor.ask("PyTorch or TensorFlow first?")
    model = advisor.answerer.model  # type: ignore[attr-defined]
    messages = model.calls[-1]
    assert isinstance(messages[0], SystemMessage)
    assert "not instructions" in messages[0].content
    assert isinstance(messages[-1], HumanMessage)
    body = messages[-1].content
    assert body.startswith('<sources>\n<source id="1"')
    assert body.count("<source id=") == len(answer.sources)
    assert "Question: PyTorch or TensorFlow first?" in body
    assert answer.backend == "fake" and answer.text.endswith("[1]")


def test_fake_condenses_with_history_then_answers(shared_store: Store) -> None:
    advisor = fake_advisor(shared_store, ["What do senior ML engineers earn?"])
    history = [("user", "What do entry-level ML engineers earn?"), ("assistant", "$100k+")]
    answer = advisor.ask("And senior ones?", history)
    assert answer.question == "What do senior ML engineers earn?"
    calls = advisor.answerer.model.calls  # type: ignore[attr-defined]
    assert len(calls) == 2
    assert "Last message: And senior ones?" in calls[0][0].content
    roles = [type(m).__name__ for m in calls[1]]
    assert roles == ["SystemMessage", "HumanMessage", "AIMessage", "HumanMessage"]


def test_citations_are_repaired_and_uncited_sources_marked(shared_store: Store) -> None:
    advisor = fake_advisor(shared_store, ["PyTorch first [1]. Also see [9] and [0]."])
    answer = advisor.ask("PyTorch or TensorFlow first?")
    assert "[9]" not in answer.text and "[0]" not in answer.text and "[1]" in answer.text
    assert answer.sources[0].cited is True
    assert all(s.cited is False for s in answer.sources[1:])


def test_stream_yields_deltas_then_the_answer(shared_store: Store) -> None:
    reply = "PyTorch is the better first choice [1]. TensorFlow is easy to pick up later [1]."
    advisor = fake_advisor(shared_store, [reply])
    items = list(advisor.stream("PyTorch or TensorFlow first?"))
    deltas, final = items[:-1], items[-1]
    assert len(deltas) > 3 and all(isinstance(d, str) for d in deltas)
    assert isinstance(final, Answer)
    assert "".join(deltas) == final.text
    assert not final.incomplete


def test_retrieve_filters_and_deduplicates(extractive: CareerAdvisor) -> None:
    cards = extractive.retrieve("which framework first?", k=4, filters={"kind": {"$ne": "guide"}})
    assert cards and all(s.kind != "guide" for s in cards)
    step = "6. MLOps — Getting Models Into Production"
    only = extractive.retrieve("tools", k=3, filters={"top_section": step})
    assert only and all(s.section.startswith(step) for s in only)
    top = extractive.retrieve("PyTorch or TensorFlow first?", k=8)
    assert len({s.id for s in top}) == len(top)
    assert len({s.text for s in top}) == len(top)


def test_keyword_index_built_once_per_generation(extractive: CareerAdvisor) -> None:
    extractive.retrieve("numpy")
    before = extractive.retriever.rebuilds
    for question in ("pandas", "docker", "salary", "calculus"):
        extractive.retrieve(question)
    assert extractive.retriever.rebuilds == before


def test_sentence_units_are_their_passages_sentences(shared_store: Store) -> None:
    """Dense retrieval reads only ids from Chroma and rebuilds a unit's text from its passage."""
    from advisor.records import parse_unit_id

    passages = {c.id: c.text for c in shared_store.all_chunks()}
    units = [
        (uid, text)
        for page in shared_store._pages(include=["documents"], where={"unit": "sentence"})
        for uid, text in zip(page[0], page[1], strict=True)
    ]
    assert len(units) > 200
    for uid, text in units:
        parsed = parse_unit_id(uid)
        assert parsed is not None and parsed[0] in passages, uid
        assert sentences(passages[parsed[0]])[parsed[1]] == text, uid


def test_matched_sentences_come_with_the_sources(extractive: CareerAdvisor) -> None:
    sources = extractive.retrieve("Should I learn PyTorch or TensorFlow first?")
    matched = [text for s in sources for text, _ in s.matches]
    assert "PyTorch is the better first choice in 2026." in matched
    for source in sources:
        assert all(text in sentences(source.text) for text, _ in source.matches)


def test_a_plan_answer_is_for_the_profile_the_caller_keeps(extractive: CareerAdvisor) -> None:
    question = "What should I learn first?"
    unknown = extractive.ask(question).text
    assert "your Math level" in unknown  # nothing said: it asks
    known = extractive.ask(question, profile=Profile(math="solid", python="solid")).text
    assert "your Math level" not in known and "your Python level" not in known
    assert "Build Your Mathematical Foundation" not in known  # solid maths: that step skipped
