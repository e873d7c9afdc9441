"""Probes under load: `/healthz` and `/readyz` answer while 50 LLM-backed answers run.

A real server (uvicorn in a thread) answers 50 concurrent `/v1/ask` requests through a
scripted LLM that streams one word every 0.2 s, more than the answer thread pool holds
at once. The probes must keep answering meanwhile. Only that they respond is asserted
(within a generous 5 s); the figure itself is measured by bench/probes.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from advisor import CareerAdvisor, Store, make_answerer
from bench.probes import measure_probes
from tests.llm_server import scripted_llm
from tests.servers import api_in_thread


@pytest.fixture
def slow_llm_api(shared_store: Store) -> Iterator[str]:
    """The API on 127.0.0.1 over the shared store, answering through a slow scripted LLM."""
    with scripted_llm(["slow"]) as llm:
        llm.slow_seconds = 0.2
        settings = shared_store.settings.with_(
            backend="openai",
            openai_base_url=llm.base_url,
            openai_api_key="test-key",
            llm_model="scripted",
            api_rate_limit=0,
            llm_timeout=120.0,
        )
        advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
        with api_in_thread(settings, advisor, "api-under-load") as url:
            yield url


def test_probes_answer_while_50_llm_answers_run(slow_llm_api: str) -> None:
    probes = asyncio.run(measure_probes(slow_llm_api, clients=50, duration=2.0, answers=50))
    assert probes.answers == 50, probes.answer_errors
    assert not probes.failures, probes.failures
    assert probes.healthz and probes.readyz  # probed while answers were running
    assert max(probes.healthz) < 5.0 and max(probes.readyz) < 5.0
