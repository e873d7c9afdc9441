"""A saved chat in a real browser: ask, reload, and the chat is still there.

One `streamlit run ui/app.py` driven by Debian's Chromium. Saves
test-artifacts/browser-chat-reload.png (the chat after a reload, listed in the sidebar).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS
from tests.test_browser import ARTIFACTS, STARTER, ask_starter_and_wait, streamlit_app

FOLLOW_UP = "and how long would that take?"
CUT_OFF = "This answer was cut off before it finished."

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def app_url(index_dir: Path, tmp_path: Path) -> Iterator[str]:
    """The app on a free loopback port over the built index, with its own chats file."""
    env = {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    with streamlit_app(env, tmp_path) as url:
        yield url


def test_a_chat_survives_a_reload(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    cut = False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            page.goto(app_url)
            ask_starter_and_wait(page)
            messages = page.locator('[data-testid="stChatMessage"]')
            answer = messages.nth(1).locator('[data-testid="stMarkdownContainer"]').first
            answer_text = answer.inner_text()
            assert "PyTorch" in answer_text
            expect(page).to_have_url(re.compile(r"[?&]chat=[A-Za-z0-9_-]{8,}"))
            params = parse_qs(urlsplit(page.url).query)
            assert set(params) == {"browser", "chat"}

            page.reload()  # the whole chat comes back: question, answer, sources, the list
            expect(messages).to_have_count(2, timeout=120_000)
            expect(messages.nth(0)).to_contain_text(STARTER)
            expect(messages.nth(1)).to_contain_text(answer_text[:60])
            expect(page.get_by_text(re.compile(r"^Sources \("))).to_have_count(1)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_role("button", name=STARTER)).to_be_visible(timeout=120_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "browser-chat-reload.png"))

            box = page.get_by_test_id("stChatInputTextArea")  # reload while answering:
            expect(box).to_be_editable(timeout=120_000)
            box.fill(FOLLOW_UP)
            box.press("Enter")
            expect(messages.nth(2)).to_contain_text(FOLLOW_UP, timeout=60_000)
            page.reload()
            expect(messages.nth(2)).to_contain_text(FOLLOW_UP, timeout=120_000)  # kept
            reply = messages.nth(3)  # every answer has a Regenerate: look at this reply only
            cut_off = reply.get_by_text(CUT_OFF)
            reply_sources = reply.get_by_text(re.compile(r"^Sources \("))
            expect(cut_off.or_(reply_sources)).to_be_visible(timeout=60_000)
            cut = cut_off.is_visible()
            if cut:  # the answer was cut: it can be asked for again
                reply.get_by_role("button", name="Regenerate").click()
            expect(reply_sources).to_be_visible(timeout=120_000)
            expect(cut_off).to_have_count(0)
            expect(page.get_by_text(re.compile(r"^Sources \("))).to_have_count(2)
            expect(reply).to_contain_text("months")
        finally:
            browser.close()
    print(f"\nreload mid-answer: {'answer cut, regenerated' if cut else 'answer kept'}")
