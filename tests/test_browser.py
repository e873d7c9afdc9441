"""One real browser session: `streamlit run ui/app.py` driven by Debian's Chromium.

Prints (never asserts) the time from server start to the first answer and the time a
follow-up takes to finish streaming. Saves test-artifacts/browser-answer.png (laptop)
and browser-phone.png (390 px); docs/screenshot.png is written when it is missing or
ADVISOR_UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
STARTER = "PyTorch or TensorFlow first?"
FOLLOW_UP = "and how long would that take?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
]


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit was not healthy within {timeout:.0f} s:\n{log.read_text()}")


@contextlib.contextmanager
def streamlit_app(env: Mapping[str, str], folder: Path) -> Iterator[str]:
    """`streamlit run ui/app.py` on a free loopback port with `env` over os.environ; its log
    goes to `folder`; yields the URL once healthy and stops the process afterwards."""
    port = free_port()
    log = folder / "streamlit.log"
    command = [
        *(sys.executable, "-m", "streamlit", "run", "ui/app.py"),
        *("--server.headless", "true", "--server.address", "127.0.0.1"),
        *("--server.port", str(port), "--browser.gatherUsageStats", "false"),
    ]
    with running_app(command, port, ROOT, {**os.environ, **env}, log) as url:
        yield url


@contextlib.contextmanager
def running_app(
    argv: list[str], port: int, cwd: Path, env: Mapping[str, str], log: Path
) -> Iterator[str]:
    """Run `argv` in `cwd` with exactly `env`, logging to `log`; yield the app's URL once it is
    healthy and stop the process afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, log)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture
