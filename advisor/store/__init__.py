"""The vector store: Chroma on local disk or a Chroma server.

- `chroma`: `Store`, what readers and the ingest writer call.
- `live`: the collection a `Store` serves, found through the pointer and checked.
- `client`: makes the Chroma client (embedded or server) and names connection errors.
- `pointer`: the collection naming the live one (a reset builds aside, then swaps).
- `writer`: `StoreWriter`, a build-aside reset and incremental writes.
- `check`: integrity checks, also run in a child process (`python -m advisor.store.check`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.store.chroma import Store

__all__ = ["Store"]


def __getattr__(name: str) -> object:
    """`Store` is imported on first use, so `python -m advisor.store.check` (a child process)
    does not load the reader first."""
    if name != "Store":
        raise AttributeError(f"module 'advisor.store' has no attribute {name!r}")
    from advisor.store.chroma import Store

    return Store
