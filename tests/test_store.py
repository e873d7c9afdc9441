"""The Chroma adapter: embedded and server modes, the writer lock, readers seeing new ingests."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor import Chunk, ConfigurationError, Settings, Store, StoreUnavailable
from advisor.cli import main
from advisor.embeddings import get_embeddings
from advisor.retrieval import Retriever
from advisor.store import folders, integrity
from advisor.store.client import forget_embedded_path
from advisor.store.pointer import read_pointer
from ingest import ingest

try:
    from tests.servers import chroma_server
except ImportError:  # tests/ run as rootdir-less modules
    from servers import chroma_server  # type: ignore[no-redef]

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
ZORBULATE = "To zorbulate a feature store means rebuilding every feature from raw logs."

pytestmark = pytest.mark.slow


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def all_ids(store: Store) -> list[str]:
    """Every record id, duplicates kept (chunks and sentence units)."""
    return [cid for state in store.documents().values() for cid in state.ids]


# --- the store contract, on the embedded store and on a Chroma server ------------------------
@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real `chroma run` on 127.0.0.1 for this module; yields its port."""
    with chroma_server(tmp_path_factory.mktemp("chroma-data")) as server:
        yield server.port


@pytest.fixture(params=["embedded", "server"])
def mode_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh collection in each store mode."""
    collection = "contract-" + hashlib.sha256(request.node.name.encode()).hexdigest()[:12]
    if request.param == "embedded":
        return Settings.from_env(store_dir=tmp_path / "store", collection=collection)
    port = request.getfixturevalue("chroma")
    return Settings.from_env(
        store_dir=tmp_path / "lock",
        chroma_host="127.0.0.1",
        chroma_port=port,
        collection=collection,
    )


def _record(
    cid: str, doc: str, text: str, unit: str = "chunk", parent: str = "", n: int = 2
) -> Chunk:
    return Chunk(
        id=cid,
        text=text,
        source=f"{doc}.md",
        title=doc.title(),
        section="Intro",
        doc_key=f"root::{doc}.md",
        doc_hash=f"h-{doc}",
        doc_chunks=n,
        root="root",
        unit=unit,
        parent=parent,
    )


class TestStoreContract:
    """What the adapter promises in both modes, with hand-made 3-d vectors (no model)."""

    def _filled(self, settings: Settings) -> Store:
        store = Store.open(settings)
        store.upsert(
            [
                _record("a-0", "alpha", "Alpha passage about vectors."),
                _record("a-0-s000", "alpha", "Alpha sentence.", "sentence", "a-0"),
                _record("b-0", "beta", "Beta passage about trees.", n=1),
            ],
            [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0]],
        )
        store.mark_ingested("test-model", 3, changed=True)
        return store

    def test_roundtrip_counts_and_documents(self, mode_settings: Settings) -> None:
        store = self._filled(mode_settings)
        assert store.count() == 3 and store.count_chunks() == 2
        docs = store.documents()
        assert set(docs) == {"root::alpha.md", "root::beta.md"}
        assert docs["root::alpha.md"].is_complete("h-alpha")
        assert not docs["root::alpha.md"].is_complete("h-other")
        assert {c.id for c in store.all_chunks()} == {"a-0", "b-0"}  # passages only
        assert store.stats()["documents"] == 2 and store.stats()["chunks"] == 2

    def test_query_returns_nearest_with_cosine_similarity(self, mode_settings: Settings) -> None:
        store = self._filled(mode_settings)
        hits = store.query([0.0, 1.0, 0.0], k=2)
        assert hits[0][0].id == "b-0" and hits[0][1] == pytest.approx(1.0, abs=1e-4)
        assert hits[0][0].text == "Beta passage about trees." and hits[0][0].source == "beta.md"
        only_alpha = store.query([0.0, 1.0, 0.0], k=5, where={"source": "alpha.md"})
        assert {c.id for c, _ in only_alpha} == {"a-0", "a-0-s000"}

    def test_delete_generation_and_reset(self, mode_settings: Settings) -> None:
        store = self._filled(mode_settings)
        assert store.generation() == 1
        store.delete(["b-0"])
        store.mark_ingested("test-model", 3, changed=True)
        assert store.generation() == 2 and set(store.documents()) == {"root::alpha.md"}
        reader = Store.open(mode_settings)
        assert reader.count() == 2
        store.begin_write(rebuild=True)  # a reset builds a new collection aside
        assert store.count() == 0 and store.documents() == {}
        store.upsert([_record("c-0", "gamma", "Gamma passage.", n=1)], [[0.0, 0.0, 1.0]])
        assert reader.count() == 2 and reader.generation() == 2  # readers still see the old
        assert [c.id for c, _ in reader.query([1.0, 0.0, 0.0], k=1)] == ["a-0"]
        store.mark_ingested("test-model", 3, changed=True)
        assert reader.generation() == 3  # the swap: one pointer write, never backwards
        assert reader.count() == 1 and [c.id for c, _ in reader.query([0, 0, 1.0], k=1)] == ["c-0"]
        store.begin_write(rebuild=False)  # the next ingest drops the replaced collection
        store.mark_ingested("test-model", 3, changed=False)
        assert reader.count() == 1 and store.generation() == 3

    def test_a_reader_follows_the_pointer_when_its_collection_is_dropped(
        self, mode_settings: Settings
    ) -> None:
        store = self._filled(mode_settings)
        reader = Store.open(mode_settings)
        assert reader.count() == 3  # it holds the live collection, and does not poll
        for _ in range(2):  # a reset, then the ingest that drops the replaced collection
            store.begin_write(rebuild=True)
            store.upsert([_record("c-0", "gamma", "Gamma passage.", n=1)], [[0.0, 0.0, 1.0]])
            store.mark_ingested("test-model", 3, changed=True)
        hits = reader.query([0.0, 0.0, 1.0], k=1)  # no NotFoundError: it follows the pointer
        assert [c.id for c, _ in hits] == ["c-0"] and reader.count() == 1

    def test_model_and_dimension_are_kept_and_checked(self, mode_settings: Settings) -> None:
        store = self._filled(mode_settings)
        meta = store.metadata()
        assert (meta["embedding_model"], meta["embedding_dim"]) == ("test-model", 3)
        store.check_model("test-model", 3)
        with pytest.raises(ConfigurationError, match="--reset") as exc:
            store.check_model("another-model")
        assert "test-model" in str(exc.value) and "another-model" in str(exc.value)
        with pytest.raises(ConfigurationError, match="--reset"):
            store.check_model("test-model", 384)


# --- segment folders a reset replaced ------------------------------------------------------------
def segment_folders(store_dir: Path) -> set[str]:
    """The UUID-named folders Chroma keeps the HNSW files in."""
    return {p.name for p in store_dir.iterdir() if p.is_dir() and p.name.count("-") == 4}


def live_folder(store: Store) -> str:
    listed = folders.vector_folders(store.settings.store_dir) or {}
    return listed[read_pointer(store._client, store.settings.collection).live].name


def reset_with(store: Store, text: str) -> None:
    """What `advisor ingest --reset` does to the store, with a 3-dimensional vector."""
    with store.writer_lock():
        store.begin_write(rebuild=True)
        store.upsert([_record("c-0", "gamma", text, n=1)], [[0.0, 0.0, 1.0]])
        store.mark_ingested("test-model", 3, changed=True)


def test_resets_leave_only_the_live_folder_and_ones_a_reader_still_holds(tmp_path: Path) -> None:
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store")
    writer = Store.open(settings)
    reset_with(writer, "First build.")
    first = live_folder(writer)
    reader = Store.open(settings)  # serves the first build, and does not poll
    assert reader.count() == 1
    for n in range(2):
        reset_with(writer, f"Reset {n}.")
    live = live_folder(writer)
    assert segment_folders(settings.store_dir) == {first, live}  # the reader's, kept for it
    reader.generation()  # the reader follows the pointer and lets go of the old folder
    assert [c.text for c, _ in reader.query([0.0, 0.0, 1.0], k=1)] == ["Reset 1."]
    with writer.writer_lock():  # the next ingest (no reset) removes what nobody holds
        writer.begin_write(rebuild=False)
        writer.mark_ingested("test-model", 3, changed=False)
    assert segment_folders(settings.store_dir) == {live}

    del reader
    reset_with(writer, "Reset 2.")  # nobody holds the replaced one: removed at once
    assert segment_folders(settings.store_dir) == {live_folder(writer)} != {live}


def test_two_cli_resets_leave_one_segment_folder(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "docs", {"mlops.md": "# MLOps\n\nMLflow tracks experiments.\n"}
    )
    store_dir = tmp_path / "store"
    for _ in range(3):  # a first build and two resets
        assert main(["ingest", "--reset", str(folder), "--store", str(store_dir)]) == 0
    assert len(segment_folders(store_dir)) == 1
    assert Store.open(Settings.from_env(env={}, store_dir=store_dir)).count_chunks() == 1


def test_a_store_under_the_sync_threshold_opens_without_a_child_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below Chroma's sync threshold no HNSW file is loaded (and each opener rewrites them):
    the record says so, and readers open without a check in a child process."""
    settings = Settings.from_env(env={}, store_dir=tmp_path / "store")
    reset_with(Store.open(settings), "Small store.")
    (entry,) = json.loads((settings.store_dir / integrity.INTEGRITY).read_text("utf-8")).values()
    assert entry == {"files": None}

    def no_child(*args: object, **kwargs: object) -> object:
        raise AssertionError("a child check ran")

    monkeypatch.setattr(integrity, "child_verdict", no_child)
    for _ in range(2):
        reader = Store.open(settings)
        assert [c.text for c, _ in reader.query([0.0, 0.0, 1.0], k=1)] == ["Small store."]
        forget_embedded_path(settings)  # the next reader loads from disk


