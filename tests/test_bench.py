"""bench/run.py's plumbing: real quality numbers into JSON, Markdown and the README block;
failed parts reported without losing the others. Timings are never asserted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bench import run
from bench.report import END, START, replace_block

ROOT = Path(__file__).resolve().parents[1]
RETRIEVERS = ("advisor", "langchain_tutorial", "bm25_only")


def _outside(text: str) -> tuple[str, str]:
    return text.split(START)[0], text.split(END)[1]


@pytest.fixture(scope="module")
def quality_run(
    index_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, Any], str, Path]:
    """`run.py --quick --only quality --json F --readme COPY` on the real index, once."""
    work = tmp_path_factory.mktemp("bench")
    readme = work / "README.md"
    shutil.copyfile(ROOT / "README.md", readme)
    out = work / "out.json"
    argv = ["--quick", "--only", "quality", "--store", str(index_dir)]
    code = run.main([*argv, "--json", str(out), "--readme", str(readme)])
    return code, json.loads(out.read_text(encoding="utf-8")), readme.read_text("utf-8"), work


@pytest.mark.slow
def test_quality_numbers_reach_json_table_and_readme(
    quality_run: tuple[int, dict[str, Any], str, Path],
) -> None:
    code, doc, readme, _ = quality_run
    assert code == 0
    part = doc["parts"]["quality"]
    assert part["status"] == "ok" and list(doc["parts"]) == ["quality"]
    for key in ("seconds", "load_before", "load_after", "other_cores"):
        assert isinstance(part[key], float)
    assert doc["meta"]["machine"]["cores"] and doc["meta"]["load_average_end"]
    retrieval = part["result"]["retrieval"]
    block = readme.split(START)[1].split(END)[0]
    for name in RETRIEVERS:
        m = retrieval[name]
        assert 0 < m["hit@1"] <= m["mrr"] <= m["recall@4"] <= 1
        row = f"| {m['hit@1']:.3f} | {m['mrr']:.3f} | {m['recall@4']:.3f} |"
        assert row in block, (name, row)
    assert part["result"]["answers"]["citation_validity"] == 1.0
    assert "2 CPU cores" in block or re.search(r"\d+ CPU cores", block)
    assert "### Latency" not in block  # only the parts that ran


@pytest.mark.slow
def test_readme_rewrites_only_the_marked_block(
    quality_run: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, _, readme, _ = quality_run
    original = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _outside(readme) == _outside(original)
    assert readme.count(START) == readme.count(END) == 1


@pytest.mark.slow
def test_from_json_renders_the_same_tables(
    quality_run: tuple[int, dict[str, Any], str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, doc, readme, work = quality_run
    saved = work / "again.json"
    saved.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert run.main(["--from-json", str(saved)]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == readme.split(START)[1].split(END)[0].strip()


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
