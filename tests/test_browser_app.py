"""The app keeps its own look wherever it is started: `advisor app`, and a bare
`streamlit run /path/to/ui/app.py`, both from a folder with no Streamlit settings.

Each start is checked in Chromium: the brand teal is used and Streamlit's default red is
not, there is no Deploy button or developer menu, and a starter question is answered, the
question showing before its answer (on a fresh app, with "Loading the search model (first
question only)…" while the model loads: printed, as a fast machine may load it first).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, free_port
from tests.test_browser import STARTER, ask_starter_and_wait, running_app

ROOT = Path(__file__).resolve().parents[1]
TEAL = "15, 118, 110"
STREAMLIT_RED = "255, 75, 75"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COLOURS = """() => {
  const seen = new Set();
  for (const e of document.querySelectorAll("*")) {
    const s = getComputedStyle(e);
    for (const v of [s.backgroundColor, s.borderTopColor, s.color, s.outlineColor]) seen.add(v);
  }
  return [...seen];
}"""


@contextlib.contextmanager
def started(argv: list[str], port: int, folder: Path, env: dict[str, str]) -> Iterator[str]:
    """Run `argv` in `folder` (a folder without .streamlit) until the app on `port` is
    healthy; stop it afterwards."""
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with running_app(argv, port, folder, full, folder / f"app-{port}.log") as url:
        yield url


@pytest.fixture
def elsewhere(tmp_path: Path, index_dir: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "somewhere-else"
    folder.mkdir()
    env = {
        "ADVISOR_BACKEND": "extractive",
        "ADVISOR_STORE_DIR": str(index_dir),
        "ADVISOR_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
    }
    return folder, env


WATCH = """() => {
  window.__seen = [];
  const look = () => {
    const messages = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
    window.__seen.push({
      question: messages.length > 0,
      loading: document.body.innerText.includes("Loading the search model (first question only)"),
      answered: document.body.innerText.includes("Sources ("),
    });
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true});
}"""
"""Records, at every change of the page, whether the question, the loading note and the
answer's sources are shown."""


def looks_like_the_app(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page: Any = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(ACTION_TIMEOUT_MS)
            page.goto(url)
            page.get_by_role("button", name=STARTER).wait_for(timeout=120_000)
            page.evaluate(WATCH)
            ask_starter_and_wait(page)
            seen: list[dict[str, Any]] = page.evaluate("() => window.__seen")
            shown = [s for s in seen if s["question"]]
            assert shown and not shown[0]["answered"]  # the question shows before its answer
            loading = any(s["loading"] for s in seen)
            print(f"\ncold start: the question showed with the loading note: {loading}")
            colours = " ".join(page.evaluate(COLOURS))
            assert TEAL in colours and STREAMLIT_RED not in colours
            assert page.get_by_test_id("stAppDeployButton").count() == 0
            assert page.get_by_test_id("stMainMenu").count() == 0
            assert re.search("PyTorch", page.get_by_test_id("stChatMessage").nth(1).inner_text())
        finally:
            browser.close()


def test_advisor_app_starts_the_app_with_its_settings_from_any_folder(
    elsewhere: tuple[Path, dict[str, str]],
) -> None:
    folder, env = elsewhere
    port = free_port()
    advisor = [sys.executable, "-c", "import sys; from advisor.cli import main; sys.exit(main())"]
    with started([*advisor, "app", "--port", str(port)], port, folder, env) as url:
        looks_like_the_app(url)


def test_streamlit_run_from_another_folder_gets_the_same_settings(
    elsewhere: tuple[Path, dict[str, str]],
) -> None:
    folder, env = elsewhere
    port = free_port()
    argv = [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app.py")]
    argv += ["--server.headless", "true", "--server.address", "127.0.0.1"]
    with started([*argv, "--server.port", str(port)], port, folder, env) as url:
        looks_like_the_app(url)
