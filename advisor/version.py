"""The installed version of career-advisor: `advisor --version`, `/readyz` and the API docs."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def advisor_version() -> str:
    """The installed distribution's version, or "unknown" when running from a bare checkout."""
    try:
        return version("career-advisor")
    except PackageNotFoundError:
        return "unknown"
