"""Shared fixtures: a built index in a temp dir, the fake backend, and no network."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor import CareerAdvisor, Settings, Store, make_answerer
from tests.postgres import Postgres, postgres_server

_SAFE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",
}
_CLEARED = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "CHROMA_HOST",
    "CHROMA_PORT",
    "ADVISOR_API_TOKEN",
    "ADVISOR_DATABASE_URL",
)

os.environ.update(_SAFE_ENV)
for _name in _CLEARED:
    os.environ.pop(_name, None)


def _loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _loopback(address):
        raise ConnectionRefusedError(f"tests may not reach the network: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _loopback(address):
        raise ConnectionRefusedError(f"tests may not reach the network: {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file of embedded texts for the whole run, shared by pytest-xdist's workers.

    Embeddings are pure (model, text) -> vector, so sharing them changes no result; it saves
    embedding the same questions and corpus batches again in every test and worker.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return root / "embeddings.sqlite3"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    """A store holding the bundled corpus, built once per test session."""
    from ingest import ingest

    path = tmp_path_factory.mktemp("index") / "store"
    settings = Settings.from_env(env={}, store_dir=path, embedding_cache=embedding_cache)
    report = ingest(settings=settings, progress=False)
    assert report.added >= 20 and report.chunks > 50
    return path


@pytest.fixture(autouse=True)
def _isolated(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    embedding_cache: Path,
) -> Iterator[None]:
    """Every test: temp store and feedback file, fake backend, offline, loopback only, the
    run's shared embedding cache, and the log record factory a server may replace put back."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name, value in _SAFE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ADVISOR_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("ADVISOR_FEEDBACK_DB", str(tmp_path / "feedback.sqlite3"))
    monkeypatch.setenv("ADVISOR_BACKEND", "fake")
    monkeypatch.setenv("ADVISOR_EMBEDDING_CACHE", str(embedding_cache))
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    factory = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(factory)


@pytest.fixture
def built_env(monkeypatch: pytest.MonkeyPatch, index_dir: Path) -> Path:
    """Point ADVISOR_STORE_DIR at the shared built index (read-only use)."""
    monkeypatch.setenv("ADVISOR_STORE_DIR", str(index_dir))
    return index_dir


@pytest.fixture(scope="session")
def shared_store(index_dir: Path, embedding_cache: Path) -> Store:
    """One open store over the built index, shared by read-only tests."""
    return Store.open(
        Settings.from_env(env={}, store_dir=index_dir, embedding_cache=embedding_cache)
    )


@pytest.fixture(scope="session")
def extractive(shared_store: Store) -> CareerAdvisor:
    """The offline advisor over the built index."""
    settings = shared_store.settings.with_(backend="extractive")
    return CareerAdvisor(settings, shared_store, make_answerer(settings))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL server for this test process (stopped at its end)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def chat_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty chat database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'feedback.sqlite3'}"
    server: Postgres = request.getfixturevalue("postgres")
    return server.new_database()
