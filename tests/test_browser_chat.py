"""The chat in a real browser while an answer is being written, and how it looks.

One Streamlit server for the file, with the fake model streaming slowly (a few characters
every 0.12 s), and one Chromium. Proves: a second question sent mid-answer waits and does
not cancel the first; Stop keeps the partial text, marked stopped, with the sources it
was written from; a [n] click reveals its source; dark mode (prefers-color-scheme: dark)
renders the dark theme; at 390 px the roles table scrolls in its own box and the page
does not scroll sideways.

Saves test-artifacts/chat-light.png, chat-dark.png and chat-phone.png (for the README).
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

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
STARTER = "PyTorch or TensorFlow first?"
SECOND = "What does a Data Scientist do?"
SOURCES = re.compile(r"^Sources \(\d+, \d+ cited\)$")
LONG = 120_000
REPLY = (
    "PyTorch is the better first choice in 2026 [1]. It is the dominant framework in research "
    "and increasingly in production, with a more Pythonic, intuitive API [1]. Once you know "
    "PyTorch well, TensorFlow is straightforward to learn when a job needs it [1]. Start with "
    "small models, train them end to end, and read the code of the layers you use [1]."
)
"""The fake model's reply: grounded from its first sentence (a cited answer is shown only
once grounded), then long enough to watch it being written and to stop it."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the built index, the fake model streaming slowly enough to click Stop."""
    tmp = tmp_path_factory.mktemp("browser-chat")
    env = {
        "ADVISOR_BACKEND": "fake",
        "ADVISOR_FAKE_RESPONSES": json.dumps([REPLY] * 40),
        "ADVISOR_FAKE_CHUNK_CHARS": "3",
        "ADVISOR_FAKE_CHUNK_DELAY": "0.12",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(tmp / "feedback.sqlite3"),
    }
    with streamlit_app(env, tmp) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser: Any, url: str, **options: Any) -> Any:
    options.setdefault("viewport", {"width": 1280, "height": 900})
    page = browser.new_page(**options)
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.goto(url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=LONG)
    return page


def bubble(page: Any, n: int) -> Any:
    """The n-th chat message (0: first question, 1: its answer, ...)."""
    return page.locator('[data-testid="stChatMessage"]').nth(n)


def answer_text(page: Any, n: int) -> str:
    text: str = bubble(page, n).locator('[data-testid="stMarkdownContainer"]').first.inner_text()
    return text.replace("▌", "").strip()


def writing(page: Any) -> None:
    """Wait until an answer is visibly being written (its Stop button and some text)."""
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Stop")).to_be_visible(timeout=LONG)
    expect(bubble(page, 1)).to_contain_text("PyTorch", timeout=LONG)


def background_luminance(page: Any) -> float:
    rgb = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    )
    r, g, b = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_a_second_question_mid_answer_waits_and_the_first_finishes(
    browser: Any, app_url: str
) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, app_url, color_scheme="light")
    page.get_by_role("button", name=STARTER).click()
    writing(page)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(SECOND)
    box.press("Enter")  # sent while the first answer is still being written
    expect(page.get_by_text(re.compile("Waiting: this is answered"))).to_be_visible(timeout=LONG)
    expect(page.get_by_text(SOURCES)).to_have_count(2, timeout=LONG)  # both answered, in order
    expect(page.locator('[data-testid="stFeedback"]')).to_have_count(2, timeout=LONG)
    assert page.get_by_text(re.compile("cut off|interrupted|Stopped")).count() == 0
    first = answer_text(page, 1)
    assert "PyTorch" in first and "[1]" in first
    expect(bubble(page, 2)).to_contain_text(SECOND)
    assert background_luminance(page) > 0.8  # the light theme
    page.get_by_role("link", name="[1]").first.click()  # a citation opens its source
    target = page.locator('h3[id$="-1"]').first
    expect(target).to_be_visible(timeout=10_000)
    expect(page).to_have_url(re.compile(r"#src-"), timeout=30_000)  # once it landed there
    page.get_by_text(SOURCES).last.click()  # the second answer's panel, opened by its header
    dialog = page.get_by_role("dialog")
    for _ in range(3):  # a click that lands while the panel re-renders opens nothing: again
        page.get_by_role("button", name="Read this section").last.click()
        try:
            expect(dialog).to_be_visible(timeout=30_000)
            break
        except AssertionError:
            continue
    cited = dialog.get_by_text(re.compile(r"The passage cited as \[\d\]"))
    expect(cited).to_be_visible(timeout=LONG)
    page.keyboard.press("Escape")
    bubble(page, 0).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "chat-light.png"))
    page.close()


CARD_QUESTION = "Is the machine learning specialization free?"
WORDS_WHOLE = """table => {
  const broken = [], lower = [];
  for (const cell of table.querySelectorAll("tbody td")) {
    const text = cell.innerText.trim();
    if (text && text[0] !== text[0].toUpperCase()) lower.push(text.slice(0, 30));
  }
  for (const cell of table.querySelectorAll("tbody td:first-child")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (range.getClientRects().length > 1) broken.push(m[0]);  // a word over two lines
      }
    }
  }
  return {broken, lower};
}"""
HEADINGS = """dialog => {
  const title = dialog.querySelector("h1, h2");
  const size = (e) => parseFloat(getComputedStyle(e).fontSize);
  const inner = [...dialog.querySelectorAll("h1, h2, h3, h4, h5, h6")].filter(h => h !== title);
  return {title: size(title), largest: Math.max(0, ...inner.map(size))};
}"""


