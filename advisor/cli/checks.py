"""`advisor eval` and `advisor doctor`: measure the answers, check the index."""

from __future__ import annotations

import argparse

from advisor.cli.common import EXIT_FAILED, Command, settings_for
from advisor.settings import BACKENDS
from advisor.terminal import echo, echo_json


def add_commands(command: Command) -> None:
    """Register `eval` and `doctor` on the `advisor` parser."""
    p = command("eval", run_eval, "measure retrieval, refusal and answer quality vs a baseline")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline stack")
    p.add_argument("--backend", choices=BACKENDS, default="extractive", help="answerer to measure")

    p = command("doctor", run_doctor, "check the whole index: every record readable and found")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run_eval(args: argparse.Namespace) -> int:
    """Run the evaluation (and the baseline unless `--no-baseline`) and print its report."""
    from advisor.evaluation.run import evaluate, format_report

    report = evaluate(settings_for(args), baseline=not args.no_baseline, backend=args.backend)
    if args.json:
        echo_json(report)
    else:
        echo(format_report(report))
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    """Check every record of the index; exit 1 when it is damaged, saying how to fix it."""
    from advisor.store import Store
    from advisor.store.client import FIX

    settings = settings_for(args)
    report = Store.open(settings).doctor()
    if args.json:
        echo_json(report)
        return 0 if report["ok"] else EXIT_FAILED
    where = (
        f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
        if settings.remote_store
        else str(settings.store_dir)
    )
    echo(f"store: {where}, collection {report.get('collection', '-')}")
    echo(
        f"records: {report.get('records', 0)} (the last ingest wrote {report.get('expected')}), "
        f"readable {report.get('readable', '-')}, found by their own vector "
        f"{report.get('self_found', '-')}"
    )
    for problem in report["problems"]:
        echo(f"  problem: {problem}")
    echo("OK: the index is sound" if report["ok"] else f"DAMAGED: {FIX}")
    return 0 if report["ok"] else EXIT_FAILED
