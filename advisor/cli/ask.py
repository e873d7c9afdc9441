"""`advisor ask`: one question, answered with numbered sources (offline when the model fails)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from advisor.cli.common import Command, open_advisor
from advisor.cli.printing import format_sources, print_streamed
from advisor.errors import ConfigurationError, InputError, LLMError
from advisor.files import Refused, read_regular
from advisor.settings import BACKENDS
from advisor.terminal import echo, echo_json

HISTORY_BYTES = 1 << 20
"""Largest `--history` file read (1 MiB: far more than the turns an answer uses)."""

OFFLINE_MARK = "Offline answer, quoted from the guide (the language model failed):"
"""The line before the offline answer `advisor ask` gives when the model fails."""


def add_commands(command: Command) -> None:
    """Register `ask` on the `advisor` parser."""
    p = command("ask", run, "answer one question with numbered sources")
    p.add_argument("question")
    p.add_argument("--history", metavar="FILE", help='JSON list of {"role","content"}')
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--no-fallback",
        action="store_true",
        help="when the language model fails, stop with its error (no offline answer)",
    )
    p.add_argument("--backend", choices=BACKENDS, help="answerer (ADVISOR_BACKEND)")


def run(args: argparse.Namespace) -> int:
    """Answer the question; print the answer as it streams, or one JSON object."""
    history = read_history(args.history)
    if not args.question.strip():
        raise InputError("the question is empty: ask something about AI/ML careers")
    advisor = open_advisor(args)
    try:
        if args.json:
            echo_json(advisor.ask(args.question, history).to_dict())
        else:
            print_streamed(advisor, args.question, history)
    except (LLMError, ConfigurationError) as exc:
        if args.no_fallback or advisor.backend == "extractive":
            raise
        _answer_offline(advisor, args, history, exc)
    return 0


def read_history(path: str | None) -> list[tuple[str, str]]:
    """The (role, text) turns of a `--history` file; InputError when it is not one."""
    if not path:
        return []
    try:
        raw = read_regular(Path(path), HISTORY_BYTES, "for a history file")
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, Refused) as exc:
        raise InputError(f"cannot read history file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"history file {path} is not valid JSON: {exc.msg}") from None
    if not isinstance(data, list) or not all(
        isinstance(t, dict)
        and t.get("role") in ("user", "assistant")
        and isinstance(t.get("content"), str)
        for t in data
    ):
        raise InputError(
            f'history file {path} must be a JSON list of {{"role": "user"|"assistant", '
            '"content": "..."}'
        )
    return [(t["role"], t["content"]) for t in data]


def _answer_offline(
    advisor: Any, args: argparse.Namespace, history: list[tuple[str, str]], exc: Exception
) -> None:
    """The model's error in one line on stderr, then the offline answer, marked as such."""
    echo(f"advisor: {exc}", file=sys.stderr)
    answer = advisor.offline_answer(args.question, history)  # marked fallback="error"
    if args.json:
        echo_json({**answer.to_dict(), "error": str(exc)})
        return
    echo(OFFLINE_MARK)
    echo(answer.text)
    echo(format_sources(answer))
