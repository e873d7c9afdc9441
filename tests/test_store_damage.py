"""A damaged store says so: each vector index file deleted, overwritten or truncated in a copy of
a built store, then opened by a reader in a subprocess (so a segfault could not take the test
process with it). The reader either refuses with one line naming `advisor ingest --reset`, or
serves the right neighbours; `advisor doctor` runs the full check; the named fix works.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from advisor import Chunk, Settings, Store
from advisor.store.integrity import INTEGRITY
from tests.servers import advisor_replica

pytestmark = pytest.mark.slow

RECORDS = 1500
"""More than Chroma's sync threshold (1000): the HNSW files on disk hold the vectors."""
FILES = ("data_level0.bin", "header.bin", "length.bin", "link_lists.bin", "index_metadata.pickle")
SAMPLES = range(0, RECORDS, 75)
BIN = Path(sys.executable).parent

READER = """
import json, sys
import numpy as np
from advisor import AdvisorError, Settings, Store
try:
    store = Store.open(Settings.from_env(env={}, store_dir=sys.argv[1]))
    vectors = np.load(sys.argv[2])
    ids = [(store.query(vectors[i].tolist(), 1) or [(None, 0)])[0][0] for i in range(0, 1500, 75)]
    found = [c.id if c else "" for c in ids]
    print(json.dumps({"count": store.count(), "found": found}))
except AdvisorError as exc:
    print(f"advisor: {exc}", file=sys.stderr)
    sys.exit(1)
"""


def record_id(i: int) -> str:
    return f"doc{i // 3}-{i % 3}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of RECORDS passages with seeded random vectors, written through `Store`."""
    base = tmp_path_factory.mktemp("damage")
    vectors = np.random.default_rng(7).standard_normal((RECORDS, 384)).astype("float32")
    np.save(base / "vectors.npy", vectors)
    records = [
        Chunk(
            id=record_id(i),
            text=f"Passage {i} about topic {i % 17}.",
            source=f"doc{i // 3}.md",
            title=f"Doc {i // 3}",
            section="Intro",
            doc_key=f"root::doc{i // 3}.md",
            doc_hash=f"h{i // 3}",
            doc_chunks=3,
            root="root",
        )
        for i in range(RECORDS)
    ]
    store = Store.open(Settings.from_env(env={}, store_dir=base / "store"))
    store.upsert(records, vectors.tolist())
    store.mark_ingested("all-MiniLM-L6-v2", 384, changed=True)
    return base


