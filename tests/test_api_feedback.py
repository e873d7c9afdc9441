"""`POST /v1/feedback`: ratings from an embedding app land where `advisor feedback` reads them,
and rating the same answer again changes its row, from this process or a restarted one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from advisor import CareerAdvisor, Store, make_answerer
from advisor.cli import main
from tests.test_api import QUESTION, serving

HEADING = "\n\n**Sources**\n"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"


@pytest.fixture(scope="module")
def api(shared_store: Store, db: Path) -> Iterator[TestClient]:
    settings = shared_store.settings.with_(
        backend="extractive", feedback_db=db, api_rate_limit=10_000
    )
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with serving(advisor) as client:
        yield client


def listed(db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """What `advisor feedback --json` prints for this database."""
    monkeypatch.setenv("ADVISOR_FEEDBACK_DB", str(db))
    capsys.readouterr()
    assert main(["feedback", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_rated_response_is_listed_by_the_cli_and_rerating_changes_it(
    api: TestClient, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    response = api.post("/v1/responses", json={"model": "career-advisor", "input": QUESTION})
    body = response.json()
    before = len(listed(db, monkeypatch, capsys))
    first = api.post(
        "/v1/feedback", json={"answer_id": body["id"], "rating": "up", "comment": "Clear."}
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"id": first.json()["id"], "answer_id": body["id"], "rating": "up",
                            "updated": False}  # fmt: skip
    rows = listed(db, monkeypatch, capsys)
    assert len(rows) == before + 1
    row = rows[-1]
    text = body["output"][0]["content"][0]["text"]
    assert row["id"] == first.json()["id"] and row["question"] == QUESTION
    assert row["answer"] == text.split(HEADING)[0]  # the answer, without the sources list
    assert row["backend"] == "extractive" and row["rating"] == 1 and row["comment"] == "Clear."
    assert row["source_ids"] == [s["id"] for s in body["sources"]]
    again = api.post(
        "/v1/feedback", json={"answer_id": body["id"], "rating": "down", "comment": "Too long."}
    )
    assert again.json()["updated"] and again.json()["id"] == row["id"]
    third = api.post("/v1/feedback", json={"answer_id": body["id"], "rating": "up"})
    assert third.json()["updated"]
    rows = listed(db, monkeypatch, capsys)
    assert len(rows) == before + 1  # one answer, one row
    assert (rows[-1]["rating"], rows[-1]["comment"]) == (1, "Too long.")  # no comment: kept


def test_an_answer_of_the_clients_own_needs_its_texts(
    api: TestClient, db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = api.post("/v1/feedback", json={"answer_id": "chatcmpl-abc", "rating": "down"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["param"] == "answer_id"
    sent = {
        "answer_id": "chatcmpl-abc",
        "rating": "down",
        "question": "What is DVC?",
        "answer": "DVC versions data [1].",
        "source_ids": ["guide-0001"],
    }
    stored = api.post("/v1/feedback", json=sent)
    assert stored.status_code == 200 and not stored.json()["updated"]
    row = listed(db, monkeypatch, capsys)[-1]
    assert (row["question"], row["answer"], row["rating"]) == ("What is DVC?", sent["answer"], 0)
    assert row["source_ids"] == ["guide-0001"] and row["backend"] == "extractive"


BAD = [
    ("rating", {"answer_id": "x", "rating": "meh"}),
    ("rating", {"answer_id": "x", "rating": True}),
    ("answer_id", {"answer_id": "", "rating": "up"}),
    ("answer_id", {"rating": "up"}),
    ("comment", {"answer_id": "x", "rating": "up", "comment": "c" * 2001}),
    ("stars", {"answer_id": "x", "rating": "up", "stars": 5}),
]


@pytest.mark.parametrize(("param", "body"), BAD)
def test_invalid_ratings_are_400_with_param(
    api: TestClient, param: str, body: dict[str, Any]
) -> None:
    reply = api.post("/v1/feedback", json=body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["param"] == param


def test_a_restarted_server_changes_the_row_of_an_answer_rated_before(
    shared_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Two apps, one after the other, on one SQLite file: the second remembers nothing the
    # first did, and its response store is empty, so only the database can find the row.
    db = tmp_path / "restarted.sqlite3"
    settings = shared_store.settings.with_(backend="extractive", feedback_db=db)
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with serving(advisor) as first_app:
        response = first_app.post(
            "/v1/responses", json={"model": "career-advisor", "input": QUESTION}
        ).json()
        first = first_app.post(
            "/v1/feedback", json={"answer_id": response["id"], "rating": "up", "comment": "Good."}
        )
        own = {"answer_id": "mine-1", "rating": "up", "question": "Q?", "answer": "A [1]."}
        mine = first_app.post("/v1/feedback", json=own)
    assert first.status_code == mine.status_code == 200
    restarted = CareerAdvisor(settings, shared_store, make_answerer(settings))
    with serving(restarted) as second_app:
        again = second_app.post(
            "/v1/feedback", json={"answer_id": response["id"], "rating": "down"}
        )
        mine_again = second_app.post(
            "/v1/feedback", json={"answer_id": "mine-1", "rating": "down", "comment": "Wrong."}
        )
    assert again.status_code == 200, again.text  # found in the database, not a 404
    assert again.json() == {**first.json(), "rating": "down", "updated": True}
    assert mine_again.json() == {**mine.json(), "rating": "down", "updated": True}
    rows = listed(db, monkeypatch, capsys)
    assert [(r["id"], r["rating"], r["comment"]) for r in rows] == [
        (first.json()["id"], 0, "Good."),  # no new comment: the first one is kept
        (mine.json()["id"], 0, "Wrong."),
    ]
