"""Two advisor replicas over one Chroma server: same answers, and an ingest reaches both."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from advisor import Settings
from tests.samples import ZORB_QUESTION, write_zorb
from tests.servers import Server, advisor_replicas, chroma_server, remote_env

pytestmark = pytest.mark.slow

QUESTION = "PyTorch or TensorFlow first?"


def _ingest(chroma: Server, tmp_path: Path, *paths: Path) -> int:
    from ingest import ingest

    env = remote_env(chroma, ADVISOR_STORE_DIR=str(tmp_path / "writer"))
    report = ingest(list(paths), settings=Settings.from_env(env=env), progress=False)
    return report.added


def _ask(client: httpx.Client, replica: Server, question: str) -> dict:
    response = client.post(f"{replica.url}/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()


def test_two_replicas_share_one_chroma_server(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    with chroma_server(tmp_path / "chroma", log_dir=logs) as chroma:
        assert _ingest(chroma, tmp_path) >= 20  # the bundled corpus, into the server
        env = remote_env(
            chroma,
            ADVISOR_BACKEND="extractive",
            ADVISOR_STORE_REFRESH="0.5",
            ADVISOR_STORE_DIR=str(tmp_path / "replica-local"),
        )
        with (
            advisor_replicas(env, count=2, log_dir=logs) as replicas,
            httpx.Client(timeout=60) as client,
        ):
            assert len({r.port for r in replicas}) == 2
            for replica in replicas:
                body = _ask(client, replica, QUESTION)
                assert "PyTorch" in body["answer"] and body["sources"], replica.url
                ready = client.get(f"{replica.url}/readyz").json()
                assert ready["status"] == "ready" and ready["chunks"] > 50

            card = write_zorb(tmp_path / "cards")
            assert _ingest(chroma, tmp_path, card) == 1

            question = ZORB_QUESTION
            for replica in replicas:
                deadline = time.monotonic() + 60  # refreshes every 0.5 s: a generous bound
                while True:
                    body = _ask(client, replica, question)
                    titles = [s["title"] for s in body["sources"]]
                    listed = client.get(f"{replica.url}/v1/sources").json()["documents"]
                    if "Zorbulate Method" in titles and any(
                        d["title"] == "Zorbulate Method" for d in listed
                    ):
                        break
                    assert time.monotonic() < deadline, (replica.url, titles)
                    time.sleep(0.25)
                assert "zorbulate" in body["answer"].lower()


def test_replica_started_before_chroma_turns_ready(tmp_path: Path) -> None:
    from tests.servers import advisor_replica, free_port, wait_until

    port = free_port()
    env = {
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(port),
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(tmp_path / "replica-local"),
    }
    logs = tmp_path / "logs"
    with advisor_replica(env, log_dir=logs, wait=False) as replica, httpx.Client() as client:
        wait_until(replica, "/healthz", 120)
        early = client.get(f"{replica.url}/readyz")
        assert early.status_code == 503 and early.json()["status"] == "starting"
        with chroma_server(tmp_path / "chroma", port=port, log_dir=logs):
            wait_until(replica, "/readyz", 300)  # it indexes the bundled corpus itself
            body = _ask(client, replica, QUESTION)
            assert "PyTorch" in body["answer"] and body["sources"]
