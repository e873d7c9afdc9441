"""Embedding the advisor: the first-use index build writes nothing to stdout/stderr unless
stderr is a terminal (it logs instead), and `CareerAdvisor.open(store_dir)` puts the index
exactly there."""

from __future__ import annotations

import io
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from advisor import CareerAdvisor, InputError
from advisor.bootstrap import build_bundled


@pytest.mark.slow
def test_first_use_build_from_an_app_is_silent_and_logged(
    extractive: CareerAdvisor,  # the model is loaded: this measures the build alone
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    chosen = tmp_path / "chosen" / "index"
    from_env = Path(os.environ["ADVISOR_STORE_DIR"])
    caplog.set_level(logging.INFO, logger="advisor")
    caplog.set_level(logging.INFO, logger="ingest")
    advisor = CareerAdvisor.open(chosen, backend="extractive", sentence_units=False)
    assert advisor.settings.store_dir == chosen != from_env
    assert not sys.stderr.isatty()  # as in a web app, a worker or a notebook kernel
    sources = advisor.retrieve("PyTorch or TensorFlow first?", k=2)
    answer = advisor.ask("What is DVC?")
    out, err = capfd.readouterr()
    assert sources and answer.sources
    assert (out, err) == ("", "")
    logged = [r.getMessage() for r in caplog.records if r.name == "advisor"]
    assert f"building the index from the bundled corpus in {chosen} (first use)" in logged
    assert any(m.startswith(f"index ready in {chosen}: ") for m in logged), logged
    embedded = [r.getMessage() for r in caplog.records if r.name == "ingest"]
    assert embedded and embedded[-1].startswith("embedded ") and "records" in embedded[-1]
    assert (chosen / "chroma.sqlite3").is_file()
    assert not from_env.exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("terminal", "progress", "shown"),
    [
        (False, None, False),
        (True, None, True),
        (False, True, True),
        (True, False, False),
    ],
)
def test_the_progress_bar_follows_the_terminal_unless_asked(
    monkeypatch: pytest.MonkeyPatch, terminal: bool, progress: bool | None, shown: bool
) -> None:
    """What `build_bundled` asks ingest for; ingest draws its bar only when asked."""
    import ingest

    asked: list[Any] = []

    def record(**kwargs: Any) -> Any:
        asked.append(kwargs["progress"])
        return ingest.IngestReport()

    monkeypatch.setattr(ingest, "ingest", record)
    monkeypatch.setattr(sys, "stderr", _Terminal() if terminal else io.StringIO())
    from advisor import Settings

    build_bundled(Settings.from_env(), progress)
    assert asked == [shown]


def test_open_takes_the_store_directory_once(tmp_path: Path) -> None:
    advisor = CareerAdvisor.open(str(tmp_path / "a"), top_k=6)
    assert advisor.settings.store_dir == tmp_path / "a" and advisor.settings.top_k == 6
    with pytest.raises(InputError, match="once"):
        CareerAdvisor.open(tmp_path / "a", store_dir=tmp_path / "b")
