"""`advisor chats`: list the chats saved by the app (every browser), or clean up old ones."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from advisor.settings import Settings
from advisor.terminal import echo, echo_json

Command = Callable[[str, Callable[[argparse.Namespace], int], str], Any]


def _days(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {raw!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("the number of days must be 0 or more")
    return value


def add_command(command: Command, settings: Callable[[argparse.Namespace], Settings]) -> None:
    """Register `chats` on the `advisor` parser."""

    def run(args: argparse.Namespace) -> int:
        from advisor.chats import ChatStore

        store = ChatStore.from_settings(settings(args))
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

    p = command("chats", run, "list the chats saved by the app (all browsers), or delete old ones")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--delete-older-than",
        type=_days,
        metavar="DAYS",
        help="delete chats whose last message is older than DAYS, and say how many",
    )
