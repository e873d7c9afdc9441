"""The pointer record: which collection readers serve, and what the writers are doing.

A reset builds `<collection>__<n>` beside the live collection and switches readers over by
rewriting one small record, the metadata of the empty collection `<collection>__pointer`
(a single metadata write, atomic in embedded and server mode alike). A store written before
the pointer existed serves `<collection>` itself until its next ingest adds a pointer.

Fields: `live` (the collection served, "" for none), `generation` (bumped by every ingest
that changed something), `writing` (the collection an ingest is writing, "" when none:
when it names the live collection an in-place ingest has not finished), `writing_since`
(when it started) and `retired` (a JSON list of collections replaced by a reset, dropped at
the next ingest so readers still using one finish first).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chromadb.api import ClientAPI


@dataclass(frozen=True)
class Pointer:
    """What the pointer record says (or what a store without one implies)."""

    live: str = ""
    generation: int = 0
    writing: str = ""
    writing_since: str = ""
    retired: tuple[str, ...] = field(default_factory=tuple)
    stored: bool = False
    """Whether the record exists (False: a fresh store, or one written before pointers)."""

    @property
    def incomplete(self) -> bool:
        """An ingest writing in place into the live collection has not finished."""
        return bool(self.live) and self.writing == self.live

    def to_metadata(self) -> dict[str, Any]:
        """The pointer collection's metadata."""
        return {
            "live": self.live,
            "generation": self.generation,
            "writing": self.writing,
            "writing_since": self.writing_since,
            "retired": json.dumps(list(self.retired)),
        }

    def with_(self, **changes: Any) -> Pointer:
        """A copy with some fields changed."""
        return replace(self, **changes)


def pointer_name(collection: str) -> str:
    """The name of the pointer collection for a configured collection name."""
    return f"{collection}__pointer"


def build_name(collection: str, generation: int) -> str:
    """The name of a collection built aside for a generation."""
    return f"{collection}__{generation}"


def is_build(collection: str, name: str) -> bool:
    """Whether `name` is a collection built aside for this configured collection."""
    return re.fullmatch(re.escape(collection) + r"__\d+", name) is not None


def is_missing(exc: BaseException) -> bool:
    """Whether Chroma says a collection does not exist."""
    return type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc)


def read_pointer(client: ClientAPI, collection: str) -> Pointer:
    """The pointer record, or what a store without one implies (legacy or fresh)."""
    try:
        meta = dict(client.get_collection(pointer_name(collection)).metadata or {})
    except Exception as exc:
        if not is_missing(exc):
            raise
        return _legacy(client, collection)
    try:
        retired = tuple(str(n) for n in json.loads(str(meta.get("retired") or "[]")))
    except ValueError:
        retired = ()
    return Pointer(
        live=str(meta.get("live") or ""),
        generation=int(meta.get("generation") or 0),
        writing=str(meta.get("writing") or ""),
        writing_since=str(meta.get("writing_since") or ""),
        retired=retired,
        stored=True,
    )


def _legacy(client: ClientAPI, collection: str) -> Pointer:
    try:
        meta = client.get_collection(collection).metadata or {}
    except Exception as exc:
        if not is_missing(exc):
            raise
        return Pointer()
    return Pointer(live=collection, generation=int(meta.get("generation") or 0))


def write_pointer(client: ClientAPI, collection: str, pointer: Pointer) -> Pointer:
    """Store the pointer record (creating it on first use); one metadata write."""
    meta = pointer.to_metadata()
    col = client.get_or_create_collection(pointer_name(collection), metadata=meta)
    col.modify(metadata=meta)
    return pointer.with_(stored=True)


def now() -> str:
    """The current UTC time as ISO seconds (ingest start and end stamps)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
