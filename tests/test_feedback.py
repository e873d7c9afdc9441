"""FeedbackStore: ratings round-trip through SQLite, also when sessions write at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from advisor.feedback import FeedbackRecord, FeedbackStore


def record(n: int = 0, rating: int = 1) -> FeedbackRecord:
    return FeedbackRecord(
        question=f"PyTorch or TensorFlow first? #{n}",
        answer="PyTorch is the better first choice in 2026. [1]",
        backend="extractive",
        source_ids=["guide-0017", "pytorch-0003"],
        rating=rating,
    )


def test_round_trip_creates_parent_dir_and_table(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "feedback.sqlite3"
    store = FeedbackStore(path)
    first = store.add(record(1, rating=1))
    second = store.add(record(2, rating=0))

    assert path.is_file()
    assert (first, second) == (1, 2)
    got = FeedbackStore(path).list()  # a fresh instance reads the same file
    assert [r.id for r in got] == [1, 2]
    assert got[0] == FeedbackRecord(
        **{**record(1).to_dict(), "created_at": got[0].created_at, "id": 1}
    )
    assert got[1].rating == 0
    assert got[0].source_ids == ["guide-0017", "pytorch-0003"]
    assert got[0].created_at.endswith("+00:00")


def test_to_dict_is_json_ready(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.add(record(7, rating=0))
    data = store.list()[0].to_dict()
    assert data == {
        "id": 1,
        "created_at": data["created_at"],
        "question": "PyTorch or TensorFlow first? #7",
        "answer": "PyTorch is the better first choice in 2026. [1]",
        "backend": "extractive",
        "source_ids": ["guide-0017", "pytorch-0003"],
        "rating": 0,
    }


def test_list_of_a_missing_file_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none" / "feedback.sqlite3"
    assert FeedbackStore(path).list() == []
    assert not path.parent.exists()


def test_rating_must_be_up_or_down() -> None:
    with pytest.raises(ValueError, match="rating"):
        record(rating=5)


def test_concurrent_adds_from_threads(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    threads, per_thread = 8, 25
    ids: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(worker: int) -> None:
        store = FeedbackStore(path)  # one store per session, as the app does
        start.wait()
        for i in range(per_thread):
            row_id = store.add(record(worker * 1000 + i, rating=i % 2))
            with lock:
                ids.append(row_id)

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)

    rows = FeedbackStore(path).list()
    assert len(rows) == threads * per_thread
    assert sorted(ids) == [r.id for r in rows] == list(range(1, threads * per_thread + 1))
    assert {r.question for r in rows} == {
        f"PyTorch or TensorFlow first? #{w * 1000 + i}"
        for w in range(threads)
        for i in range(per_thread)
    }


def test_one_store_shared_by_threads(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "shared.sqlite3")
    pool = [threading.Thread(target=lambda n=n: store.add(record(n))) for n in range(20)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert len(store.list()) == 20