def test_the_desktop_layout_reads_cleanly(browser: Any, app_url: str) -> None:
    """Role table words whole and capitalised; a card's dialog titled by the card, no heading
    inside it larger; one New chat button; saved chats' titles start at one left edge; the
    plan's [n] link to its sources."""
    from playwright.sync_api import expect

    page = open_page(browser, app_url, color_scheme="light")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(CARD_QUESTION)
    box.press("Enter")
    expect(page.get_by_text(SOURCES)).to_have_count(1, timeout=LONG)
    expect(page.locator('[data-testid="stFeedback"]')).to_have_count(1, timeout=LONG)
    page.get_by_text(SOURCES).first.click()
    card = page.locator('[class*="st-key-source_"]').filter(
        has=page.get_by_role("link", name=re.compile("Machine Learning Specialization"))
    )
    card.first.get_by_role("button", name="Read this section").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(re.compile(r"The passage cited as \[\d+\]"))).to_be_visible(
        timeout=LONG
    )
    sizes = dialog.evaluate(HEADINGS)
    assert sizes["largest"] <= sizes["title"], sizes
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0, timeout=LONG)

    assert page.get_by_role("button", name="New chat").count() == 1
    page.get_by_role("button", name="New chat").click()
    page.get_by_role("button", name=STARTER).click()
    expect(page.get_by_text(SOURCES)).to_have_count(1, timeout=LONG)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("button", name=STARTER).first).to_be_visible(timeout=LONG)
    lefts = page.locator('[class*="st-key-open_"] button p').evaluate_all(
        "ps => ps.map(p => p.getBoundingClientRect()).filter(r => r.width > 0).map(r => r.left)"
    )
    assert len(lefts) == 2, lefts  # the open chat and the other one
    assert max(lefts) - min(lefts) <= 2, lefts  # their titles start at one left edge

    page.get_by_text("My plan", exact=True).click()
    table = page.locator('[data-testid="stMarkdownContainer"] table').last
    expect(table).to_be_visible(timeout=LONG)
    assert table.evaluate(WORDS_WHOLE) == {"broken": [], "lower": []}
    link = page.locator('a[href^="#src-plan-"]').first  # the plan's [n] are links too
    target = str(link.get_attribute("href"))[1:]
    link.click()
    lit = "id => document.querySelector('.advisor-cited')?.contains(document.getElementById(id))"
    page.wait_for_function(lit, arg=target, timeout=30_000)  # its source, opened and lit
    page.close()


def test_stop_keeps_the_partial_text_marked_stopped(browser: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, app_url)
    page.get_by_role("button", name=STARTER).click()
    writing(page)
    page.get_by_role("button", name="Stop").click()
    stopped = page.get_by_text("Stopped: you ended this answer here.")
    expect(stopped).to_be_visible(timeout=LONG)
    kept = answer_text(page, 1)
    page.wait_for_timeout(1_500)  # an answer still being written would grow meanwhile
    assert answer_text(page, 1) == kept and "PyTorch" in kept
    expect(page.get_by_text(SOURCES)).to_have_count(1)  # the sources it was written from
    expect(page.get_by_role("button", name="Regenerate")).to_be_visible()
    page.close()


def test_dark_mode_follows_the_system(browser: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, app_url, color_scheme="dark")
    assert background_luminance(page) < 0.2
    page.get_by_role("button", name=STARTER).click()
    expect(page.get_by_text(SOURCES)).to_have_count(1, timeout=LONG)
    expect(page.locator('[data-testid="stFeedback"]')).to_have_count(1, timeout=LONG)
    assert background_luminance(page) < 0.2
    page.screenshot(path=str(ARTIFACTS / "chat-dark.png"))
    page.close()


def test_a_phone_never_scrolls_sideways(browser: Any, app_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, app_url, viewport={"width": 390, "height": 844}, is_mobile=True)
    box = page.get_by_test_id("stChatInputTextArea")
    placeholder = box.evaluate("e => [e.scrollWidth, e.clientWidth, e.placeholder]")
    assert placeholder[0] <= placeholder[1], placeholder  # the placeholder fits its box
    page.get_by_role("button", name=STARTER).click()
    expect(page.get_by_text(SOURCES)).to_have_count(1, timeout=LONG)
    expect(page.locator('[data-testid="stFeedback"]')).to_have_count(1, timeout=LONG)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))
    page.get_by_text("My plan", exact=True).click()
    table = page.locator('[data-testid="stMarkdownContainer"] table').last
    expect(table).to_be_visible(timeout=LONG)
    widths = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert widths[1] <= 390 and widths[0] >= widths[1], widths  # scrolls inside its own box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.close()
