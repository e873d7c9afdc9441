"""`advisor serve`: run the HTTP API (needs the api extra)."""

from __future__ import annotations

import argparse
import os

from advisor.cli.common import Command, settings_for
from advisor.errors import AdvisorError


def add_commands(command: Command) -> None:
    """Register `serve` on the `advisor` parser."""
    p = command("serve", run, "run the HTTP API (needs the api extra)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--workers", type=_positive, default=1, help="worker processes (each loads the model)"
    )
    p.add_argument("--root-path", default="", help='path prefix behind a proxy, e.g. "/advisor"')
    p.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="the server's log level (default info)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until stopped; without the api extra, say how to install it."""
    try:
        from advisor.api.serving import serve
    except ImportError:
        raise AdvisorError("the API needs its extra: pip install 'career-advisor[api]'") from None
    if args.store:  # several workers read their settings from the environment
        os.environ["ADVISOR_STORE_DIR"] = args.store
    serve(
        settings_for(args),
        host=args.host,
        port=args.port,
        workers=args.workers,
        root_path=args.root_path.rstrip("/"),
        log_level=args.log_level,
    )
    return 0


def _positive(text: str) -> int:
    """An argparse type: a whole number from 1 up."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {text!r}")
    return int(text)
