"""`advisor feedback` and `advisor chats`: what the chat app saved (ratings, chats), listed
for every browser; old chats can be deleted."""

from __future__ import annotations

import argparse

from advisor.cli.common import Command, settings_for
from advisor.terminal import echo, echo_json


def add_commands(command: Command) -> None:
    """Register `feedback` and `chats` on the `advisor` parser."""
    p = command("feedback", run_feedback, "list the ratings and comments stored by the chat app")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = command(
        "chats", run_chats, "list the chats saved by the app (all browsers), or delete old ones"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--delete-older-than",
        type=_days,
        metavar="DAYS",
        help="delete chats whose last message is older than DAYS, and say how many",
    )


def run_feedback(args: argparse.Namespace) -> int:
    """Print every stored rating, its comment on one line."""
    from advisor.feedback import FeedbackStore

    rows = FeedbackStore.from_settings(settings_for(args)).list()
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


def run_chats(args: argparse.Namespace) -> int:
    """List every saved chat, or delete those older than `--delete-older-than` days."""
    from advisor.chats import ChatStore

    store = ChatStore.from_settings(settings_for(args))
    if args.delete_older_than is not None:
        deleted = store.delete_older_than(args.delete_older_than)
        if args.json:
            echo_json({"deleted": deleted, "older_than_days": args.delete_older_than})
        else:
            echo(f"deleted {deleted} chat(s) older than {args.delete_older_than:g} days")
        return 0
    chats = store.all_chats()
    if args.json:
        echo_json([c.to_dict() for c in chats])
        return 0
    for c in chats:
        echo(f"{c.updated_at}  {c.id}  {c.messages:3d} msgs  {c.browser}  {c.title}")
    if not chats:
        echo("no chats saved yet")
    return 0


def _days(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {raw!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("the number of days must be 0 or more")
    return value
