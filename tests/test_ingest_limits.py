"""Ingest that cannot run forever: special files, per-file caps, a parse budget, odd bytes.

Each test injects one fault (a named pipe, a symlink loop, a 100,000-deep page, a PDF
over the page cap, a Markdown file over the records cap, a parser that never returns)
and checks that ingest still returns, with a reason per skipped file, and releases
its writer lock. Waits are bounded by thread joins, so a regression fails, not hangs.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from advisor import Settings, Store
from advisor.cli import main
from advisor.records import Chunk
from ingest import IngestReport, ingest
from ingest.discovery import Doc
from ingest.html import html_text
from ingest.loaders import LoadError, decode_text, load_html
from ingest.parsing import Recipe, parse_document
from ingest.worker import ParseWorker

GOOD = "# Good notes\n\nCross-validation estimates how a model generalises.\n"
STRAY = "# Zürich notes\n\nCafé culture — a naïve résumé of the city.\n".encode()
STRAY = STRAY[:20] + b"\x92" + STRAY[20:]  # one byte that is not UTF-8, inside UTF-8 text


def _in_thread(fn: Any, timeout: float) -> Any:
    """fn() in a daemon thread; fails the test (instead of hanging) when it overruns."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the test below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def _pdf(pages: int, text: str) -> bytes:
    """A PDF of `pages` pages that all show `text` (one shared content stream)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    content = writer._add_object(stream)
    for _ in range(pages):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        page[NameObject("/Contents")] = content
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _deep_html(depth: int, hidden: bool = False) -> bytes:
    attr = " hidden" if hidden else ""
    inner = "<div>" * depth + "DEEP_MARKER" + "</div>" * depth
    return (
        f"<html><body><h1>Deep page</h1><div{attr}>{inner}</div>"
        "<p>Visible text after the nesting.</p></body></html>"
    ).encode()


# --- fast unit tests: decoding, the HTML cleaner, the parse worker ------------------------


def test_utf8_with_a_stray_byte_stays_utf8_with_that_byte_replaced() -> None:
    text = decode_text(STRAY)
    assert text == STRAY.decode("utf-8", errors="replace")
    assert text.count("\ufffd") == 1 and "Zürich" in text and "naïve résumé" in text
    assert "Ã" not in text


def test_real_cp1252_and_latin1_files_still_decode() -> None:
    cp1252 = "Café — naïve “quotes” and 50 € fees."
    assert decode_text(cp1252.encode("cp1252")) == cp1252
    latin1 = "Façade, Ærøskøbing, déjà vu."
    assert decode_text(latin1.encode("latin-1")) == latin1
    assert decode_text(b"plain ASCII and one \x92 quote") == "plain ASCII and one \u2019 quote"


def test_a_100000_deep_page_is_cleaned_in_bounded_time() -> None:
    """Was quadratic (>300 s); a generous bound, not a speed assertion."""
    page = _deep_html(100_000)
    assert len(page) > 1_000_000
    loaded = _in_thread(lambda: load_html(page), timeout=60)
    assert "DEEP_MARKER" in loaded.text and "Visible text after" in loaded.text
    hidden = _in_thread(lambda: load_html(_deep_html(100_000, hidden=True)), timeout=60)
    assert "DEEP_MARKER" not in hidden.text and "Visible text after the nesting." in hidden.text
    assert hidden.title == "Deep page"


def test_the_cleaner_drops_what_a_reader_cannot_see() -> None:
    text, title = html_text(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<nav>menu</nav><main><h2>Topic <b>one</b></h2><p>Shown\u200b.</p>"
        "<!-- note --><div hidden><p>x</div><span aria-hidden=TRUE>y</span>"
        "<i style='visibility: hidden'>z</i><ul><li>item</ul><script>s()</script>"
        "</main><p>outside main</p></body></html>"
    )
    assert title == "T"
    assert [line for line in text.split("\n") if line] == [
        "## Topic one",
        "Shown\u200b.",
        "- item",
    ]


def test_unmatched_end_tags_and_unclosed_elements_are_handled() -> None:
    text, _ = html_text("</p></div><div><p>one<p>two</span></div>three" + "</b>" * 50_000)
    assert [line for line in text.split("\n") if line] == ["onetwo", "three"]


def _sleep_forever(_: Any) -> None:
    time.sleep(3600)


def _echo(value: Any) -> Any:
    return value


def _refuse(reason: str) -> None:
    raise LoadError(reason)


def _die(code: int) -> None:
    os._exit(code)


def test_the_worker_is_reused_and_replaced_after_a_kill() -> None:
    with ParseWorker(budget=1.0) as worker:
        assert worker.run(_echo, "a") == "a" and worker.run(_echo, 2) == 2
        assert worker.starts == 1  # one process for many files
        started = time.monotonic()
        with pytest.raises(LoadError) as slow:
            worker.run(_sleep_forever, None)
        assert time.monotonic() - started < 1.0 + 30  # killed at the budget, generously
        assert str(slow.value) == (
            "parsing took longer than the 1-second budget (ADVISOR_INGEST_FILE_SECONDS)"
        )
        assert worker.run(_echo, "after") == "after" and worker.starts == 2
        with pytest.raises(LoadError, match=r"^no good$"):
            worker.run(_refuse, "no good")
        with pytest.raises(LoadError, match=r"stopped unexpectedly \(exit code 3\)"):
            worker.run(_die, 3)
        assert worker.run(_echo, "again") == "again" and worker.starts == 3


def test_caps_name_their_settings() -> None:
    settings = Settings.from_env(env={}, max_file_records=40, max_file_chars=5000)
    recipe = Recipe.from_settings(settings)

    def doc(name: str, data: bytes, kind: str) -> Doc:
        return Doc(key=f"r::{name}", root="r", source=name, display=name, data=data, kind=kind)

    prose = "# Notes\n\n" + "A short sentence here. " * 100
    with pytest.raises(LoadError) as records:
        parse_document(doc("many.md", prose.encode(), "markdown"), recipe)
    assert str(records.value).endswith("more than the 40-record cap (ADVISOR_MAX_FILE_RECORDS)")
    with pytest.raises(LoadError) as chars:
        parse_document(doc("long.txt", b"word " * 2000, "text"), recipe)
    assert str(chars.value) == ("text longer than the 5000-character cap (ADVISOR_MAX_FILE_CHARS)")
    with pytest.raises(LoadError) as pdf_chars:
        parse_document(doc("long.pdf", _pdf(200, "x" * 60), "pdf"), recipe)
    assert str(pdf_chars.value) == str(chars.value)
    small = parse_document(doc("ok.md", GOOD.encode(), "markdown"), recipe)
    assert small and all(isinstance(r, Chunk) for r in small)


# --- slow: whole ingests with the real model -----------------------------------------------


@pytest.mark.slow
def test_every_hostile_file_is_skipped_with_its_reason_in_the_json_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADVISOR_MAX_FILE_RECORDS", "60")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    os.mkfifo(folder / "fifo.md")
    (folder / "loop.md").symlink_to(folder / "loop.md")
    (folder / "ping.md").symlink_to(folder / "pong.md")
    (folder / "pong.md").symlink_to(folder / "ping.md")
    (folder / "book.pdf").write_bytes(_pdf(501, "One page of a very long book."))
    (folder / "many.md").write_text("# Many\n\n" + "Short sentence. " * 400, encoding="utf-8")
    (folder / "stray.md").write_bytes(STRAY)
    (folder / "deep.html").write_bytes(_deep_html(100_000))

    code = _in_thread(lambda: main(["ingest", str(folder), "--json"]), timeout=600)
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons == {
        "fifo.md": "not a regular file (a named pipe)",
        "loop.md": "symlink loop",
        "ping.md": "symlink loop",
        "pong.md": "symlink loop",
        "book.pdf": "501 pages, more than the 500-page cap (ADVISOR_MAX_PDF_PAGES)",
        "many.md": reasons["many.md"],
    }
    assert reasons["many.md"].endswith("more than the 60-record cap (ADVISOR_MAX_FILE_RECORDS)")
    assert report["added"] == 3  # good.md, stray.md and deep.html
    chunks = Store.open(Settings.from_env()).all_chunks()
    stray = " ".join(c.text for c in chunks if c.source == "stray.md")
    assert "Zürich" in stray and "\ufffd" in stray and "Ã" not in stray
    assert any("Visible text after the nesting." in c.text for c in chunks)

    # the pipe, given directly, is refused the same way
    direct = _in_thread(lambda: _ingest([folder / "fifo.md"]), timeout=60)
    assert [(s.path, s.reason) for s in direct.skipped] == [
        (str(folder / "fifo.md"), "not a regular file (a named pipe)")
    ]


def _ingest(inputs: list[Path]) -> IngestReport:
    return ingest(inputs, settings=Settings.from_env(), progress=False)


def _slow_for_one_file(doc: Doc, recipe: Recipe) -> list[Chunk]:
    """Parses like ingest does, except that `slow.md` never finishes (runs in the worker)."""
    if doc.source == "slow.md":
        time.sleep(3600)
    return parse_document(doc, recipe)


@pytest.mark.slow
def test_a_file_over_the_parse_budget_is_skipped_and_the_lock_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_INGEST_FILE_SECONDS", "1")
    monkeypatch.setattr("ingest.pipeline.parse_document", _slow_for_one_file)
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.md", "slow.md", "z.md"):
        (folder / name).write_text(GOOD.replace("Good", name), encoding="utf-8")

    report = _in_thread(lambda: _ingest([folder]), timeout=300)
    assert [(s.path, s.reason) for s in report.skipped] == [
        ("slow.md", "parsing took longer than the 1-second budget (ADVISOR_INGEST_FILE_SECONDS)")
    ]
    assert report.added == 2  # z.md comes after the kill: a fresh worker parsed it
    store = Store.open(Settings.from_env())
    assert {c.source for c in store.all_chunks()} == {"a.md", "z.md"}
    with store.writer_lock(wait=0):  # free: another writer gets it at once
        pass
