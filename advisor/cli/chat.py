"""`advisor chat`: an interactive chat in the terminal that also gathers a profile for `/plan`."""

from __future__ import annotations

import argparse

from advisor.cli.common import Command, open_advisor
from advisor.cli.printing import print_streamed
from advisor.errors import AdvisorError
from advisor.settings import BACKENDS
from advisor.terminal import echo


def add_commands(command: Command) -> None:
    """Register `chat` on the `advisor` parser."""
    p = command("chat", run, "interactive chat in the terminal (/reset, /quit)")
    p.add_argument("--backend", choices=BACKENDS, help="answerer (ADVISOR_BACKEND)")


def run(args: argparse.Namespace) -> int:
    """Read questions until /quit or end of input; /reset starts over, /plan shows the plan."""
    from advisor.planning.chat_reply import asks_something, profile_reply
    from advisor.planning.profile import Profile

    advisor = open_advisor(args)
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
                reply = profile_reply(update, advisor.plan)
                echo(f"advisor> {reply} (/plan shows the plan)")
                if not asks_something(question):
                    history += [("user", question), ("assistant", reply)]  # a plan reads it
                    continue
            echo("advisor> ", end="")
            answer = print_streamed(advisor, question, history, profile)
            if answer is not None:
                history += [("user", question), ("assistant", answer.text)]
        except AdvisorError as exc:
            echo(f"\n(advisor: {exc})")
