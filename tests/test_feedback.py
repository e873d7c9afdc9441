"""FeedbackStore: ratings round-trip through the chat database (a SQLite file, PostgreSQL),
also when sessions write at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
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


def test_to_dict_is_json_ready(chat_db: str) -> None:
    store = FeedbackStore(chat_db)
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
        "comment": "",
    }


def test_list_of_a_missing_file_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "none" / "feedback.sqlite3"
    assert FeedbackStore(path).list() == []
    assert not path.parent.exists()


def test_rating_must_be_up_or_down() -> None:
    with pytest.raises(ValueError, match="rating"):
        record(rating=5)


def test_concurrent_adds_from_threads(chat_db: str) -> None:
    path = chat_db
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


def test_one_store_shared_by_threads(chat_db: str) -> None:
    store = FeedbackStore(chat_db)
    pool = [threading.Thread(target=lambda n=n: store.add(record(n))) for n in range(20)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert len(store.list()) == 20


def test_rating_can_change_and_carry_a_comment(chat_db: str) -> None:
    store = FeedbackStore(chat_db)
    row = store.add(record(1, rating=1))
    assert store.update(row, rating=0)  # the user changed their mind
    assert store.update(row, comment="  The salary figure is from 2024, not 2026.  ")
    (got,) = store.list()
    assert (got.rating, got.comment) == (0, "The salary figure is from 2024, not 2026.")
    assert store.update(row, comment="x" * 5000)
    assert len(store.list()[0].comment) == 2000
    assert not store.update(999, rating=1)  # no such row
    with pytest.raises(ValueError, match="rating"):
        store.update(row, rating=3)


def test_a_file_from_before_comments_gets_the_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema as released before comments
        conn.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            " question TEXT NOT NULL, answer TEXT NOT NULL, backend TEXT NOT NULL,"
            " source_ids TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating IN (0, 1)))"
        )
        conn.execute(
            "INSERT INTO feedback (created_at, question, answer, backend, source_ids, rating)"
            " VALUES ('2026-01-01T00:00:00+00:00', 'q', 'a', 'extractive', '[]', 1)"
        )
    conn.close()
    store = FeedbackStore(path)
    (old,) = store.list()
    assert (old.rating, old.comment) == (1, "")
    assert store.update(old.id or 0, comment="still useful")
    assert store.list()[0].comment == "still useful"


def test_cli_lists_comments_on_one_line_each(
    chat_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from advisor.cli import main

    monkeypatch.setenv("ADVISOR_DATABASE_URL", chat_db)
    store = FeedbackStore(chat_db)
    store.update(store.add(record(1, rating=0)), comment="Too vague:\nname a course.\x1b[31m")
    store.add(record(2, rating=1))
    assert main(["feedback"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "down" in lines[0] and "up" in lines[2]
    assert lines[1] == "    comment: Too vague: name a course."  # one line, no escape code
    assert main(["feedback", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["comment"] for r in rows] == ["Too vague:\nname a course.\x1b[31m", ""]


def test_one_answer_id_keeps_one_row_when_two_servers_rate_it_at_once(chat_db: str) -> None:
    # Two servers' stores on one database, rating the same answer id from 8 threads.
    stores = [FeedbackStore(chat_db), FeedbackStore(chat_db)]

    def rate(i: int) -> tuple[int, bool]:
        return stores[i % 2].rate_answer("resp_same", record(i, rating=i % 2))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(rate, range(16)))
    assert len({row for row, _ in results}) == 1  # every rating went to one row
    assert sum(not updated for _, updated in results) == 1  # added once, changed 15 times
    assert len(FeedbackStore(chat_db).list()) == 1


def test_rerating_an_answer_id_keeps_its_texts_and_a_comment_not_replaced(chat_db: str) -> None:
    store = FeedbackStore(chat_db)
    assert store.rerate("resp_1", rating=0) is None  # nothing to change yet
    row, updated = store.rate_answer("resp_1", replace(record(1), comment="Clear."))
    assert not updated and store.rerate("resp_1", rating=0) == row
    again, updated = store.rate_answer("resp_1", record(2, rating=1))  # no comment this time
    assert (again, updated) == (row, True)
    (kept,) = store.list()
    assert (kept.question, kept.rating, kept.comment) == (record(1).question, 1, "Clear.")
