"""`advisor eval`: retrieval, refusal and answer quality, beside plain baselines.

A question "hits" at rank r when the phrase its answer must come from appears in
the r-th retrieved passage. Baselines run in the same process on the same corpus:
LangChain's tutorial stack (1000/200 recursive splitter, MiniLM, top-k similarity)
and BM25 alone over the advisor's chunks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from advisor.core import CareerAdvisor, make_answerer
from advisor.keyword import KeywordIndex
from advisor.numbers import count_numbers
from advisor.retrieval import Retriever
from advisor.settings import Settings
from advisor.store import Store
from advisor.text import normalize

K = 4


@dataclass(frozen=True)
class Question:
    """One evaluation item."""

    id: str
    question: str
    expect: tuple[str, ...] = ()
    """Phrases any one of which a correct passage or answer contains."""
    topic: str = ""
    history: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QuestionSet:
    """In-scope questions, off-topic questions and two-turn follow-ups."""

    in_scope: list[Question]
    off_topic: list[Question]
    follow_ups: list[Question]


def load_questions() -> QuestionSet:
    """The project's question set (package data under advisor/evaluation/)."""
    in_scope: list[Question] = []
    off_topic: list[Question] = []
    follow_ups: list[Question] = []
    folder = resources.files("advisor.evaluation")
    for name in ("questions_guide.json", "questions_resources.json"):
        data = json.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        in_scope += [
            Question(q["id"], q["question"], _phrases(q["expect"]), q.get("topic", ""))
            for q in data.get("in_scope", [])
        ]
        off_topic += [Question(q["id"], q["question"]) for q in data.get("off_topic", [])]
        follow_ups += [
            Question(
                q["id"],
                q["question"],
                _phrases(q["expect"]),
                "follow_up",
                tuple((r, c) for r, c in q["history"]),
            )
            for q in data.get("follow_ups", [])
        ]
    return QuestionSet(in_scope, off_topic, follow_ups)


