"""`advisor ingest`: index files, folders or URLs (by default the bundled corpus)."""

from __future__ import annotations

import argparse

from advisor.cli.common import Command, settings_for
from advisor.terminal import echo, echo_json


def add_commands(command: Command) -> None:
    """Register `ingest` on the `advisor` parser."""
    p = command("ingest", run, "index files, folders or URLs (default: the bundled corpus)")
    p.add_argument("inputs", nargs="*", metavar="PATH_OR_URL")
    p.add_argument("--reset", action="store_true", help="drop the index first")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    """Ingest, print the report (skipped and flagged inputs named), fail if it did not go."""
    from ingest import ingest, require_ok

    report = ingest(args.inputs, settings=settings_for(args), reset=args.reset, progress=True)
    if args.json:
        echo_json(report.to_dict())
    else:
        echo(report.summary())
        for skipped in report.skipped:
            echo(f"  skipped {skipped.path}: {skipped.reason}")
        for flag in report.flagged:
            where = f"{flag.path} ({flag.section})" if flag.section else flag.path
            echo(f"  flagged {where}: {flag.rule}: {flag.text[:160]}")
    require_ok(report)
    return 0
