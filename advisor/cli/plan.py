"""`advisor plan` and `advisor roles`: the learning plan and the role comparison in a terminal."""

from __future__ import annotations

import argparse
from typing import Any

from advisor.cli.common import Command, open_advisor
from advisor.planning.profile import LEVELS, PROGRAMMING, SKILLS, Profile
from advisor.terminal import echo, echo_json


def add_commands(command: Command) -> None:
    """Register `plan` and `roles` on the `advisor` parser."""
    p = command("plan", run_plan, "a learning plan and timeline from the guide's steps, cited")
    p.add_argument("--about", metavar="TEXT", help='e.g. "I\'m a Java developer with no math"')
    for name, label in SKILLS.items():
        p.add_argument(f"--{name.replace('_', '-')}", choices=LEVELS, help=f"{label} level")
    p.add_argument(
        "--programming",
        choices=PROGRAMMING,
        help="general programming experience, any language (professional shortens step 3)",
    )
    p.add_argument("--language", metavar="NAME", help="the language you program in, e.g. Java")
    p.add_argument("--hours", type=float, metavar="N", help="hours per week you can study")
    p.add_argument("--role", metavar="ROLE", help="Machine Learning Engineer, Data Scientist, ...")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = command("roles", run_roles, "the three roles side by side, every cell cited")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run_plan(args: argparse.Namespace) -> int:
    """Print the plan for the profile the flags (and `--about`) state."""
    advisor = open_advisor(args)
    stated = Profile.from_dict(_stated(args))
    if args.about:
        stated = advisor.read_profile(args.about).profile.merged(stated)
    plan = advisor.plan(stated)
    echo_json(plan.to_dict()) if args.json else echo(plan.to_markdown())
    return 0


def run_roles(args: argparse.Namespace) -> int:
    """Print the role comparison."""
    table = open_advisor(args).compare_roles()
    echo_json(table.to_dict()) if args.json else echo(table.to_markdown())
    return 0


def _stated(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {"skills": {}}
    for name in SKILLS:
        if getattr(args, name, None):
            data["skills"][name] = getattr(args, name)
    if args.programming:
        data["programming"] = args.programming
    if args.language:
        data["programming_language"] = args.language
    if args.hours is not None:
        data["hours_per_week"] = args.hours
    if args.role:
        data["target_role"] = args.role
    return data
