"""Metadata filters for retrieval: checked once, then applied in memory or by Chroma.

A filter is a dict. Each key is a field and each value is either a plain value (equality)
or ``{operator: value}``. Several keys must all hold. ``{"$and": [filter, ...]}`` and
``{"$or": [filter, ...]}`` combine filters and can nest.

Fields (text unless noted):

- ``source``: path of the document inside its ingest root, or its URL
- ``title``: document title (a resource card's resource name)
- ``section``: heading path of the passage, e.g. "6. MLOps — ... > Tools"
- ``top_section``: the first heading of that path
- ``kind``: "guide", or a card's kind ("course", "library", "tool", ...)
- ``url``: the document's link
- ``root``: where it was ingested from ("bundled" for the shipped corpus)
- ``doc_key``: the document's identity in the store
- ``step`` (integer): the guide step (1-7) a resource card serves; 0 for the guide
- ``cost``: a card's cost as stated ("free", "free tier", "paid")
- ``level``: a card's level ("beginner", "intermediate", "advanced")

Operators: ``$eq``, ``$ne``, ``$in``, ``$nin`` (a non-empty list) for every field, and
``$gt``, ``$gte``, ``$lt``, ``$lte`` for ``step``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from advisor.errors import InputError
from advisor.records import Chunk

TEXT_FIELDS = ("source", "title", "section", "top_section", "kind", "url", "root", "doc_key")
CARD_FIELDS = ("step", "cost", "level")
"""Fields from a resource card's front matter (stores built before they were kept lack them)."""
FIELDS = (*TEXT_FIELDS, *CARD_FIELDS)
NUMBER_FIELDS = frozenset({"step"})
EQUALITY = ("$eq", "$ne", "$in", "$nin")
ORDER = ("$gt", "$gte", "$lt", "$lte")
LOGIC = ("$and", "$or")
MAX_DEPTH = 8
"""How deeply $and/$or may nest."""
MAX_VALUES = 200
"""Longest list an $in/$nin takes."""

Filter = dict[str, Any]


class Canonical(dict[str, Any]):
    """A filter `normalize` already checked and rewrote: normalizing it again returns it as is
    (its implicit $and of several fields would otherwise count as one more level of nesting)."""


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda v, e: v == e,
    "$ne": lambda v, e: v != e,
    "$in": lambda v, e: v in e,
    "$nin": lambda v, e: v not in e,
    "$gt": lambda v, e: v > e,
    "$gte": lambda v, e: v >= e,
    "$lt": lambda v, e: v < e,
    "$lte": lambda v, e: v <= e,
}


def allowed() -> str:
    """The fields and operators a filter may use, for error messages."""
    return (
        f"fields: {', '.join(FIELDS)}; operators: {', '.join(EQUALITY)} "
        f"(and {', '.join(ORDER)} for step); combine with {' or '.join(LOGIC)}"
    )


def _bad(reason: str) -> InputError:
    return InputError(f"bad filter: {reason}. Allowed {allowed()}")


def normalize(filters: Mapping[str, Any] | None) -> Filter | None:
    """The filter in canonical form ({field: {op: value}}, $and/$or lists), or InputError."""
    if filters is None or isinstance(filters, Canonical):
        return filters
    if not isinstance(filters, Mapping):
        raise _bad(f"expected an object, got {type(filters).__name__}")
    return Canonical(_clause(filters, 0)) if filters else None


def _clause(filters: Mapping[str, Any], depth: int) -> Filter:
    if depth > MAX_DEPTH:
        raise _bad(f"$and/$or nest deeper than {MAX_DEPTH} levels")
    parts: list[Filter] = []
    for key, value in filters.items():
        if not isinstance(key, str):
            raise _bad(f"field names are text, got {key!r}")
        if key in LOGIC:
            branches = _branches(key, value, depth)
            parts.append(branches[0] if len(branches) == 1 else {key: branches})
        elif key in FIELDS:
            parts.append({key: _condition(key, value)})
        elif key.startswith("$"):
            raise _bad(f"unknown operator {key!r} where a field or $and/$or belongs")
        else:
            raise _bad(f"unknown field {key!r}")
    if not parts:
        raise _bad("an empty object inside $and/$or")
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _branches(op: str, value: Any, depth: int) -> list[Filter]:
    if not isinstance(value, list | tuple) or not value:
        raise _bad(f"{op} takes a non-empty list of filters")
    branches = []
    for item in value:
        if not isinstance(item, Mapping):
            raise _bad(f"{op} takes a list of filter objects, got {type(item).__name__}")
        branches.append(_clause(item, depth + 1))
    return branches


def _condition(field: str, value: Any) -> dict[str, Any]:
    ops = value if isinstance(value, Mapping) else {"$eq": value}
    if len(ops) != 1:
        raise _bad(f"{field!r} takes one operator per condition (use $and for more)")
    ((op, expected),) = ops.items()
    if op in ORDER and field not in NUMBER_FIELDS:
        raise _bad(f"{op} applies to step only, not {field!r}")
    if op not in EQUALITY and op not in ORDER:
        raise _bad(f"unknown operator {op!r} on {field!r}")
    if op in ("$in", "$nin"):
        if not isinstance(expected, list | tuple) or not expected:
            raise _bad(f"{op} on {field!r} takes a non-empty list")
        if len(expected) > MAX_VALUES:
            raise _bad(f"{op} on {field!r} takes at most {MAX_VALUES} values")
        return {op: [_scalar(field, op, v) for v in expected]}
    return {op: _scalar(field, op, expected)}


def _scalar(field: str, op: str, value: Any) -> str | int:
    if field in NUMBER_FIELDS:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON's 3.0 is the integer 3
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(f"{field!r} {op} takes a whole number, got {value!r}")
        return value
    if not isinstance(value, str):
        raise _bad(f"{field!r} {op} takes text, got {type(value).__name__}")
    return value


def fields_of(filters: Filter | None) -> set[str]:
    """The fields a canonical filter reads."""
    found: set[str] = set()
    for key, value in (filters or {}).items():
        if key in LOGIC:
            for branch in value:
                found |= fields_of(branch)
        else:
            found.add(key)
    return found


def chroma_where(filters: Filter | None) -> Filter | None:
    """A canonical filter as Chroma's `where` (the same grammar)."""
    return filters or None


def matches(chunk: Chunk, filters: Mapping[str, Any] | None) -> bool:
    """Whether a chunk passes a filter, exactly as Chroma's `where` decides."""
    canonical = normalize(filters)
    return canonical is None or passes(chunk, canonical)


def passes(chunk: Chunk, filters: Filter) -> bool:
    """`matches` for a filter already in canonical form (no checks: the hot loop)."""
    for key, value in filters.items():
        if key == "$and":
            ok = all(passes(chunk, branch) for branch in value)
        elif key == "$or":
            ok = any(passes(chunk, branch) for branch in value)
        else:
            ((op, expected),) = value.items()
            ok = _COMPARE[op](getattr(chunk, key), expected)
        if not ok:
            return False
    return True


def check_k(k: object, max_k: int) -> None:
    """InputError unless k is a whole number from 1 to max_k (ADVISOR_MAX_K)."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= max_k:
        raise InputError(f"k must be a whole number from 1 to {max_k} (ADVISOR_MAX_K), not {k!r}")
