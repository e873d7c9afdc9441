"""`advisor ingest --reset` while readers run, a store being built, and an ingest killed mid-way.

Real processes throughout: the reset and the killed ingest are `advisor` subprocesses, the
readers are threads asking through the library and the API, and a CLI `ask` runs beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from advisor import CareerAdvisor, Settings, Store
from advisor.api import create_app
from ingest import ingest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
QUESTIONS = ("PyTorch or TensorFlow first?", "Which MLOps tools should I learn?")


def env_for(store_dir: Path) -> dict[str, str]:
    return {**os.environ, "ADVISOR_STORE_DIR": str(store_dir), "ADVISOR_BACKEND": "extractive"}


def copy_store(index_dir: Path, tmp_path: Path) -> Path:
    store_dir = tmp_path / "store"
    shutil.copytree(index_dir, store_dir)
    return store_dir


class Readers:
    """Threads asking in-scope questions in a loop through the library and the API."""

    def __init__(self, advisor: CareerAdvisor, client: TestClient) -> None:
        self.advisor, self.client = advisor, client
        self.stop = threading.Event()
        self.answers: Counter[str] = Counter()
        self.errors: list[str] = []
        self.least_chunks: int | None = None
        self.threads = [
            threading.Thread(target=self._loop, args=(fn,), daemon=True)
            for fn in (self._library, self._api, self._stats)
        ]

    def _library(self, question: str) -> None:
        answer = self.advisor.ask(question)
        if answer.refused or not answer.sources:
            raise AssertionError(f"no answer to an in-scope question: {question!r}")

    def _api(self, question: str) -> None:
        response = self.client.post("/v1/ask", json={"question": question})
        body = response.json()
        if response.status_code != 200 or body["refused"] or not body["sources"]:
            raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")

    def _stats(self, question: str) -> None:
        chunks = int(self.advisor.stats()["chunks"])
        self.least_chunks = chunks if self.least_chunks is None else min(self.least_chunks, chunks)

    def _loop(self, ask: object) -> None:
        i = 0
        while not self.stop.is_set():
            try:
                ask(QUESTIONS[i % len(QUESTIONS)])  # type: ignore[operator]
                self.answers[ask.__name__] += 1  # type: ignore[attr-defined]
            except Exception as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            i += 1
            self.stop.wait(0.05)

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_reset_while_readers_ask(index_dir: Path, tmp_path: Path) -> None:
    store_dir = copy_store(index_dir, tmp_path)
    settings = Settings.from_env(
        env={},
        store_dir=store_dir,
        backend="extractive",
        store_refresh_seconds=0.2,
        api_rate_limit=0,
    )
    before = Store.open(settings)
    records, chunks, docs = before.count(), before.count_chunks(), len(before.documents())
    generation = before.generation()
    advisor = CareerAdvisor.from_settings(settings)
    client = TestClient(create_app(settings, advisor), raise_server_exceptions=False)
    with client, Readers(advisor, client) as readers:
        deadline = time.monotonic() + 120
        while sum(readers.answers.values()) < 6:  # warm and answering
            assert time.monotonic() < deadline and not readers.errors, readers.errors
            time.sleep(0.1)
        reset = subprocess.Popen(
            [str(BIN / "advisor"), "ingest", "--reset", "--json"],
            env=env_for(store_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ask = subprocess.run(  # a CLI reader in the middle of the reset: no auto-fill
            [str(BIN / "advisor"), "ask", QUESTIONS[0], "--json"],
            env=env_for(store_dir),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        during = dict(readers.answers)
        out, err = reset.communicate(timeout=900)
        assert reset.returncode == 0, err[-2000:]
        report = json.loads(out.strip().splitlines()[-1])
        deadline = time.monotonic() + 30  # readers follow the pointer by themselves
        while advisor.store.generation() == generation:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        switched = sum(readers.answers.values())
        deadline = time.monotonic() + 60
        while sum(readers.answers.values()) <= switched:  # answers from the new collection
            assert time.monotonic() < deadline and not readers.errors, readers.errors
            time.sleep(0.1)
    assert readers.errors == []
    assert readers.least_chunks == chunks  # never an empty (or half-built) store
    assert ask.returncode == 0, ask.stderr[-2000:]
    answer = json.loads(ask.stdout)
    assert not answer["refused"] and answer["sources"] and answer["warning"] == ""
    assert report["added"] == docs and report["chunks"] == chunks
    after = Store.open(settings)
    assert (after.count(), after.count_chunks(), len(after.documents())) == (records, chunks, docs)
    assert after.generation() == generation + 1
    assert sum(readers.answers.values()) > sum(during.values())
    print(f"\nanswers: {dict(readers.answers)}, of which before the reset ended: {during}")


def test_a_store_being_built_is_not_filled_by_a_reader(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    writer = Store.open(Settings.from_env(env={}, store_dir=store_dir))
    with writer.writer_lock():  # an ingest has the lock and has not published anything yet
        ask = subprocess.run(
            [str(BIN / "advisor"), "ask", QUESTIONS[0]],
            env=env_for(store_dir),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert ask.returncode == 1, ask.stdout + ask.stderr
    assert ask.stderr == "advisor: the index is being built by an ingest; try again in a moment\n"
    assert Store.open(Settings.from_env(env={}, store_dir=store_dir)).count() == 0


def filler_cards(folder: Path, count: int) -> Path:
    """`count` cards of eight sentences each (nine records apiece): an ingest of some length."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = " ".join(
            f"Practice habit {i}.{j} asks learners to revisit topic {i * 9 + j} every week."
            for j in range(8)
        )
        (folder / f"card-{i:03d}.md").write_text(f"# Card {i}\n\n## Notes\n{body}\n", "utf-8")
    return folder


def test_an_ingest_killed_midway_is_reported_until_the_next_one_finishes(
    index_dir: Path, tmp_path: Path
) -> None:
    store_dir = copy_store(index_dir, tmp_path)
    settings = Settings.from_env(env={}, store_dir=store_dir, backend="extractive")
    folder = filler_cards(tmp_path / "cards", 40)  # 360 records, written 64 at a time
    small_groups = (
        "import sys, ingest.pipeline as p\n"
        "p.WRITE_GROUP = 64\n"
        "from advisor.cli import main\n"
        "sys.exit(main(['ingest', sys.argv[1]]))\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", small_groups, str(folder)],
        env=env_for(store_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    probe = Store.open(settings)
    deadline = time.monotonic() + 600
    try:
        while not probe.warning:  # the first group is written: the live collection is partial
            assert writer.poll() is None, "the ingest ended before it could be interrupted"
            assert time.monotonic() < deadline
            probe.generation()
            time.sleep(0.1)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=60)
    assert writer.returncode == -signal.SIGKILL

    advisor = CareerAdvisor.from_settings(settings)
    answer = advisor.ask(QUESTIONS[0])
    assert not answer.refused and "the index is incomplete" in answer.warning
    assert "advisor ingest" in answer.warning
    shown = subprocess.run(
        [str(BIN / "advisor"), "doctor"], env=env_for(store_dir), capture_output=True, text=True
    )
    assert shown.returncode == 1 and "has not finished" in shown.stdout

    report = ingest([folder], settings=settings, progress=False)  # the next ingest finishes
    assert report.added + report.updated + report.unchanged == 40
    advisor.store.generation()
    assert advisor.ask(QUESTIONS[0]).warning == ""
    assert CareerAdvisor.from_settings(settings).ask(QUESTIONS[0]).warning == ""
