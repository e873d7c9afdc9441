"""`advisor retrieve`: the ranked sources for a question, without an answer."""

from __future__ import annotations

import argparse

from advisor.cli.common import Command, open_advisor
from advisor.terminal import echo, echo_json


def add_commands(command: Command) -> None:
    """Register `retrieve` on the `advisor` parser."""
    p = command("retrieve", run, "show the ranked sources for a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=4, help="number of sources (default 4)")
    p.add_argument("--json", action="store_true", help="print a JSON list")


def run(args: argparse.Namespace) -> int:
    """Print the k best sources with their scores and the start of their text."""
    advisor = open_advisor(args)
    sources = advisor.retrieve(args.question, k=max(1, args.k))
    if args.json:
        echo_json([s.to_dict() for s in sources])
        return 0
    for n, s in enumerate(sources, start=1):
        echo(f"[{n}] {s.score:.4f} {s.title} — {s.section} ({s.source})")
        echo("    " + s.text[:200].replace("\n", " "))
    return 0
