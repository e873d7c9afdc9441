"""What every `advisor` command shares: exit codes, the settings, the opened advisor."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from advisor.settings import Settings

EXIT_USAGE = 2
EXIT_FAILED = 1

Command = Callable[[str, Callable[[argparse.Namespace], int], str], Any]
"""Registers a subcommand: (name, run, help) -> its argparse parser (with `--store`)."""


def settings_for(args: argparse.Namespace, **extra: Any) -> Settings:
    """The settings a command runs with: `--store` and `extra` over the environment."""
    return Settings.from_env(store_dir=getattr(args, "store", None), **extra)


def open_advisor(args: argparse.Namespace) -> Any:
    """The advisor with the command's `--backend`, its index built if it is missing."""
    from advisor.core import CareerAdvisor

    settings = settings_for(args, backend=getattr(args, "backend", None))
    advisor = CareerAdvisor.from_settings(settings)
    advisor.ensure_index(progress=sys.stderr.isatty())
    return advisor
