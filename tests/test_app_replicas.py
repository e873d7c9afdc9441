"""Two app replicas on one PostgreSQL server: a chat begun on one is continued on the other.

Two `streamlit run ui/app.py` processes (each with its own copy of the index) share only
ADVISOR_DATABASE_URL, as two replicas behind a load balancer do. Debian's Chromium asks a
question on replica A, opens the same URL on replica B (the balancer sent the browser
elsewhere), asks the follow-up there, and a reload on A shows the whole chat.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from advisor.chats import ChatStore
from tests.postgres import Postgres
from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS
from tests.test_browser import STARTER, ask_starter_and_wait, streamlit_app

FOLLOW_UP = "and how long would that take?"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def replica_env(index_dir: Path, folder: Path, database: str) -> dict[str, str]:
    """One replica's settings: its own index copy and SQLite path (never used), the shared
    database."""
    store = folder / "store"
    shutil.copytree(index_dir, store)
    return {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(store),
        "ADVISOR_FEEDBACK_DB": str(folder / "unused.sqlite3"),
        "ADVISOR_DATABASE_URL": database,
    }


def test_a_chat_begun_on_one_replica_continues_on_the_other(
    index_dir: Path, tmp_path: Path, postgres: Postgres
) -> None:
    from playwright.sync_api import expect, sync_playwright

    database = postgres.new_database()
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir(), b_dir.mkdir()
    a_env = replica_env(index_dir, a_dir, database)
    b_env = replica_env(index_dir, b_dir, database)
    with (
        streamlit_app(a_env, a_dir) as replica_a,
        streamlit_app(b_env, b_dir) as replica_b,
        sync_playwright() as p,
    ):
        assert replica_a != replica_b
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            page.goto(replica_a)
            ask_starter_and_wait(page)
            messages = page.locator('[data-testid="stChatMessage"]')
            first_answer = messages.nth(1).locator('[data-testid="stMarkdownContainer"]').first
            answer_text = first_answer.inner_text()
            expect(page).to_have_url(re.compile(r"[?&]chat=[A-Za-z0-9_-]{8,}"))
            query = urlsplit(page.url).query
            params = {k: v[0] for k, v in parse_qs(query).items()}

            page.goto(f"{replica_b}/?{query}")  # the next request lands on the other replica
            expect(messages).to_have_count(2, timeout=120_000)
            expect(messages.nth(0)).to_contain_text(STARTER)
            expect(messages.nth(1)).to_contain_text(answer_text[:60])
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_role("button", name=STARTER)).to_be_visible(timeout=120_000)
            box = page.get_by_test_id("stChatInputTextArea")
            expect(box).to_be_editable(timeout=120_000)
            box.fill(FOLLOW_UP)
            box.press("Enter")  # a follow-up: answered with the chat begun on A as history
            expect(messages.nth(2)).to_contain_text(FOLLOW_UP, timeout=60_000)
            expect(page.get_by_text(re.compile(r"^Sources \("))).to_have_count(2, timeout=180_000)
            expect(messages.nth(3)).to_contain_text("months")
            assert urlsplit(page.url).query == query  # still the same chat, same browser id

            page.goto(f"{replica_a}/?{query}")  # and back on A, the whole chat is there
            expect(messages).to_have_count(4, timeout=120_000)
            expect(messages.nth(2)).to_contain_text(FOLLOW_UP)
            expect(messages.nth(3)).to_contain_text("months")
        finally:
            browser.close()

    store = ChatStore(database)  # one chat, in PostgreSQL: A's question and answer, then B's
    saved = store.messages(params["browser"], params["chat"])
    store.close()
    assert [(m.role, m.text) for m in saved[::2]] == [("user", STARTER), ("user", FOLLOW_UP)]
    assert [m.role for m in saved] == ["user", "assistant", "user", "assistant"]
    assert saved[3].reply_to == saved[2].id and "months" in saved[3].text
    assert [c.id for c in ChatStore(database).all_chats()] == [params["chat"]]
    assert not (a_dir / "unused.sqlite3").exists() and not (b_dir / "unused.sqlite3").exists()
