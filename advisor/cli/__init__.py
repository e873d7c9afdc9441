"""The `advisor` command: ingest, ask, chat, retrieve, plan, roles, eval, doctor, feedback,
chats, app, serve.

One module a command group; each registers its commands with `add_commands(command)`,
in the order `advisor --help` lists them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from advisor.cli import app, ask, chat, checks, ingest, plan, retrieve, saved, serve
from advisor.cli.common import EXIT_FAILED, EXIT_USAGE
from advisor.errors import AdvisorError, InputError
from advisor.terminal import echo

__all__ = ["build_parser", "main"]

GROUPS = (ingest, ask, chat, retrieve, plan, checks, saved, app, serve)
"""The command groups, in the order of `advisor --help`."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (errors are one line on stderr, no traceback)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args) or 0)
    except AdvisorError as exc:
        echo(f"advisor: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, InputError) else EXIT_FAILED
    except KeyboardInterrupt:
        echo("advisor: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The `advisor` parser with every command group's subcommands."""
    parser = argparse.ArgumentParser(
        prog="advisor", description="Cited answers about becoming an AI/ML engineer."
    )
    from advisor.version import advisor_version

    parser.add_argument("--version", action="version", version=f"advisor {advisor_version()}")
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, run: Callable[[argparse.Namespace], int], help: str) -> Any:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=run)
        p.add_argument("--store", metavar="DIR", help="store directory (ADVISOR_STORE_DIR)")
        return p

    for group in GROUPS:
        group.add_commands(command)
    return parser
