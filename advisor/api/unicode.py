"""Request bodies must be valid Unicode: a JSON `\\ud800` escape alone is refused with 400.

JSON can spell a lone UTF-16 surrogate (`"\\ud800"`), which decodes to a Python string no
encoder, tokenizer or database takes. Rather than fail somewhere deep (a 500), the API
refuses such a body up front, naming the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""A cheap test that a body may hold a surrogate at all (most never do)."""
_LONE = re.compile("[\ud800-\udfff]")


def lone_surrogate(body: bytes) -> str | None:
    """Where a lone surrogate sits in a JSON body ("filters.kind", "messages[0].content"),
    "the request body" when it is not in a value; None when there is none or no JSON."""
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own validation says so
    return _find(data, "")


def _find(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return (path or "the request body") if _LONE.search(value) else None
    if isinstance(value, list):
        for i, item in enumerate(value):
            if (found := _find(item, f"{path}[{i}]")) is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if _LONE.search(key):
                return f"a field name in {path or 'the request body'}"
            if (found := _find(item, where)) is not None:
                return found
    return None


def message(where: str) -> str:
    """The 400 message for a lone surrogate at `where`."""
    return f"invalid request: {where} holds a lone UTF-16 surrogate (\\ud800-\\udfff), not text"


def param(where: str) -> str | None:
    """The request field a lone surrogate's `where` names; None for the body as a whole."""
    if where == "the request body" or where.startswith("a field name in the request body"):
        return None
    return where.removeprefix("a field name in ")
