"""One contract, run against every answerer and every store mode (embedded, Chroma server)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor import Answer, CareerAdvisor, Settings, Store, make_answerer
from ingest import ingest
from tests.llm_server import scripted_llm
from tests.servers import chroma_server

CITATION = re.compile(r"\[(\d+)\]")


@pytest.fixture(scope="module", params=["embedded", "server"])
def store(request: pytest.FixtureRequest, index_dir: Path, tmp_path_factory) -> Iterator[Store]:
    if request.param == "embedded":
        yield Store.open(Settings.from_env(env={}, store_dir=index_dir))
        return
    with chroma_server(tmp_path_factory.mktemp("chroma")) as server:
        settings = Settings.from_env(
            env={},
            chroma_host="127.0.0.1",
            chroma_port=server.port,
            store_dir=tmp_path_factory.mktemp("lock"),
        )
        report = ingest(settings=settings, progress=False)
        assert report.added >= 24
        yield Store.open(settings)


@pytest.fixture(params=["extractive", "fake", "openai"])
def advisor(request: pytest.FixtureRequest, store: Store) -> Iterator[CareerAdvisor]:
    with contextlib.ExitStack() as stack:
        settings = store.settings.with_(backend=request.param)
        if request.param == "openai":
            llm = stack.enter_context(scripted_llm(["ok"]))
            settings = settings.with_(openai_base_url=llm.base_url, openai_api_key="k")
        yield CareerAdvisor(settings, store, make_answerer(settings))


class TestAnswererContract:
    """What every backend on every store promises."""

    def test_in_scope_answer_cites_listed_sources(self, advisor: CareerAdvisor) -> None:
        answer = advisor.ask("PyTorch or TensorFlow first?")
        assert not answer.refused and answer.text.strip()
        assert answer.backend == advisor.settings.backend
        cited = [int(n) for n in CITATION.findall(answer.text)]
        assert cited and all(1 <= n <= len(answer.sources) for n in cited)
        assert any("PyTorch" in s.text for s in answer.sources)

    def test_off_topic_is_refused_without_sources(self, advisor: CareerAdvisor) -> None:
        answer = advisor.ask("What's the best pizza recipe?")
        assert answer.refused and answer.sources == []

    def test_stream_deltas_add_up_to_the_answer(self, advisor: CareerAdvisor) -> None:
        items = list(advisor.stream("What is DVC?"))
        final = items[-1]
        assert isinstance(final, Answer)
        deltas = "".join(i for i in items[:-1] if isinstance(i, str))
        assert deltas.strip() and final.text.strip()
        assert set(CITATION.findall(final.text)) <= set(CITATION.findall(deltas))

    def test_follow_up_becomes_a_standalone_question(self, advisor: CareerAdvisor) -> None:
        history = [("user", "How much do entry-level ML engineers earn?"), ("assistant", "$100k")]
        answer = advisor.ask("And senior ones?", history)
        assert answer.question != "And senior ones?" and len(answer.question) > 20
        assert not answer.refused