def copy_of(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(built / "store", target)  # keeps modification times: still verified
    return target


def index_folder(store_dir: Path) -> Path:
    (folder,) = [d for d in store_dir.iterdir() if (d / "header.bin").exists()]
    return folder


def damage(path: Path, how: str) -> None:
    """Delete, overwrite (seeded random bytes, same size), zero or truncate (half) a file."""
    size = path.stat().st_size
    if how == "delete":
        path.unlink()
    elif how == "overwrite":
        path.write_bytes(random.Random(size).randbytes(size))
    elif how == "zeros":
        path.write_bytes(bytes(size))
    else:
        os.truncate(path, size // 2)


def read(store_dir: Path, built: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", READER, str(store_dir), str(built / "vectors.npy")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_refused_or_right(result: subprocess.CompletedProcess[str]) -> str:
    """One line naming the fix and exit 1, or the right neighbours: never a crash or wrong."""
    assert result.returncode in (0, 1), (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    if result.returncode == 1:
        assert result.stderr.count("\n") == 1, result.stderr
        assert "advisor ingest --reset" in result.stderr
        return "refused"
    body = json.loads(result.stdout)
    assert body["count"] == RECORDS
    assert body["found"] == [record_id(i) for i in SAMPLES]  # served right
    return "served"


def test_an_intact_copy_is_served_right(built: Path, tmp_path: Path) -> None:
    assert assert_refused_or_right(read(copy_of(built, tmp_path), built)) == "served"


@pytest.mark.parametrize("how", ["delete", "overwrite", "truncate"])
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_index_file_is_refused_or_harmless(
    built: Path, tmp_path: Path, name: str, how: str
) -> None:
    store_dir = copy_of(built, tmp_path)
    damage(index_folder(store_dir) / name, how)
    outcome = assert_refused_or_right(read(store_dir, built))
    print(f"{name} {how}: {outcome}")
    if (name, how) in {("data_level0.bin", "truncate"), ("index_metadata.pickle", "delete")}:
        assert outcome == "refused"  # both served wrong neighbours before the check


def test_an_index_that_crashes_its_reader_is_refused_without_crashing(
    built: Path, tmp_path: Path
) -> None:
    store_dir = copy_of(built, tmp_path)
    damage(index_folder(store_dir) / "link_lists.bin", "zeros")  # segfaulted a plain reader
    result = read(store_dir, built)
    assert assert_refused_or_right(result) == "refused"
    assert "crashed a check process (SIGSEGV)" in result.stderr


@pytest.mark.parametrize("how", ["delete", "overwrite", "truncate"])
def test_a_damaged_chroma_database_is_refused(built: Path, tmp_path: Path, how: str) -> None:
    store_dir = copy_of(built, tmp_path)
    damage(store_dir / "chroma.sqlite3", how)
    assert assert_refused_or_right(read(store_dir, built)) == "refused"


def test_the_cli_refuses_a_damaged_store_in_one_line(built: Path, tmp_path: Path) -> None:
    store_dir = copy_of(built, tmp_path)
    damage(index_folder(store_dir) / "data_level0.bin", "truncate")
    result = subprocess.run(
        [str(BIN / "advisor"), "retrieve", "topic 3", "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("advisor: the vector index is damaged")
    assert result.stderr.count("\n") == 1 and "advisor ingest --reset" in result.stderr


def doctor(store_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "advisor"), "doctor", "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_doctor_on_a_good_and_a_damaged_store(built: Path, tmp_path: Path) -> None:
    good = doctor(copy_of(built, tmp_path / "good"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"records: {RECORDS} (the last ingest wrote {RECORDS})" in good.stdout
    assert f"found by their own vector {RECORDS}" in good.stdout and "OK" in good.stdout

    for name, how in (("data_level0.bin", "truncate"), ("length.bin", "overwrite")):
        store_dir = copy_of(built, tmp_path / f"{name}-{how}")
        damage(index_folder(store_dir) / name, how)
        bad = doctor(store_dir)
        assert bad.returncode == 1, (name, how, bad.stdout, bad.stderr)
        assert "problem:" in bad.stdout and "advisor ingest --reset" in bad.stdout
        assert "Traceback" not in bad.stderr


REPAIR = """
import json, sys
from advisor.cli import main
folder, stores = sys.argv[1], sys.argv[2:]
print(json.dumps([main(["ingest", "--reset", folder, "--store", store]) for store in stores]))
"""
"""`advisor ingest --reset FOLDER --store S` for each store S, in one process (one model load)."""


def test_ingest_reset_repairs_a_damaged_store(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "mlops.md").write_text("# MLOps\n\nMLflow tracks experiments.\n", "utf-8")
    stores = []
    for name, target in (("data_level0.bin", "index"), ("chroma.sqlite3", "database")):
        store_dir = copy_of(built, tmp_path / target)
        damage((index_folder(store_dir) if target == "index" else store_dir) / name, "truncate")
        stores.append(store_dir)
    done = subprocess.run(  # the CLI's own entry point, away from the test process
        [sys.executable, "-c", REPAIR, str(folder), *map(str, stores)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, 0], done.stderr[-2000:]
    for store_dir in stores:
        assert doctor(store_dir).returncode == 0
        assert Store.open(Settings.from_env(env={}, store_dir=store_dir)).count_chunks() == 1


# --- bit rot: same size, same timestamps ---------------------------------------------------
def rot(path: Path, how: str) -> None:
    """Damage a file in place and put its timestamps back: only its bytes tell."""
    before = path.stat()
    damage(path, how)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def ask(store_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "advisor"), "ask", "topic 3", "--store", str(store_dir), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "ADVISOR_BACKEND": "extractive"},
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.startswith("advisor: the vector index is damaged")
    assert result.stderr.count("\n") == 1 and "advisor ingest --reset" in result.stderr


@pytest.mark.parametrize(
    ("name", "how"),
    [("data_level0.bin", "overwrite"), ("link_lists.bin", "zeros"), ("length.bin", "overwrite")],
)
def test_bit_rot_that_keeps_size_and_mtime_is_refused_not_a_crash(
    built: Path, tmp_path: Path, name: str, how: str
) -> None:
    store_dir = copy_of(built, tmp_path)
    rot(index_folder(store_dir) / name, how)
    first = ask(store_dir)  # checks in a child (the files are not those the ingest wrote)
    assert first.returncode != -signal.SIGSEGV
    assert_one_line_refusal(first)
    again = ask(store_dir)  # the verdict is recorded: refused again without a crash
    assert_one_line_refusal(again)
    assert again.stderr == first.stderr
    shown = doctor(store_dir)  # doctor and serving agree
    assert shown.returncode == 1 and "DAMAGED" in shown.stdout, shown.stdout


def test_serving_and_doctor_agree_on_rot_that_may_be_harmless(built: Path, tmp_path: Path) -> None:
    """Random upper-level links: whatever the full check finds, both act on it, and a sound
    verdict becomes the record (the next reader loads without a check)."""
    store_dir = copy_of(built, tmp_path)
    path = index_folder(store_dir) / "link_lists.bin"
    rot(path, "overwrite")
    outcome = assert_refused_or_right(read(store_dir, built))
    assert (doctor(store_dir).returncode == 0) == (outcome == "served")
    entry = json.loads((store_dir / INTEGRITY).read_text("utf-8"))
    (files,) = [
        e["files"] if outcome == "served" else e["damaged"]["files"] for e in entry.values()
    ]
    assert files["link_lists.bin"] == [path.stat().st_size, sha256(path)]


def test_an_ingest_records_the_checksums_of_its_index_files(built: Path) -> None:
    record = json.loads((built / "store" / INTEGRITY).read_text("utf-8"))
    folder = index_folder(built / "store")
    (files,) = [entry["files"] for entry in record.values()]
    assert set(files) == {p.name for p in folder.iterdir()}
    assert all(files[p.name] == [p.stat().st_size, sha256(p)] for p in folder.iterdir())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_serve_on_rotted_index_stays_up_and_reports_not_ready(built: Path, tmp_path: Path) -> None:
    store_dir = copy_of(built, tmp_path)
    rot(index_folder(store_dir) / "data_level0.bin", "overwrite")
    env = {"ADVISOR_STORE_DIR": str(store_dir), "ADVISOR_BACKEND": "extractive"}
    with advisor_replica(env, wait=False, log_dir=tmp_path / "logs") as server:
        deadline = time.monotonic() + 300
        body: dict[str, str] = {}
        while "damaged" not in body.get("detail", ""):
            assert server.process.poll() is None, server.log_tail()  # no crash loop
            assert time.monotonic() < deadline, (body, server.log_tail())
            with contextlib.suppress(httpx.HTTPError):
                response = httpx.get(f"{server.url}/readyz", timeout=5)
                body = response.json()
                assert response.status_code == 503, body
            time.sleep(0.5)
        assert "advisor ingest --reset" in body["detail"]
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        assert server.process.poll() is None