# --- a real Chroma server ------------------------------------------------------------------------
def test_ingest_into_a_chroma_server_and_read_back(chroma: int, tmp_path: Path) -> None:
    import chromadb

    folder = write_folder(
        tmp_path / "docs",
        {"a.md": "# A\n\nMLflow tracks experiments and models.\n", "b.txt": ZORBULATE},
    )
    settings = Settings.from_env(
        store_dir=tmp_path / "local",
        chroma_host="127.0.0.1",
        chroma_port=chroma,
        collection="server-ingest",
    )
    report = ingest([folder], settings=settings, progress=False)
    assert (report.added, report.chunks) == (2, 2)
    store = Store.open(settings)
    assert {c.text for c in store.all_chunks()} == {
        "# A\n\nMLflow tracks experiments and models.",
        ZORBULATE,
    }
    # the records are in the server, not in a local embedded store
    server = chromadb.HttpClient(host="127.0.0.1", port=chroma)
    live = (server.get_collection("server-ingest__pointer").metadata or {})["live"]
    assert live == "server-ingest__1"  # the first build, published by the pointer record
    raw = server.get_collection(live)
    assert raw.count() == store.count() > 2
    assert not (tmp_path / "local" / "chroma.sqlite3").exists()
    retriever = Retriever(store, get_embeddings(settings), settings)
    top = retriever.retrieve("What does it mean to zorbulate a feature store?", k=1)
    assert top.sources[0].text == ZORBULATE
    again = ingest([folder], settings=settings, progress=False)
    assert (again.unchanged, again.added) == (2, 0)


