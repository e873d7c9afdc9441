"""Browser ids are issued by the store, and chats are capped across all browsers.

A link carrying a made-up `?browser=` id (one an attacker could later read) starts a new,
empty list under a freshly issued id; an id the store issued keeps its chats. Starting a
chat beyond ADVISOR_MAX_CHATS_TOTAL drops the least recently used chat of any browser.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from advisor import Settings
from advisor.chats import ChatMessage, ChatStore, new_browser_id
from tests.test_chats import Clock, ask
from tests.test_ui_chats import click, listed, start


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_only_issued_ids_are_known(chat_db: str, clock: Clock) -> None:
    store = ChatStore(chat_db, max_days=30, clock=clock)
    issued = store.issue_browser()
    assert store.issued(issued) and issued != store.issue_browser()
    assert not store.issued(new_browser_id())  # well-formed, never issued
    assert not store.issued("x' OR 1=1 --") and not store.issued(None)
    other = new_browser_id()
    store.start(other, ask("PyTorch first?"))  # a chat saved under an id makes it known
    assert store.issued(other)
    clock.advance(31)  # ids nobody saved a chat under are forgotten after the age cap
    store.issue_browser()
    assert not store.issued(issued) and store.issued(other)


def test_ids_of_chats_saved_before_issuing_keep_their_lists(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema before browser ids were recorded
        conn.execute(
            "CREATE TABLE chats (id TEXT PRIMARY KEY, browser TEXT NOT NULL, title TEXT NOT "
            "NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, seq INTEGER NOT NULL)"
        )
        conn.execute(
            "INSERT INTO chats VALUES ('chat-0001', 'old-browser-id-0001', 't', "
            "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 1)"
        )
    assert ChatStore(path).issued("old-browser-id-0001")


def test_chats_are_capped_across_browsers_least_recently_used_first(
    chat_db: str, clock: Clock
) -> None:
    store = ChatStore(chat_db, max_chats=10, max_total=3, clock=clock)
    browsers = [store.issue_browser() for _ in range(4)]
    first = store.start(browsers[0], ask("one"))[0]
    second, question = store.start(browsers[1], ask("two"))
    third = store.start(browsers[2], ask("three"))[0]
    store.append(browsers[0], first.id, ChatMessage(role="user", text="one, again"))  # used last
    fourth = store.start(browsers[3], ask("four"))[0]
    left = {c.id for c in store.all_chats()}
    assert left == {first.id, third.id, fourth.id}  # "two" was the least recently used
    assert store.chats(browsers[1]) == [] and len(store.all_chats()) == 3
    assert second.id not in left and question.id is not None


def test_the_setting_reaches_the_store(tmp_path: Path) -> None:
    settings = Settings.from_env(
        env={"ADVISOR_MAX_CHATS_TOTAL": "7"}, feedback_db=tmp_path / "f.sqlite3"
    )
    assert ChatStore.from_settings(settings).max_total == 7
    with pytest.raises(Exception, match="ADVISOR_MAX_CHATS_TOTAL"):
        Settings.from_env(env={"ADVISOR_MAX_CHATS_TOTAL": "0"})


def test_a_link_with_a_made_up_browser_id_starts_a_new_list(built_env: Path) -> None:
    crafted = new_browser_id()  # what an attacker puts in a link to read the victim's chats
    victim = click(start({"browser": crafted}), "starter_0")
    issued = victim.query_params["browser"]
    assert issued != crafted and listed(victim)  # the chat is saved under an issued id
    attacker = start({"browser": crafted})
    assert listed(attacker) == []  # the crafted id holds nothing
    again = start({"browser": issued})  # the victim's own reload keeps the list
    assert again.query_params["browser"] == issued and listed(again) == listed(victim)
