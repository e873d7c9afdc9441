"""`advisor chats`: lists every browser's saved chats and deletes old ones, reporting how many."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from advisor.chats import ChatMessage, ChatStore, new_browser_id
from advisor.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def database(chat_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test on a SQLite file, then on PostgreSQL, named as a user would name it."""
    if chat_db.startswith("sqlite:///"):
        monkeypatch.setenv("ADVISOR_FEEDBACK_DB", chat_db.removeprefix("sqlite:///"))
    else:
        monkeypatch.setenv("ADVISOR_DATABASE_URL", chat_db)
    return chat_db


def saved_chats(database: str) -> tuple[ChatStore, list[str], list[str]]:
    """Two browsers: one with two chats (the older 40 days old), one with one chat."""
    forty_days_ago = datetime.now(UTC) - timedelta(days=40)
    then = ChatStore(database, clock=lambda: forty_days_ago)
    store = ChatStore(database)
    a, b = new_browser_id(), new_browser_id()
    old, q = then.start(a, ChatMessage(role="user", text="How long does it take?"))
    then.append(a, old.id, ChatMessage(role="assistant", text="12–24 months. [1]", reply_to=q.id))
    recent, _ = store.start(a, ChatMessage(role="user", text="PyTorch or TensorFlow first?"))
    other, _ = store.start(b, ChatMessage(role="user", text="What does a Data Scientist do?"))
    then.close()
    return store, [other.id, recent.id, old.id], [b, a, a]


def test_chats_json_lists_every_browser_newest_first(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    _, ids, browsers = saved_chats(database)
    code, out, _ = run(capsys, "chats", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ids
    assert [r["browser"] for r in rows] == browsers
    assert [r["messages"] for r in rows] == [1, 1, 2]
    assert rows[2]["title"] == "How long does it take?"
    assert set(rows[0]) == {"id", "browser", "title", "created_at", "updated_at", "messages"}

    code, out, _ = run(capsys, "chats")
    assert code == 0 and "How long does it take?" in out and ids[0] in out


def test_delete_older_than_cleans_up_and_reports(
    capsys: pytest.CaptureFixture[str], database: str
) -> None:
    store, ids, _ = saved_chats(database)
    code, out, _ = run(capsys, "chats", "--delete-older-than", "30")
    assert (code, out.strip()) == (0, "deleted 1 chat(s) older than 30 days")
    assert [c.id for c in store.all_chats()] == ids[:2]
    code, out, _ = run(capsys, "chats", "--delete-older-than", "30", "--json")
    assert json.loads(out) == {"deleted": 0, "older_than_days": 30.0}


def test_empty_store_and_bad_days(capsys: pytest.CaptureFixture[str], database: str) -> None:
    code, out, _ = run(capsys, "chats")
    assert (code, out.strip()) == (0, "no chats saved yet")
    if database.startswith("sqlite"):
        assert not Path(os.environ["ADVISOR_FEEDBACK_DB"]).exists()  # listing creates nothing
    with pytest.raises(SystemExit) as exit_info:
        main(["chats", "--delete-older-than", "-3"])
    assert exit_info.value.code == 2
    assert "0 or more" in capsys.readouterr().err
