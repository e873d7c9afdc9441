"""A made-up document no real corpus contains: proof that a new ingest reached a reader."""

from __future__ import annotations

from pathlib import Path

ZORB_TITLE = "Zorbulate Method"
ZORB_QUESTION = "What is the zorbulate method?"
ZORB = """---
title: Zorbulate Method
url: https://zorbulate.example.org/
kind: technique
---
# Zorbulate Method

## What it is
Zorbulate is a made-up study technique: to zorbulate a paper, you re-implement
its smallest experiment in one evening before reading the related work. Zorbulating
keeps a learner honest about what they can build.
"""


def write_zorb(folder: Path) -> Path:
    """Write the card as `zorbulate.md` in `folder` (created if needed); return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "zorbulate.md"
    path.write_text(ZORB, encoding="utf-8")
    return path
