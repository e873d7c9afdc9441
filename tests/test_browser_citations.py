"""Citations that land, in Chromium: a click on [n] with the Sources panel closed (the
default) and open scrolls to source [n], lights it up, and leaves the panel usable; a
stopped answer keeps the sources of what it said, so its [n] land too.

One `streamlit run ui/app.py` for the file, the fake model streaming a scripted answer
slowly enough to be stopped, and one Chromium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS
from tests.test_browser import streamlit_app

STARTER = "PyTorch or TensorFlow first?"
SOURCES = re.compile(r"^Sources \(\d+, \d+ cited\)$")
LONG = 120_000
REPLY = (
    "PyTorch is the better first choice in 2026 [1]. "
    + "It is the framework most courses and papers use, and most jobs ask for it [2]. " * 6
)
"""Long enough, at 8 characters per 0.1 s, to be stopped after its first [1]."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WHERE = """id => {
  const target = document.getElementById(id);
  const box = target.getBoundingClientRect();
  const panel = target.closest("details");
  return {top: box.top, height: window.innerHeight, open: panel.open,
          inert: target.closest("[inert]") !== null,
          lit: [...document.querySelectorAll(".advisor-cited")].map(e => e.contains(target)),
          hash: location.hash};
}"""


@pytest.fixture(scope="module")
def app_url(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser-citations")
    env = {
        "ADVISOR_BACKEND": "fake",
        "ADVISOR_FAKE_RESPONSES": json.dumps([REPLY, REPLY]),
        "ADVISOR_FAKE_CHUNK_CHARS": "8",
        "ADVISOR_FAKE_CHUNK_DELAY": "0.1",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(tmp / "feedback.sqlite3"),
    }
    with streamlit_app(env, tmp) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def page(browser: Any, app_url: str) -> Iterator[Any]:
    """One answered question, its Sources panel closed."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})

    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.goto(app_url)
    page.get_by_role("button", name=STARTER).click()
    expect(page.get_by_text(SOURCES)).to_have_count(1, timeout=LONG)
    expect(page.locator('[data-testid="stFeedback"]')).to_have_count(1, timeout=LONG)
    yield page
    page.close()


def landed(page: Any, link: Any) -> dict[str, Any]:
    """Click a citation and wait until its source is lit; where the source ended up."""
    href = link.get_attribute("href")
    assert href and href.startswith("#src-")
    page.evaluate(
        "() => document.querySelectorAll('.advisor-cited')"
        ".forEach(e => e.classList.remove('advisor-cited'))"
    )  # from an earlier click
    link.click()
    page.wait_for_function(
        "id => document.querySelector('.advisor-cited')?.contains(document.getElementById(id))",
        arg=href[1:],
        timeout=30_000,
    )
    where: dict[str, Any] = page.evaluate(WHERE, href[1:])
    where["id"] = href[1:]
    return where


def read_section_works(page: Any, source_id: str) -> None:
    """The lit source's "Read this section" opens the whole section, with no header click."""
    from playwright.sync_api import expect

    entry = page.locator(f".st-key-source_{source_id}")
    entry.get_by_role("button", name="Read this section").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(re.compile(r"The passage cited as \[\d+\]"))).to_be_visible(
        timeout=LONG
    )
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0, timeout=LONG)


def assert_in_view(where: dict[str, Any]) -> None:
    assert where["open"] and not where["inert"], where
    assert 0 <= where["top"] < where["height"] / 3, where  # at the top of the window
    assert where["lit"] == [True], where  # that source, and only it, is highlighted
    assert where["hash"] == f"#{where['id']}", where


def test_a_citation_opens_the_closed_panel_and_lands_on_its_source(page: Any) -> None:
    panel = page.locator("details").filter(has=page.get_by_text(SOURCES)).first
    assert panel.evaluate("d => !d.open")  # closed, as every answer starts
    where = landed(page, page.get_by_role("link", name="[1]").first)
    assert_in_view(where)
    page.wait_for_timeout(1_000)  # the chat does not pull the page back to its bottom
    assert_in_view(page.evaluate(WHERE, where["id"]) | {"id": where["id"]})
    read_section_works(page, where["id"])


def test_a_citation_lands_with_the_panel_already_open(page: Any) -> None:
    panel = page.locator("details").filter(has=page.get_by_text(SOURCES)).first
    if not panel.evaluate("d => d.open"):
        page.get_by_text(SOURCES).first.click()
    page.wait_for_function("d => d.open", arg=panel.element_handle())
    page.get_by_test_id("stChatMessage").first.scroll_into_view_if_needed()
    where = landed(page, page.get_by_role("link", name="[1]").first)
    assert_in_view(where)
    read_section_works(page, where["id"])


def test_a_stopped_answer_keeps_its_sources_and_its_citations_land(
    browser: Any, app_url: str
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})

    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.goto(app_url)
    page.get_by_role("button", name=STARTER).click()
    answer = page.get_by_test_id("stChatMessage").nth(1)
    expect(answer).to_contain_text("[1]", timeout=LONG)
    page.get_by_role("button", name="Stop").click()
    stopped = answer.get_by_text("Stopped: you ended this answer here.")
    expect(stopped).to_be_visible(timeout=LONG)
    expect(answer.get_by_text(SOURCES)).to_have_count(1)
    where = landed(page, answer.get_by_role("link", name="[1]").first)
    assert_in_view(where)
    read_section_works(page, where["id"])
    page.close()