def server(index_dir: Path, tmp_path: Path) -> Iterator[tuple[str, float]]:
    """The app on a free loopback port over the built index: (url, start time)."""
    env = {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    started = time.monotonic()
    with streamlit_app(env, tmp_path) as url:
        yield url, started


def assistant_messages(page: object) -> object:
    return page.locator('[data-testid="stChatMessage"]').filter(  # type: ignore[attr-defined]
        has=page.locator('[data-testid="stChatMessageAvatarCustom"]')  # type: ignore[attr-defined]
    )


def ask_starter_and_wait(page: object) -> None:
    page.get_by_role("button", name=STARTER).click()  # type: ignore[attr-defined]
    sources = page.get_by_text(re.compile(r"^Sources \(\d+, \d+ cited\)$"))  # type: ignore[attr-defined]
    sources.first.wait_for(timeout=120_000)
    page.locator('[data-testid="stFeedback"]').first.wait_for(timeout=60_000)  # type: ignore[attr-defined]


WATCH_GROWTH = """
() => {
  window.__snapshots = [];
  const record = () => {
    const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
    if (messages.length >= 4) window.__snapshots.push(messages[3].innerText);
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}
"""


def grown_texts(page: object) -> list[str]:
    """The distinct texts the follow-up's answer bubble showed while it streamed, in order."""
    snapshots: list[str] = page.evaluate("() => window.__snapshots")  # type: ignore[attr-defined]
    seen: list[str] = []
    for text in snapshots:
        text = text.strip()
        if text and "Searching" not in text and "Sources (" not in text and text not in seen:
            seen.append(text)
    return seen


def scroll_to_top(page: object) -> None:
    """Show the title, question and answer (the chat may still be scrolling to the bottom)."""
    title = page.locator("h1").first  # type: ignore[attr-defined]
    for _ in range(10):
        page.wait_for_timeout(400)  # type: ignore[attr-defined]
        title.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(400)  # type: ignore[attr-defined]
        box = title.bounding_box()
        if box and box["y"] >= 0:
            return


def show_my_plan(page: object) -> None:
    """Switch to "My plan", set a profile, tick a step; saves docs/plan.png like the screenshot."""
    from playwright.sync_api import expect

    page.get_by_text("My plan", exact=True).click()  # type: ignore[attr-defined]
    expect(page.get_by_text("About 12–24 months")).to_be_visible(timeout=60_000)  # type: ignore[attr-defined]
    hours = page.get_by_label("Hours per week")  # type: ignore[attr-defined]
    hours.fill("10")
    page.get_by_role("button", name="Update my plan").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("About 24–48 months")).to_be_visible(timeout=60_000)  # type: ignore[attr-defined]
    step = page.get_by_text("Step 1. Understand the AI/ML Role Landscape")  # type: ignore[attr-defined]
    step.click()
    expect(page.get_by_role("checkbox").first).to_be_checked()  # type: ignore[attr-defined]
    expect(page.get_by_text("Download my plan (Markdown)")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_text("Not covered by the guide.").first).to_be_attached()  # type: ignore[attr-defined]
    metric = page.get_by_text("Estimated time to entry-level readiness")  # type: ignore[attr-defined]
    metric.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    shot = ARTIFACTS / "browser-plan.png"
    page.screenshot(path=str(shot))  # type: ignore[attr-defined]
    docs = ROOT / "docs" / "plan.png"
    if not docs.exists() or os.environ.get("ADVISOR_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, docs)


PAGE_OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('.st-key-plan_page *')].filter(e => {
    const box = e.getBoundingClientRect();
    const scroller = e.closest('table');  // tables scroll inside their own box
    return box.width && box.right > window.innerWidth + 1 && (!scroller || scroller === e);
  });
  return {page: root.scrollWidth - window.innerWidth, wide: wide.map(e => e.tagName).slice(0, 5)};
}"""


def plan_fits_a_phone(phone: object) -> None:
    """At 390 px the plan (form, steps, role table, sources) never scrolls the page sideways."""
    from playwright.sync_api import expect

    phone.get_by_text("My plan", exact=True).click()  # type: ignore[attr-defined]
    phone.get_by_label("Language you program in most").fill("Java")  # type: ignore[attr-defined]
    phone.get_by_label("Hours per week").fill("10")  # type: ignore[attr-defined]
    phone.get_by_role("button", name="Update my plan").click()  # type: ignore[attr-defined]
    expect(phone.get_by_text("What drives it")).to_be_visible(timeout=60_000)  # type: ignore[attr-defined]
    phone.get_by_text(re.compile(r"^Sources on this page")).click()  # type: ignore[attr-defined]
    table = phone.locator(".st-key-plan_page table").first  # type: ignore[attr-defined]
    expect(table).to_be_visible()
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert table.evaluate("t => t.getBoundingClientRect().right") <= 391
    overflow = phone.evaluate(PAGE_OVERFLOW)  # type: ignore[attr-defined]
    assert overflow["page"] <= 1 and not overflow["wide"], overflow
    table.scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "browser-plan-phone.png"))  # type: ignore[attr-defined]


def test_chat_in_a_real_browser(server: tuple[str, float]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, started = server
    ARTIFACTS.mkdir(exist_ok=True)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url)

            ask_starter_and_wait(page)
            first_answer = time.monotonic() - started
            reply = page.locator('[data-testid="stChatMessage"]').nth(1)
            expect(reply).to_contain_text("PyTorch")
            expect(reply).to_contain_text("[1]")

            page.get_by_text(re.compile(r"^Sources \(")).first.click()
            expect(page.get_by_text(re.compile(r"^\[1\]")).first).to_be_visible()
            link = reply.locator('[data-testid="stExpanderDetails"] a[href^="https://"]')
            expect(link.first).to_be_visible()
            scroll_to_top(page)
            shot = ARTIFACTS / "browser-answer.png"
            page.screenshot(path=str(shot))
            docs = ROOT / "docs" / "screenshot.png"
            if not docs.exists() or os.environ.get("ADVISOR_UPDATE_SCREENSHOT") == "1":
                docs.parent.mkdir(exist_ok=True)
                shutil.copyfile(shot, docs)

            first_text = reply.locator('[data-testid="stMarkdownContainer"]').first.inner_text()
            page.evaluate(WATCH_GROWTH)
            asked = time.monotonic()
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill(FOLLOW_UP)
            box.press("Enter")
            expect(page.get_by_text(re.compile(r"^Sources \("))).to_have_count(2, timeout=120_000)
            expect(page.locator('[data-testid="stFeedback"]')).to_have_count(2, timeout=60_000)
            second_answer = time.monotonic() - asked
            expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(4)
            second = page.locator('[data-testid="stChatMessage"]').nth(3)
            second_text = second.locator('[data-testid="stMarkdownContainer"]').first.inner_text()
            assert "months" in second_text and second_text != first_text
            grown = grown_texts(page)  # the answer grew on screen: several partial texts
            assert len(grown) >= 3, grown
            assert len(grown[0]) < len(grown[-1]), grown

            show_my_plan(page)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.set_default_timeout(ACTION_TIMEOUT_MS)
            phone.on("request", lambda request: requests.append(request.url))
            phone.goto(url)
            ask_starter_and_wait(phone)
            phone.get_by_text(re.compile(r"^Sources \(")).first.click()
            scroll_to_top(phone)
            phone.screenshot(path=str(ARTIFACTS / "browser-phone.png"))
            plan_fits_a_phone(phone)
        finally:
            browser.close()

    print(f"\nserver start -> first answer rendered: {first_answer:.1f} s")
    print(f"follow-up asked -> answer finished streaming: {second_answer:.1f} s")
    hosts = {
        urlsplit(u).hostname
        for u in requests
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
    }
    assert requests and hosts <= {"127.0.0.1", "localhost"}, sorted(hosts)
