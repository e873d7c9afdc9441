"""The `advisor` command: ingest, ask, retrieve, chat, plan, roles, eval, doctor, app, serve, ..."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError, ConfigurationError, InputError, LLMError
from advisor.files import Refused, read_regular
from advisor.settings import BACKENDS, Settings
from advisor.terminal import echo, echo_json

EXIT_USAGE = 2
EXIT_FAILED = 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (errors are one line on stderr, no traceback)."""
    parser = _parser()
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


def _parser() -> argparse.ArgumentParser:
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

    p = command("ingest", _ingest, "index files, folders or URLs (default: the bundled corpus)")
    p.add_argument("inputs", nargs="*", metavar="PATH_OR_URL")
    p.add_argument("--reset", action="store_true", help="drop the index first")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    for name, run, help in (
        ("ask", _ask, "answer one question with numbered sources"),
        ("chat", _chat, "interactive chat in the terminal (/reset, /quit)"),
    ):
        p = command(name, run, help)
        if name == "ask":
            p.add_argument("question")
            p.add_argument("--history", metavar="FILE", help='JSON list of {"role","content"}')
            p.add_argument("--json", action="store_true", help="print one JSON object")
            p.add_argument(
                "--no-fallback",
                action="store_true",
                help="when the language model fails, stop with its error (no offline answer)",
            )
        p.add_argument("--backend", choices=BACKENDS, help="answerer (ADVISOR_BACKEND)")

    p = command("retrieve", _retrieve, "show the ranked sources for a question")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=4, help="number of sources (default 4)")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    from advisor.cli_plan import add_commands

    add_commands(command, _advisor)

    p = command("eval", _eval, "measure retrieval, refusal and answer quality vs a baseline")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline stack")
    p.add_argument("--backend", choices=BACKENDS, default="extractive", help="answerer to measure")

    p = command("doctor", _doctor, "check the whole index: every record readable and found")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = command("feedback", _feedback, "list the ratings and comments stored by the chat app")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    from advisor.cli_chats import add_command as add_chats_command

    add_chats_command(command, _settings)

    from advisor.cli_app import add_command as add_app_command

    add_app_command(command)

    p = command("serve", _serve, "run the HTTP API (needs the api extra)")
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
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.from_env(store_dir=getattr(args, "store", None), **extra)


def _advisor(args: argparse.Namespace) -> Any:
    from advisor.core import CareerAdvisor

    settings = _settings(args, backend=getattr(args, "backend", None))
    advisor = CareerAdvisor.from_settings(settings)
    advisor.ensure_index(progress=sys.stderr.isatty())
    return advisor


def _ingest(args: argparse.Namespace) -> int:
    from ingest import ingest, require_ok

    report = ingest(args.inputs, settings=_settings(args), reset=args.reset, progress=True)
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


HISTORY_BYTES = 1 << 20
"""Largest `--history` file read (1 MiB: far more than the turns an answer uses)."""


def _read_history(path: str | None) -> list[tuple[str, str]]:
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


def _ask(args: argparse.Namespace) -> int:
    history = _read_history(args.history)
    if not args.question.strip():
        raise InputError("the question is empty: ask something about AI/ML careers")
    advisor = _advisor(args)
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


OFFLINE_MARK = "Offline answer, quoted from the guide (the language model failed):"
"""The line before the offline answer `advisor ask` gives when the model fails."""


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


def print_streamed(advisor: Any, question: str, history: list[tuple[str, str]]) -> Any:
    """Print an answer as it streams (deltas are already safe), then its numbered sources."""
    answer = None
    for item in advisor.stream(question, history):
        if isinstance(item, str):
            echo(item, end="")
        else:
            answer = item
    echo()
    if answer is not None:
        echo(format_sources(answer))
        if answer.warning:
            echo(f"advisor: note: {answer.warning}", file=sys.stderr)
    return answer


def format_sources(answer: Any) -> str:
    """The numbered source list printed under an answer."""
    if answer.refused or not answer.sources:
        return ""
    lines = ["", "Sources:"]
    for n, s in enumerate(answer.sources, start=1):
        where = f" — {s.section}" if s.section else ""
        link = f" <{s.url}>" if s.url else ""
        mark = "" if s.cited else " (not cited)"
        lines.append(f"  [{n}] {s.title}{where}{link}{mark}")
    if answer.incomplete:
        lines.append("  (the answer was cut off before it finished)")
    return "\n".join(lines)


def _retrieve(args: argparse.Namespace) -> int:
    advisor = _advisor(args)
    sources = advisor.retrieve(args.question, k=max(1, args.k))
    if args.json:
        echo_json([s.to_dict() for s in sources])
        return 0
    for n, s in enumerate(sources, start=1):
        echo(f"[{n}] {s.score:.4f} {s.title} — {s.section} ({s.source})")
        echo("    " + s.text[:200].replace("\n", " "))
    return 0


def _chat(args: argparse.Namespace) -> int:
    from advisor.planning.profile import Profile, asks_something, profile_reply

    advisor = _advisor(args)
    history: list[tuple[str, str]] = []
    profile = Profile()
    echo(
        f"career-advisor ({advisor.describe_backend()}). Tell me about yourself for a plan; "
        "/plan shows it, /reset starts over, /quit leaves."
    )
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            echo()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/reset":
            history.clear()
            profile = Profile()
            echo("(new conversation)")
            continue
        if question == "/plan":
            echo(advisor.plan(profile).to_markdown())
            continue
        if not question:
            continue
        try:
            update = advisor.read_profile(question, profile)
            if update.changed:
                profile = update.profile
                echo(f"advisor> {profile_reply(update)} (/plan shows the plan)")
                if not asks_something(question):
                    continue
            echo("advisor> ", end="")
            answer = print_streamed(advisor, question, history)
            if answer is not None:
                history += [("user", question), ("assistant", answer.text)]
        except AdvisorError as exc:
            echo(f"\n(advisor: {exc})")


def _eval(args: argparse.Namespace) -> int:
    from advisor.evaluation.run import evaluate, format_report

    report = evaluate(_settings(args), baseline=not args.no_baseline, backend=args.backend)
    if args.json:
        echo_json(report)
    else:
        echo(format_report(report))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from advisor.store import Store
    from advisor.store.client import FIX

    settings = _settings(args)
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


def _feedback(args: argparse.Namespace) -> int:
    from advisor.feedback import FeedbackStore

    rows = FeedbackStore.from_settings(_settings(args)).list()
    if args.json:
        echo_json([r.to_dict() for r in rows])
        return 0
    for r in rows:
        thumb = "up" if r.rating else "down"
        echo(f"{r.created_at} {thumb:4} [{r.backend}] {r.question}")
        if r.comment:
            echo(f"    comment: {' '.join(r.comment.split())}")
    if not rows:
        echo("no feedback stored yet")
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from advisor.api.serving import serve
    except ImportError:
        raise AdvisorError("the API needs its extra: pip install 'career-advisor[api]'") from None
    if args.store:  # several workers read their settings from the environment
        os.environ["ADVISOR_STORE_DIR"] = args.store
    serve(
        _settings(args),
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


if __name__ == "__main__":
    raise SystemExit(main())