def test_a_chroma_server_that_is_down_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = closed_port()
    settings = Settings.from_env(chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(StoreUnavailable, match=rf"vector store unavailable .*127\.0\.0\.1:{port}"):
        Store.open(settings).count()
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(port))
    folder = write_folder(tmp_path / "docs", {"a.md": "# A\n\nSome text.\n"})
    assert main(["ingest", str(folder), "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("advisor: vector store unavailable") and err.count("\n") == 1


# --- writers and readers of one embedded store -----------------------------------------------
@dataclass
class Concurrent:
    """Two `advisor ingest` processes started together on one store, and a reader opened before."""

    settings: Settings
    folders: list[Path]
    results: list[subprocess.CompletedProcess[str]]
    store: Store
    retriever: Retriever
    rebuilds_before: int


@pytest.fixture(scope="module")
def concurrent(tmp_path_factory: pytest.TempPathFactory) -> Concurrent:
    base = tmp_path_factory.mktemp("concurrent")
    settings = Settings.from_env(env={}, store_dir=base / "store", store_refresh_seconds=0)
    seed = write_folder(base / "seed", {"seed.md": "# Seed\n\nPandas loads tabular data.\n"})
    ingest([seed], settings=settings, progress=False)
    # a reader opened (and used) before the other processes write
    store = Store.open(settings)
    retriever = Retriever(store, get_embeddings(settings), settings)
    assert retriever.retrieve("zorbulate a feature store", k=2).sources[0].source == "seed.md"
    rebuilds = retriever.rebuilds

    folder = write_folder(
        base / "docs",
        {
            "zorbulate.md": f"# Feature stores\n\n{ZORBULATE}\n",
            "alpha.md": "# Alpha\n\nVectors and matrices underpin training.\n",
            "beta.txt": "Gradient boosting with XGBoost wins many tabular competitions.\n",
        },
    )
    env = {**os.environ, "ADVISOR_STORE_DIR": str(settings.store_dir)}
    command = [str(BIN / "advisor"), "ingest", str(folder), "--json"]
    processes = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return Concurrent(settings, [seed, folder], results, store, retriever, rebuilds)


def test_two_concurrent_ingests_are_serialised_by_the_lock(
    concurrent: Concurrent, tmp_path: Path
) -> None:
    for result in concurrent.results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    reports = sorted((json.loads(r.stdout) for r in concurrent.results), key=lambda r: r["added"])
    # the second writer waited for the lock, then found nothing left to do
    assert (reports[0]["added"], reports[0]["unchanged"]) == (0, 3)
    assert (reports[1]["added"], reports[1]["unchanged"]) == (3, 0)
    assert reports[0]["chunks"] == reports[1]["chunks"] == 4

    fresh = Store.open(concurrent.settings)
    ids = all_ids(fresh)
    assert len(ids) == len(set(ids)) == fresh.count()
    clean = concurrent.settings.with_(store_dir=tmp_path / "clean")
    ingest(concurrent.folders, settings=clean, progress=False)
    assert sorted(ids) == sorted(all_ids(Store.open(clean)))


def test_an_open_reader_sees_what_a_later_ingest_wrote(concurrent: Concurrent) -> None:
    question = "What does it mean to zorbulate a feature store?"
    found = concurrent.retriever.retrieve(question, k=2)
    assert found.sources[0].text.endswith(ZORBULATE)
    assert concurrent.retriever.rebuilds == concurrent.rebuilds_before + 1
    # the dense side too: the vector index of the open store includes the new records
    vector = concurrent.retriever.embeddings.embed_query(question)
    dense = concurrent.store.query(vector, k=3)
    assert ZORBULATE in dense[0][0].text  # fails without Store._reopen: Chroma's cached index
    assert found.best_similarity > 0.5


def test_a_writer_that_cannot_get_the_lock_stops_with_a_clear_message(tmp_path: Path) -> None:
    settings = Settings.from_env(store_dir=tmp_path / "store")
    holder, other = Store.open(settings), Store.open(settings)
    with (
        holder.writer_lock(),
        pytest.raises(StoreUnavailable, match="another ingest is writing"),
        other.writer_lock(wait=0.2),
    ):
        pass
    with other.writer_lock(wait=0.2):  # released once the first writer is done
        pass
