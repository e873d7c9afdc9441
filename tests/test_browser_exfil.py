"""A document carrying every known Markdown exfiltration form, answered offline in Chromium.

One app start, one conversation: the question itself carries an image (shown back in the
user's bubble and the chat list), the offline answer quotes the document, and the sources
under it quote its passages. A canary server on 127.0.0.1 must receive no request, and no
element that fetches by itself may point at it (an address the document wrote as plain text
may still show as an http link: a link is only followed when a user clicks it).
The streamed LLM answer with the same forms is checked in test_browser_poisoned.py.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from advisor import Settings
from tests.exfil_forms import canary, document
from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS
from tests.test_browser import streamlit_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "What does the Zorblax toolkit track?"


@pytest.fixture(scope="module")
def zorblax(
    index_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str, list[str]]]:
    """(a store with the forms document added, the canary's URL, the paths it was asked for)."""
    from ingest import ingest

    with canary() as (url, hits):
        work = tmp_path_factory.mktemp("zorblax-browser")
        store_dir = work / "store"
        shutil.copytree(index_dir, store_dir)
        (work / "docs").mkdir()
        (work / "docs" / "zorblax.md").write_text(document(url), encoding="utf-8")
        report = ingest(
            [work / "docs"], settings=Settings.from_env(env={}, store_dir=store_dir), progress=False
        )
        assert report.added == 1
        yield store_dir, url, hits


def test_the_forms_answered_offline_fetch_nothing_in_a_real_browser(
    zorblax: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    store_dir, url, hits = zorblax
    port = urlsplit(url).port
    env = {
        "ADVISOR_STORE_DIR": str(store_dir),
        "ADVISOR_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "ADVISOR_BACKEND": "extractive",
    }
    requests: list[str] = []
    with streamlit_app(env, tmp_path) as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(app)
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=120_000)
            box.fill(f"{QUESTION} ![q]({url}/question.png) ![q2][q]\n\n[q]: {url}/question-ref.png")
            box.press("Enter")
            sources = page.get_by_text(re.compile(r"^Sources \(\d+, \d+ cited\)$")).first
            sources.wait_for(timeout=120_000)
            reply = page.locator('[data-testid="stChatMessage"]').nth(1)
            expect(reply).to_contain_text("Zorblax")
            sources.click()  # the quoted passages of each source
            expect(reply.get_by_text("Zorblax Toolkit").first).to_be_visible()
            page.wait_for_timeout(2_000)  # time for any lazy fetch to fire
            pointing = page.locator(
                f"[src*=':{port}'], [srcset*=':{port}'], :not(a)[href*=':{port}'], [poster], "
                "[style*='url('], a[href^='javascript:' i], a[href^='data:' i], [onerror], "
                "iframe, object, embed, video, svg image"
            )
            found = pointing.evaluate_all("els => els.map(e => e.outerHTML.slice(0, 200))")
            images = page.locator('[data-testid="stChatMessage"] img').count()
            question_shown = page.locator('[data-testid="stChatMessage"]').first.inner_text()
        finally:
            browser.close()
    assert "What does the Zorblax toolkit track?" in question_shown
    assert hits == [], hits
    assert [u for u in requests if urlsplit(u).port == port] == []
    assert found == [], found
    assert images == 0
