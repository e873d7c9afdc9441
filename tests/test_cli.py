"""The `advisor` command as a user runs it: output shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOURCE_KEYS = {"id", "text", "title", "section", "source", "url", "score"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_shape(built_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "ask", "PyTorch or TensorFlow first?", "--json", "--backend", "extractive"
    )
    assert code == 0
    data = json.loads(out)  # exactly one JSON object on stdout
    assert {"answer", "sources", "backend", "refused", "question"} <= data.keys()
    assert "PyTorch" in data["answer"] and data["refused"] is False
    assert data["backend"] == "extractive"
    assert data["sources"] and all(s.keys() >= SOURCE_KEYS for s in data["sources"])


def test_ask_text_lists_numbered_sources(built_env: Path, capsys) -> None:
    code, out, _ = run(capsys, "ask", "What is DVC?", "--backend", "extractive")
    assert code == 0
    assert "Sources:" in out and "[1]" in out and "https://" in out


def test_ask_with_history_file(built_env: Path, tmp_path: Path, capsys) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"role": "user", "content": "How much do entry-level ML engineers earn?"},
                {"role": "assistant", "content": "$100,000–130,000 USD."},
            ]
        )
    )
    code, out, _ = run(
        capsys,
        "ask",
        "And senior ones?",
        "--history",
        str(history),
        "--json",
        "--backend",
        "extractive",
    )
    assert code == 0
    data = json.loads(out)
    assert "$200,000–400,000 USD" in data["answer"]
    assert data["question"] == "How much do senior ML engineers earn?"  # resolved, not pasted


def test_retrieve_json_is_a_ranked_list(built_env: Path, capsys) -> None:
    code, out, _ = run(capsys, "retrieve", "experiment tracking tools", "-k", "3", "--json")
    assert code == 0
    sources = json.loads(out)
    assert len(sources) == 3 and all(s.keys() >= SOURCE_KEYS for s in sources)
    scores = [s["score"] for s in sources]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "question is empty"),
        (["ask", "x" * 3000], "limit is 2000"),
        (["ask", "hi", "--history", "/no/such/file.json"], "cannot read history file"),
        (["ask", "hi", "--history", "{bad"], "cannot read history file"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(built_env, capsys, args, message) -> None:
    code, out, err = run(capsys, *args)
    assert code != 0 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_malformed_history_content(built_env: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "h.json"
    for content in ("not json", json.dumps({"role": "user"}), json.dumps([{"role": "bot"}])):
        bad.write_text(content)
        code, _, err = run(capsys, "ask", "hi", "--history", str(bad))
        assert code == 2 and "history file" in err and "Traceback" not in err


@pytest.mark.parametrize("kind", ["device", "fifo", "oversized"])
def test_history_reads_regular_files_within_a_cap(tmp_path: Path, kind: str) -> None:
    """/dev/zero, a FIFO nobody writes to, or a file over 1 MiB: one line, at once, no model."""
    path = tmp_path / "history.json"
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_text(json.dumps([{"role": "user", "content": "x" * (1 << 20)}]))
    done = subprocess.run(  # a subprocess: a regression would hang or fill memory here
        [sys.executable, "-m", "advisor.cli", "ask", "hi", "--history", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "ADVISOR_STORE_DIR": str(tmp_path / "store")},
    )
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.startswith(f"advisor: cannot read history file {path}: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    reason = {
        "device": "not a regular file (a character device)",
        "fifo": "not a regular file (a named pipe)",
        "oversized": "larger than the 1048576-byte cap for a history file",
    }[kind]
    assert reason in done.stderr
    assert not (tmp_path / "store").exists()  # refused before the store or the model


def test_unknown_backend_env_is_a_config_error(built_env, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ADVISOR_BACKEND", "gpt-9000")
    code, _, err = run(capsys, "ask", "hi")
    assert code == 1 and "ADVISOR_BACKEND" in err


def test_chat_session_keeps_history_and_resets(built_env, monkeypatch, capsys) -> None:
    lines = iter(
        ["How much do entry-level ML engineers earn?", "And senior ones?", "/reset", "/quit"]
    )
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(lines))
    code, out, _ = run(capsys, "chat", "--backend", "extractive")
    assert code == 0
    assert "$100,000–130,000 USD" in out and "$200,000–400,000 USD" in out
    assert "(new conversation)" in out


def test_console_script_on_a_fresh_store_builds_the_index(tmp_path: Path) -> None:
    """A new user's first command: no index yet, the bundled corpus is built, then answered."""
    env = {**os.environ, "ADVISOR_STORE_DIR": str(tmp_path / "store"), "ADVISOR_BACKEND": ""}
    env.pop("ADVISOR_BACKEND")
    exe = Path(sys.executable).with_name("advisor")
    done = subprocess.run(
        [str(exe), "ask", "PyTorch or TensorFlow first?", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["backend"] == "extractive" and "PyTorch" in data["answer"]
    again = subprocess.run(
        [str(exe), "ingest", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    report = json.loads(again.stdout)
    assert report["added"] == 0 and report["unchanged"] == report["files"] >= 24
