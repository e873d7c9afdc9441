"""bench/run.py's plumbing: failed parts reported without losing the others, tables rendered
from JSON. The real quality run's numbers reaching JSON and the README are checked in
tests/test_eval.py, which runs it once. Timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import run
from bench.report import END, START, replace_block


def test_a_failing_part_is_reported_and_the_others_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(plan: run.Plan) -> dict[str, Any]:
        raise RuntimeError("chromium crashed\nsecond line")

    def fine(plan: run.Plan) -> dict[str, Any]:
        return _load_result()

    monkeypatch.setitem(run.RUNNERS, "sessions", broken)
    monkeypatch.setitem(run.RUNNERS, "load", fine)
    out = tmp_path / "out.json"
    code = run.main(["--only", "sessions,load", "--json", str(out), "--store", str(tmp_path)])
    assert code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["parts"]["sessions"]["status"] == "failed"
    assert doc["parts"]["sessions"]["error"] == "RuntimeError: chromium crashed"
    assert doc["parts"]["load"]["result"]["runs"][1]["answers_per_s"] == 30.0
    printed = capsys.readouterr().out
    assert "**Failed** after" in printed and "RuntimeError: chromium crashed" in printed
    assert "| 2 replicas + one Chroma server | 900 | 0 | 1.5 s | 3.0 s | 30.0 | 1.50× |" in printed


def test_unknown_part_and_missing_markers_are_refused() -> None:
    with pytest.raises(SystemExit):
        run.parse(["--only", "quality,speed"])
    with pytest.raises(ValueError, match="bench:start"):
        replace_block("# no markers here\n", "x")
    text = f"a\n{START}\nold\n{END}\nb\n"
    assert replace_block(text, "new") == f"a\n{START}\nnew\n{END}\nb\n"


def _load_result() -> dict[str, Any]:
    def row(replicas: int, answers: int, rate: float, p50: float, p95: float) -> dict[str, Any]:
        return {
            "replicas": replicas,
            "answers": answers,
            "errors": 0,
            "p50_ms": p50,
            "p95_ms": p95,
            "answers_per_s": rate,
            "rate_vs_first": rate / 20.0,
        }

    return {
        "clients": 50,
        "duration_s": 30.0,
        "runs": [row(1, 600, 20.0, 2400, 3800), row(2, 900, 30.0, 1500, 3000)],
    }


def test_conversation_table_puts_before_beside_now() -> None:
    from bench.report import _conversations

    def figures(right: int, repeats: int) -> dict[str, Any]:
        return {
            "conversations": 48,
            "turns": 85,
            "turns_right": right / 85,
            "turns_right_count": right,
            "by_split": {"tune": 0.5, "check": 0.6},
            "verbatim_repeats": repeats,
            "dangling_lead_ins": 0,
            "notes_given": 1,
            "notes_expected": 7,
            "off_topic_refused": 4,
            "off_topic_turns": 4,
            "in_scope_refused": 0,
            "in_scope_turns": 81,
        }

    before = figures(42, 9) | {"measured_on": "commit db316a3"}
    lines = _conversations(figures(77, 0), before)
    assert lines[0].endswith("| before (commit db316a3) | now |")
    assert "| 0.494 (42/85; tune 0.500, check 0.600) | 0.906 (77/85;" in lines[2]
    assert "| verbatim repeats of the previous answer (must be 0) | 9 | 0 |" in lines
    alone = _conversations(figures(77, 0), None)
    assert alone[0].endswith("| figure |") and "| 0 |" in alone[3]