def _phrases(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


_DASHES = re.compile("[\u2010-\u2015\u2212]")
"""Hyphens, en and em dashes and the minus sign: a set writes "12-24 months" for the guide's
"12–24 months" (its authors checked every phrase against the sources with dashes folded)."""


def _squash(text: str) -> str:
    return _DASHES.sub("-", re.sub(r"\s+", " ", normalize(text)))


def contains(text: str, phrases: Sequence[str]) -> bool:
    """Whether any phrase occurs in text, forgiving case, quotes, dashes and whitespace."""
    squashed = _squash(text)
    return any(_squash(p) in squashed for p in phrases)


def retrieval_metrics(
    questions: Sequence[Question], search: Callable[[str], list[str]]
) -> dict[str, float]:
    """hit@1, MRR (within the top K), recall@K and average context characters."""
    hits1 = mrr = recall = chars = 0.0
    for q in questions:
        texts = search(q.question)[:K]
        chars += sum(len(t) for t in texts)
        rank = next((i for i, t in enumerate(texts, start=1) if contains(t, q.expect)), 0)
        hits1 += rank == 1
        mrr += 1.0 / rank if rank else 0.0
        recall += rank > 0
    n = max(1, len(questions))
    return {
        "hit@1": hits1 / n,
        "mrr": mrr / n,
        f"recall@{K}": recall / n,
        "avg_context_chars": chars / n,
    }


def answer_metrics(advisor: CareerAdvisor, qs: QuestionSet) -> dict[str, Any]:
    """Refusals, answer accuracy, follow-ups and citation validity of one advisor."""
    valid = total = 0
    correct = false_refusals = 0
    numbers = unsupported = 0
    missed: list[str] = []
    for q in qs.in_scope:
        answer = advisor.ask(q.question)
        numbers += count_numbers(answer.text)
        unsupported += len(answer.unsupported_numbers)
        false_refusals += answer.refused
        ok = not answer.refused and contains(answer.text, q.expect)
        correct += ok
        if not ok:
            missed.append(q.id)
        for n in re.findall(r"\[(\d+)\]", answer.text):
            total += 1
            valid += 1 <= int(n) <= len(answer.sources)
    refused_off = [q.id for q in qs.off_topic if advisor.ask(q.question).refused]
    follow_ok = 0
    for q in qs.follow_ups:
        answer = advisor.ask(q.question, list(q.history))
        follow_ok += (not answer.refused) and contains(answer.text, q.expect)
    n = max(1, len(qs.in_scope))
    return {
        "answer_accuracy": correct / n,
        "in_scope_refused": false_refusals,
        "off_topic_refused": len(refused_off) / max(1, len(qs.off_topic)),
        "off_topic_not_refused": [q.id for q in qs.off_topic if q.id not in refused_off],
        "follow_up_accuracy": follow_ok / max(1, len(qs.follow_ups)),
        "citation_validity": valid / total if total else 1.0,
        "numbers_in_answers": numbers,
        "numbers_not_in_sources": unsupported,
        "missed": missed,
    }


def conversation_metrics(
    advisor: CareerAdvisor, name: str = "conversations.json"
) -> dict[str, Any]:
    """A conversation set played through `advisor`, earlier turns passed as history."""
    from advisor.conversation import classify, replay
    from advisor.evaluation.conversations import (
        load_conversations,
        run_conversations,
        summarize,
    )

    def kind(question: str, history: list[tuple[str, str]]) -> str:
        vocabulary = advisor.vocabulary()
        return classify(question, replay(history, vocabulary), vocabulary).kind.value

    conversations = load_conversations(name)
    return summarize(conversations, run_conversations(advisor.ask, conversations, kind))


def tutorial_baseline(settings: Settings) -> Callable[[str], list[str]]:
    """LangChain's tutorial RAG retriever over the same corpus, in memory."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from advisor.embeddings import get_embeddings
    from ingest.discovery import bundled_corpus
    from ingest.loaders import load_bytes

    docs = []
    for path in sorted(bundled_corpus().rglob("*.md")):
        loaded = load_bytes(path.read_bytes(), "markdown")
        docs.append(Document(page_content=loaded.text, metadata={"source": path.name}))
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    model = get_embeddings(settings)

    class MiniLM(Embeddings):  # the same model, as the LangChain type Chroma expects
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return model.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            return model.embed_query(text)

    client = chromadb.EphemeralClient()
    store = Chroma(client=client, collection_name="tutorial_baseline", embedding_function=MiniLM())
    store.add_documents(splits)
    return lambda q: [d.page_content for d in store.similarity_search(q, k=K)]


def bm25_baseline(store: Store) -> Callable[[str], list[str]]:
    """BM25 alone over the advisor's own chunks."""
    index = KeywordIndex(store.all_chunks())

    def search(question: str) -> list[str]:
        scores = index.scores(question)
        order = scores.argsort()[::-1][:K]
        return [index.chunks[int(i)].text for i in order if scores[i] > 0]

    return search


def evaluate(
    settings: Settings, baseline: bool = True, backend: str = "extractive"
) -> dict[str, Any]:
    """Run every measurement; answers come from `backend` (an LLM's are number-checked too)."""
    qs = load_questions()
    settings = settings.with_(backend=backend)
    store = Store.open(settings)
    advisor = CareerAdvisor(settings, store, make_answerer(settings))
    advisor.ensure_index(progress=False)
    retrieval_qs = qs.in_scope
    report: dict[str, Any] = {
        "questions": {
            "in_scope": len(qs.in_scope),
            "off_topic": len(qs.off_topic),
            "follow_ups": len(qs.follow_ups),
        },
        "retrieval": {
            "advisor": retrieval_metrics(
                retrieval_qs, lambda q: [s.text for s in advisor.retrieve(q, k=K)]
            )
        },
        "answers": {"backend": backend, **answer_metrics(advisor, qs)},
        "conversations": conversation_metrics(advisor),
    }
    rrf = Retriever(store, advisor.retriever.embeddings, settings.with_(fusion="rrf"))
    report["retrieval"]["advisor_rrf"] = retrieval_metrics(
        retrieval_qs, lambda q: [s.text for s in rrf.retrieve(q, k=K).sources]
    )
    if baseline:
        report["retrieval"]["langchain_tutorial"] = retrieval_metrics(
            retrieval_qs, tutorial_baseline(settings)
        )
        report["retrieval"]["bm25_only"] = retrieval_metrics(retrieval_qs, bm25_baseline(store))
    return report


def format_report(report: dict[str, Any]) -> str:
    """A plain table for people."""
    lines = [
        "Questions: {in_scope} in scope, {off_topic} off topic, {follow_ups} follow-ups".format(
            **report["questions"]
        ),
        "",
        f"{'retriever':<20}{'hit@1':>8}{'MRR':>8}{f'recall@{K}':>10}{'ctx chars':>11}",
    ]
    for name, m in report["retrieval"].items():
        lines.append(
            f"{name:<20}{m['hit@1']:>8.3f}{m['mrr']:>8.3f}{m[f'recall@{K}']:>10.3f}"
            f"{m['avg_context_chars']:>11.0f}"
        )
    a = report["answers"]
    lines += [
        "",
        f"answer accuracy ({a['backend']}): {a['answer_accuracy']:.3f}",
        f"follow-up accuracy:           {a['follow_up_accuracy']:.3f}",
        f"off-topic refused:            {a['off_topic_refused']:.3f}",
        f"in-scope refused:             {a['in_scope_refused']}",
        f"citation validity:            {a['citation_validity']:.3f}",
        f"numbers not in the sources:   {a['numbers_not_in_sources']} of {a['numbers_in_answers']}",
    ]
    if a["missed"]:
        lines.append(f"missed: {', '.join(a['missed'])}")
    if "conversations" in report:
        lines += ["", *format_conversations(report["conversations"])]
    if a["off_topic_not_refused"]:
        lines.append(f"off-topic answered: {', '.join(a['off_topic_not_refused'])}")
    return "\n".join(lines)


def format_conversations(c: dict[str, Any]) -> list[str]:
    """The conversation set's lines of the report."""
    split = c["by_split"]
    lines = [
        f"Conversations: {c['conversations']} ({c['turns']} turns)",
        f"turns right:                  {c['turns_right']:.3f} ({c['turns_right_count']}/"
        f"{c['turns']}; " + ", ".join(f"{name} {share:.3f}" for name, share in split.items()) + ")",
        f"verbatim repeats:             {c['verbatim_repeats']}",
        f"lead-ins left dangling:       {c['dangling_lead_ins']}",
        f"uncovered-qualifier notes:    {c['notes_given']} of {c['notes_expected']}",
        f"off-topic refused:            {c['off_topic_refused']} of {c['off_topic_turns']}",
        f"in-scope refused:             {c['in_scope_refused']} of {c['in_scope_turns']}",
    ]
    if "kinds_right" in c:
        lines.append(
            f"turn kinds right:             {c['kinds_right']:.3f} (follow-ups found "
            f"{c['follow_ups_found']:.3f}, {c['follow_ups_false']} standalone taken for one)"
        )
    for wrong in c["wrong"]:
        lines.append(f"  {wrong['turn']} {wrong['user']!r}: {'; '.join(wrong['problems'])}")
    return lines
