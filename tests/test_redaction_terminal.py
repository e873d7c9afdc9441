"""Secrets in OPENAI_BASE_URL never show, and no terminal escape reaches the terminal.

A base URL such as `http://user:PASSWORD@host/v1?api-key=KEY` carries credentials; the
unauthenticated `/readyz`, the server log and the chat banner show the URL with its
user-info and query string replaced by `***`; the app shows no URL at all (it names the model).

Documents, file names, answers and error messages can carry ESC, CSI (`\\x1b[2J` clears the
screen), OSC (`\\x1b]0;…\\x07` retitles the window) and BEL; everything the `advisor`
command prints goes through one helper that strips them.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from advisor import CareerAdvisor, Store, make_answerer
from advisor.cli import main
from advisor.safety import redact_url, terminal_safe, url_secrets
from tests.servers import free_port
from tests.test_api import serving

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

USER, PASSWORD, KEY = "alice-user", "PW-hunter2-secret", "KEY-9f8e7d6c"
SECRETS = (USER, PASSWORD, KEY)
ESCAPES = ("\x1b", "\x07", "\x9b", "\x9d")


def secret_url() -> str:
    """A base URL with credentials, pointing at a loopback port where nothing listens."""
    return f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/v1?api-key={KEY}&x=1"


def shows_secret(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


# --- OPENAI_BASE_URL ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:PW@host/v1?api-key=abc", "http://***@host/v1?***"),
        ("https://token@llm.example:8443/v1#frag", "https://***@llm.example:8443/v1#***"),
        ("http://127.0.0.1:11434/v1", "http://127.0.0.1:11434/v1"),
        ("http://[::1]:8000/v1?key=x", "http://[::1]:8000/v1?***"),
        ("http://host:notaport/v1", "***"),
        (None, ""),
    ],
)
def test_redact_url(url: str | None, shown: str) -> None:
    assert redact_url(url) == shown


def test_url_secrets_lists_what_to_mask() -> None:
    found = url_secrets(secret_url())
    assert PASSWORD in found and USER in found and KEY in found


def test_readyz_the_log_and_describe_backend_hide_url_credentials(
    shared_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    settings = shared_store.settings.with_(backend="openai", openai_base_url=secret_url())
    advisor = CareerAdvisor(settings, shared_store, make_answerer(settings))
    described = advisor.describe_backend()
    assert described.startswith("LLM: ") and "http://***@127.0.0.1:" in described
    assert described.endswith("/v1?***") and shows_secret(described) == []
    caplog.set_level(logging.INFO, logger="advisor")
    with serving(advisor) as client:
        ready = client.get("/readyz").json()
        failed = client.post("/v1/ask", json={"question": "PyTorch or TensorFlow first?"})
    assert ready["status"] == "ready" and ready["llm"] == "openai-compatible"
    assert "127.0.0.1" not in json.dumps(ready)  # the kind only, never the address
    assert failed.status_code >= 500  # nothing listens there: an error that names no secret
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "advisor ready: LLM:" in logged and "***@127.0.0.1" in logged
    for text in (json.dumps(ready), failed.text, logged):
        assert shows_secret(text) == [], text


def test_chat_banner_hides_url_credentials(
    built_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", secret_url())

    def no_more_input(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_more_input)
    assert main(["chat", "--backend", "openai"]) == 0
    out, err = capsys.readouterr()
    # nothing listens there to list its models: the banner names none, and no secret
    assert "career-advisor (LLM: default at http://***@127.0.0.1:" in out
    assert shows_secret(out + err) == []


def test_app_sidebar_hides_url_credentials(
    built_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    url = secret_url()
    monkeypatch.setenv("ADVISOR_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("ADVISOR_LLM_MAX_RETRIES", "0")
    at = AppTest.from_file(str(Path(__file__).parents[1] / "ui" / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    sidebar = "\n".join(str(m.value) for m in at.sidebar.markdown)
    assert "Written by the language model" in sidebar  # the model named in words, no URL
    at.chat_input[0].set_value("PyTorch or TensorFlow first?").run()  # nothing listens there
    assert not at.exception
    turn = at.session_state["turns"][-1]
    assert turn.answer is None and turn.error and "cannot be reached" in turn.error
    page = everything_shown(at)
    host = url.split("@", 1)[1].split("/", 1)[0]  # 127.0.0.1:<port>
    assert shows_secret(page) == [] and host not in page  # neither the URL nor its secrets


def everything_shown(at: AppTest) -> str:
    """Every element of the app's page (main area and sidebar), as protobuf text."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


# --- terminal escapes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x1b]0;pwned\x07b", "ab"),  # OSC window title, ended by BEL
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink, ended by ST
        ("a\x1b[2Jb\x1b[31;1mc\x1b[0m", "abc"),  # CSI clear screen, colours
        ("a\x9b2Jb\x9d0;t\x9cc", "abc"),  # 8-bit CSI and OSC
        ("a\x1b(Bb\x1bcc", "abc"),  # charset switch, full reset
        ("a\x07b\x08c\rd\x00e\x7ff", "abcdef"),  # BEL, backspace, CR, NUL, DEL
        ("a\x1b]0;never ends\nnext", "a\nnext"),  # an unended OSC stops at the line end
        ("line\n\tindented — ünïcode ✓", "line\n\tindented — ünïcode ✓"),
    ],
)
def test_terminal_safe(raw: str, clean: str) -> None:
    assert terminal_safe(raw) == clean


HOSTILE_DOC = (
    "# Quibblefrost \x1b]0;pwned\x07 Toolkit\n\n"
    "Quibblefrost is an experiment-tracking toolkit for ML engineers \x1b[2J that logs every "
    "training run \x1b]8;;http://127.0.0.1:9/x\x1b\\with a link\x1b]8;;\x1b\\ and rings \x07.\n\n"
    + "Quibblefrost keeps metrics, parameters and artifacts of each run side by side. "
    * 12
)
"""A document with a few escapes among ordinary text (ingest rejects text that is mostly control
characters as binary, but lets a handful through)."""


def test_cli_output_never_carries_terminal_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "quibble\x1b]0;pwned\x07.md").write_text(HOSTILE_DOC, encoding="utf-8")
    (docs / "skip\x1b[2J.exe").write_text("binary", encoding="utf-8")
    store = str(tmp_path / "store")
    question = "What is the Quibblefrost toolkit?"
    outputs = []

    def run(*args: str) -> str:
        main(list(args))
        out, err = capsys.readouterr()
        outputs.append(out + err)
        return out + err

    ingested = run("ingest", str(docs), "--store", store)
    assert "skipped skip.exe: unsupported file type" in ingested  # the name, escape removed
    found = json.loads(run("retrieve", question, "-k", "1", "--json", "--store", store))
    assert "\x1b" in found[0]["source"] + found[0]["text"]  # the escapes really are stored
    shown = run("retrieve", question, "-k", "1", "--store", store)
    assert "Quibblefrost" in shown and "quibble.md" in shown
    reply = "Quibblefrost \x1b]0;pwned\x07 logs every run \x1b[2J [1]. \x1b]8;;http://x\x07"
    monkeypatch.setenv("ADVISOR_FAKE_RESPONSES", json.dumps([reply]))
    answered = run("ask", question, "--backend", "fake", "--store", store)
    assert "Quibblefrost logs every run [1]." in answered and "Sources:" in answered
    run("ask", question, "--history", str(docs / "missing\x1b[2J.json"), "--store", store)
    for text in outputs:
        assert not [e for e in ESCAPES if e in text], repr(text)
    assert "cannot read history file" in outputs[-1]
