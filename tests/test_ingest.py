"""`advisor ingest`: loaders, URLs, the CLI's JSON, and incremental, idempotent, resumable runs."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from advisor import Settings, Store
from advisor.cli import main
from ingest import ingest
from ingest.pipeline import EMBED_BATCH

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
REPORT_KEYS = {
    "files",
    "added",
    "updated",
    "deleted",
    "unchanged",
    "skipped",
    "flagged",
    "chunks",
}

pytestmark = pytest.mark.slow


# --- helpers ---------------------------------------------------------------------------------
def settings(**overrides: Any) -> Settings:
    """Settings from the test environment (a temp store per test)."""
    return Settings.from_env(**overrides)


def run(*inputs: str | Path, s: Settings | None = None, reset: bool = False) -> dict:
    """Ingest in this process; the report as `advisor ingest --json` prints it."""
    return ingest(list(inputs), settings=s or settings(), progress=False, reset=reset).to_dict()


def records(s: Settings | None = None) -> dict[str, dict]:
    """Every stored passage by id, as plain dicts (chunks; sentence units derive from them)."""
    return {c.id: asdict(c) for c in Store.open(s or settings()).all_chunks()}


def store_ids(s: Settings | None = None) -> list[str]:
    """Ids of every stored record, chunks and sentence units, duplicates kept."""
    store = Store.open(s or settings())
    return [cid for state in store.documents().values() for cid in state.ids]


def dump(s: Settings | None = None) -> str:
    """Everything stored about every passage, as one string to search for canaries."""
    return json.dumps(records(s), ensure_ascii=False)


def write_folder(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def small_folder(folder: Path) -> Path:
    return write_folder(
        folder,
        {
            "alpha.md": "# Alpha\n\n## Linear algebra\n\nVectors and matrices underpin training.\n",
            "beta.txt": "Gradient boosting with XGBoost wins many tabular competitions.\n",
            "sub/gamma.md": "# Gamma\n\nDocker packages a model with its dependencies.\n",
        },
    )


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The real `advisor` command in a fresh process."""
    return subprocess.run(
        [str(BIN / "advisor"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def make_pdf(lines: list[str], *, meta: dict[str, str] | None = None, password: str = "") -> bytes:
    """A one-page PDF whose content stream shows `lines` (Helvetica, Tj operators)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    shown = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td {shown} ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    if meta:
        writer.add_metadata(meta)
    if password:
        writer.encrypt(
            user_password=password, owner_password=password + "-owner", algorithm="RC4-128"
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the CLI and the bundled corpus ------------------------------------------------------------
def test_bundled_corpus_reingested_with_the_cli_changes_nothing(
    index_dir: Path, tmp_path: Path
) -> None:
    """The session index is a first ingest of the bundled corpus; the CLI's rerun finds it whole."""
    store_dir = tmp_path / "copy"
    shutil.copytree(index_dir, store_dir)
    before = sorted(store_ids(settings(store_dir=store_dir)))
    result = cli("ingest", "--store", str(store_dir), "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1  # exactly one JSON object on stdout
    report = json.loads(lines[0])
    assert set(report) == REPORT_KEYS
    assert report["files"] >= 24 and report["unchanged"] == report["files"]
    assert report["added"] == report["updated"] == report["deleted"] == 0
    assert report["skipped"] == []
    assert report["chunks"] == Store.open(settings(store_dir=store_dir)).count_chunks() > 50
    assert sorted(store_ids(settings(store_dir=store_dir))) == before
    assert "embedding" not in result.stderr  # no progress bar: nothing was embedded


def test_an_unchanged_reingest_does_not_load_the_model(tmp_path: Path) -> None:
    folder = small_folder(tmp_path / "docs")
    assert run(folder)["added"] == 3
    code = (
        "import sys\n"
        "from advisor import Settings\n"
        "from ingest import ingest\n"
        f"report = ingest([{str(folder)!r}], settings=Settings.from_env(), progress=False)\n"
        "assert report.unchanged == 3 and report.added + report.updated == 0, report\n"
        "loaded = sorted(m for m in ('sentence_transformers', 'torch', 'transformers')"
        " if m in sys.modules)\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


# --- incremental and idempotent ------------------------------------------------------------
def test_incremental_add_update_delete_without_duplicates(tmp_path: Path) -> None:
    folder = small_folder(tmp_path / "docs")
    first = run(folder)
    assert first | {"skipped": []} == {
        "files": 3,
        "added": 3,
        "updated": 0,
        "deleted": 0,
        "unchanged": 0,
        "skipped": [],
        "chunks": 3,
        "flagged": [],
    }
    ids = store_ids()
    assert len(ids) == len(set(ids))

    again = run(folder)
    assert (again["unchanged"], again["added"], again["updated"]) == (3, 0, 0)
    assert sorted(store_ids()) == sorted(ids)

    old_beta = {cid for cid, r in records().items() if r["source"] == "beta.txt"}
    (folder / "beta.txt").write_text("LightGBM grows trees leaf-wise and trains fast.\n")
    changed = run(folder)
    assert (changed["updated"], changed["unchanged"], changed["added"]) == (1, 2, 0)
    now = records()
    assert not old_beta & now.keys()  # the old version's chunks are gone
    texts = [r["text"] for r in now.values() if r["source"] == "beta.txt"]
    assert texts == ["LightGBM grows trees leaf-wise and trains fast."]
    all_ids = store_ids()
    assert len(all_ids) == len(set(all_ids)) and not set(all_ids) & old_beta

    (folder / "sub" / "gamma.md").unlink()
    (folder / "delta.markdown").write_text("# Delta\n\nFastAPI serves a model over HTTP.\n")
    pruned = run(folder)
    assert (pruned["deleted"], pruned["added"], pruned["unchanged"]) == (1, 1, 2)
    assert {r["source"] for r in records().values()} == {"alpha.md", "beta.txt", "delta.markdown"}


def test_chunk_ids_are_deterministic_across_stores(tmp_path: Path) -> None:
    folder = small_folder(tmp_path / "docs")
    one, two = settings(store_dir=tmp_path / "one"), settings(store_dir=tmp_path / "two")
    run(folder, s=one)
    run(folder, s=two)
    assert sorted(store_ids(one)) == sorted(store_ids(two))
    assert records(one) == records(two)


def test_reset_drops_everything_first(tmp_path: Path) -> None:
    folder = small_folder(tmp_path / "docs")
    run(folder)
    other = write_folder(tmp_path / "other", {"only.md": "# Only\n\nMLflow tracks experiments.\n"})
    report = run(other, reset=True)
    assert report["added"] == 1 and report["chunks"] == 1
    assert {r["source"] for r in records().values()} == {"only.md"}


def test_a_directory_is_walked_and_hidden_or_code_files_are_not_read(tmp_path: Path) -> None:
    folder = small_folder(tmp_path / "docs")
    write_folder(
        folder,
        {
            ".secret.md": "CANARY_DOTFILE",
            ".git/config.md": "CANARY_GITDIR",
            "tool.py": "CANARY_PY = 1",
            "deep/er/still.txt": "A file three folders down is still indexed.",
        },
    )
    report = run(folder)
    assert report["added"] == 4
    assert "deep/er/still.txt" in {r["source"] for r in records().values()}
    assert "CANARY" not in dump()


# --- interrupted runs ------------------------------------------------------------------------
def _notes(folder: Path, version: str, numbers: range) -> Path:
    """Small Markdown notes (nine records each: a chunk and eight sentence units)."""
    folder.mkdir(parents=True, exist_ok=True)
    topics = ["gradient descent", "cross-validation", "feature scaling", "transfer learning"]
    for i in numbers:
        topic = topics[i % len(topics)]
        lines = [f"# Note {i} on {topic}", ""]
        lines += [f"Fact {j} of note {i} ({version}) is about {topic}." for j in range(8)]
        (folder / f"note-{i:02d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


class _Progress:
    """Reads a child's stderr and remembers the highest `done/total` of its progress bar."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.done = 0
        self.text = ""
        self._process = process
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._process.stderr is not None
        while chunk := self._process.stderr.read1(4096):  # type: ignore[attr-defined]
            self.text += chunk.decode("utf-8", "replace")
            counts = [int(d) for d, _ in re.findall(r"(\d+)/(\d+) \[", self.text)]
            self.done = max([self.done, *counts])

    def wait_for(self, done: int, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while self.done < done:
            if self._process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ingest never reached {done} records:\n{self.text[-2000:]}")
            time.sleep(0.02)


def _kill_9(folder: Path, after: int) -> None:
    """Run `advisor ingest folder` and kill -9 it once `after` records are embedded."""
    process = subprocess.Popen(
        [str(BIN / "advisor"), "ingest", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    progress = _Progress(process)
    try:
        progress.wait_for(after)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, progress.text


def test_rerun_after_kill_9_and_ctrl_c_ends_with_exactly_the_right_chunks(tmp_path: Path) -> None:
    folder = _notes(tmp_path / "notes", "v1", range(25))
    assert run(folder)["added"] == 25
    _notes(folder, "v2", range(20))  # 20 notes change, 5 are deleted, 5 are new
    for i in range(20, 25):
        (folder / f"note-{i:02d}.md").unlink()
    _notes(folder, "v2", range(25, 30))
    before = sorted(store_ids())
    pending = 25 * 9  # 20 changed and 5 new notes
    assert pending > 3 * EMBED_BATCH  # four embedding batches: the kill lands mid-way

    _kill_9(folder, after=EMBED_BATCH)  # in the middle of embedding the 25 pending notes
    assert sorted(store_ids()) == before  # killed before anything was written

    def ctrl_c(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C during the next run, between two batches
        ingest([folder], settings=settings(), progress=False, on_progress=ctrl_c)

    report = run(folder)  # the lock was released; this run finishes the job
    assert (report["updated"], report["added"], report["deleted"]) == (20, 5, 5)
    clean = settings(store_dir=tmp_path / "clean")
    assert run(folder, s=clean)["added"] == 25
    resumed_ids, clean_ids = store_ids(), store_ids(clean)
    assert len(resumed_ids) == len(set(resumed_ids))  # no duplicates
    assert sorted(resumed_ids) == sorted(clean_ids)
    assert Store.open(settings()).count() == len(clean_ids)
    assert records() == records(clean)


def test_interrupted_between_writing_new_chunks_and_deleting_old_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C right after a changed file's new chunks are written: both versions are stored."""
    folder = small_folder(tmp_path / "docs")
    run(folder)
    key = next(k for k in Store.open(settings()).documents() if k.endswith("::beta.txt"))
    (folder / "beta.txt").write_text("LightGBM grows trees leaf-wise and trains fast.\n")

    def ctrl_c(self: Store, ids: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(Store, "delete", ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            run(folder)
    assert len(Store.open(settings()).documents()[key].hashes) == 2  # old and new side by side

    report = run(folder)
    assert (report["updated"], report["unchanged"]) == (1, 2)
    clean = settings(store_dir=tmp_path / "clean")
    run(folder, s=clean)
    assert sorted(store_ids()) == sorted(store_ids(clean)) and records() == records(clean)


def test_a_document_missing_some_records_is_written_again(tmp_path: Path) -> None:
    """An upsert cut short leaves part of a document: the next run does not call it unchanged."""
    folder = small_folder(tmp_path / "docs")
    run(folder)
    store = Store.open(settings())
    key = next(k for k in store.documents() if k.endswith("::alpha.md"))
    ids = sorted(store.documents()[key].ids)
    assert len(ids) > 1
    store.delete(ids[1:])
    report = run(folder)
    assert (report["updated"], report["unchanged"]) == (1, 2)
    assert sorted(Store.open(settings()).documents()[key].ids) == ids


# --- the embedding model is part of the collection ----------------------------------------
def test_another_embedding_model_stops_with_a_reset_hint(tmp_path: Path) -> None:
    folder = small_folder(tmp_path / "docs")
    run(folder)
    meta = Store.open(settings()).metadata()
    assert meta["embedding_model"] == "all-MiniLM-L6-v2" and meta["embedding_dim"] == 384
    code = (
        "import sys\n"
        "from advisor.cli import main\n"
        f"rc = main(['ingest', {str(folder)!r}])\n"
        "assert 'sentence_transformers' not in sys.modules\n"
        "sys.exit(rc)\n"
    )
    env = {**os.environ, "ADVISOR_EMBEDDING_MODEL": "some-org/some-other-model"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )
    assert result.returncode not in (0, None), result
    assert "--reset" in result.stderr and "some-org/some-other-model" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


# --- loaders ---------------------------------------------------------------------------------
HIDDEN_HTML = """<!doctype html>
<html><head><title>Study plan</title>
<style>.x {{ color: red }} /* CANARY_STYLE */</style>
<script>var token = "CANARY_SCRIPT";</script>
</head>
<body>
<nav>CANARY_NAV</nav>
<main>
<h1>Study plan</h1>
<h2>Deep learning</h2>
<p>Visible paragraph: learn back{zw}propa{zw}gation before transformers.</p>
<!-- CANARY_COMMENT -->
<p hidden>CANARY_HIDDEN_ATTR</p>
<div aria-hidden="true">CANARY_ARIA_HIDDEN</div>
<span style="display: none">CANARY_DISPLAY_NONE</span>
<span style="color: red; visibility:hidden">CANARY_VISIBILITY_HIDDEN</span>
<template><p>CANARY_TEMPLATE</p></template>
<noscript>CANARY_NOSCRIPT</noscript>
<input type="hidden" value="CANARY_INPUT">
<ul><li>Second visible item about convolutional networks.</li></ul>
<script>document.write("CANARY_BODY_SCRIPT")</script>
</main>
</body></html>
"""


def test_html_keeps_the_main_text_and_drops_everything_hidden(tmp_path: Path) -> None:
    html = HIDDEN_HTML.format(zw="\u200b\u200d\u2060")
    folder = write_folder(
        tmp_path / "web", {"plan.html": html, "plan2.htm": html.replace("plan", "p2")}
    )
    report = run(folder)
    assert report["added"] == 2 and report["skipped"] == []
    stored = dump()
    assert "learn backpropagation before transformers" in stored
    assert "convolutional networks" in stored
    assert "CANARY" not in stored
    assert not re.search("[\u200b\u200c\u200d\u2060\ufeff]", stored)
    chunk = next(r for r in records().values() if r["source"] == "plan.html")
    assert chunk["title"] == "Study plan" and "## Deep learning" in chunk["text"]


def test_markdown_and_text_loaders(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "notes",
        {
            "card.md": "---\ntitle: My Card\nurl: https://example.org/card\nkind: tool\n---\n"
            "# My Card\n\n## What it is\n\nA tool for tracking experiments.\n",
            "plain.txt": "Plain text\r\nwith Windows line endings.\r\n",
        },
    )
    run(folder)
    by_source = {r["source"]: r for r in records().values()}
    card = by_source["card.md"]
    assert (card["title"], card["url"], card["kind"]) == (
        "My Card",
        "https://example.org/card",
        "tool",
    )
    assert card["text"] == "# My Card\n\n## What it is\n\nA tool for tracking experiments."
    assert by_source["plain.txt"]["text"] == "Plain text\nwith Windows line endings."
    assert by_source["plain.txt"]["title"] == "plain"


def test_pdf_text_is_indexed_and_its_metadata_is_not(tmp_path: Path) -> None:
    pdf = make_pdf(
        ["Visible PDF text about regularization.", "A second line on dropout."],
        meta={
            "/Title": "CANARY_PDF_TITLE",
            "/Subject": "CANARY_PDF_SUBJECT",
            "/Author": "CANARY_A",
        },
    )
    folder = write_folder(tmp_path / "pdfs", {"paper.pdf": pdf})
    assert run(folder)["added"] == 1
    stored = dump()
    assert "Visible PDF text about regularization." in stored and "dropout" in stored
    assert "CANARY" not in stored


# --- URLs ----------------------------------------------------------------------------------------
PAGE = """<html><head><title>Remote page</title><script>CANARY_REMOTE_SCRIPT</script></head>
<body><nav>CANARY_REMOTE_NAV</nav><article><h2>Portfolio</h2>
<p>Build three projects: a classifier, a deep learning model and an LLM app.</p></article>
<footer>CANARY_REMOTE_FOOTER</footer></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(
        self, status: int, body: bytes, ctype: str = "text/html", length: bool = True
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        try:
            if path == "/page.html":
                self._send(200, PAGE.encode())
            elif path == "/notes.md":
                self._send(
                    200, b"# Notes\n\nMarkdown served as bytes.\n", "application/octet-stream"
                )
            elif path == "/big.html":
                self._send(200, b"<p>" + b"x" * 5000 + b"</p>")
            elif path == "/big-streamed.html":
                self._send(200, b"<p>" + b"y" * 5000 + b"</p>", length=False)
            elif path == "/slow.html":
                time.sleep(60)
                self._send(200, PAGE.encode())
            elif path == "/trickle.html":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(300):  # one byte every 0.2 s: never idle for a full second
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.2)
            elif path == "/image.png":
                self._send(200, b"\x89PNG\r\n", "image/png")
            else:
                self._send(404, b"not found")
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A page server on 127.0.0.1 (an ephemeral port), stopped after the test; URL ingest
    may fetch from it (loopback is refused by default: tests/test_ingest_urls.py)."""
    monkeypatch.setenv("ADVISOR_ALLOW_PRIVATE_URLS", "1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_is_ingested_with_the_url_as_source_and_reingested_unchanged(web: str) -> None:
    url = f"{web}/page.html"
    first = run(url, f"{web}/notes.md")
    assert (first["added"], first["files"], first["skipped"]) == (2, 2, [])
    chunk = next(r for r in records().values() if r["source"] == url)
    assert chunk["url"] == url and chunk["title"] == "Remote page"
    assert chunk["text"].startswith("## Portfolio") or "Build three projects" in chunk["text"]
    assert "CANARY" not in dump()
    ids = sorted(store_ids())
    again = run(url, f"{web}/notes.md")
    assert (again["unchanged"], again["added"], again["updated"]) == (2, 0, 0)
    assert sorted(store_ids()) == ids


@pytest.mark.parametrize(
    ("path", "env", "reason"),
    [
        ("/missing.html", {}, "HTTP 404 from "),
        ("/big.html", {"ADVISOR_MAX_FILE_BYTES": "1000"}, "page larger than the 1000-byte cap"),
        ("/big-streamed.html", {"ADVISOR_MAX_FILE_BYTES": "1000"}, "larger than the 1000-byte cap"),
        ("/slow.html", {"ADVISOR_FETCH_TIMEOUT": "10"}, "timed out after 10 s fetching "),
        ("/trickle.html", {"ADVISOR_FETCH_TIMEOUT": "10"}, "timed out after 10 s fetching "),
        ("/image.png", {}, "unsupported content type 'image/png'"),
    ],
)
def test_a_failing_url_gets_a_clear_reason(
    web: str, path: str, env: dict[str, str], reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # /slow.html answers after 60 s and /trickle.html takes 60 s: "timed out" shows the
    # timeout cut them short (each would be fetched in full without it). The budget is 10 s,
    # not 1, because the good page shares it: at a load of 15 a 1 s budget once cut it too.
    report = run(f"{web}{path}", f"{web}/page.html")
    assert report["added"] == 1  # the good page is still indexed
    [skipped] = report["skipped"]
    assert skipped["path"] == f"{web}{path}" and reason in skipped["reason"]


def test_a_closed_port_and_a_bad_scheme_are_reasons_not_tracebacks(
    web: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/gone.html"
    rc = main(["ingest", url, "ftp://example.org/x.md", "--json"])
    out, err = capsys.readouterr()
    assert rc != 0 and "Traceback" not in err
    report = json.loads(out)
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons[url].startswith(f"could not fetch {url}: ")
    assert reasons["ftp://example.org/x.md"] == "only http(s) URLs and local paths are supported"
    assert err.strip().startswith("advisor: nothing could be indexed: ")
