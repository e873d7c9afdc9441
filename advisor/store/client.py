"""Opening Chroma: an embedded `PersistentClient` on disk, or an `HttpClient` to a server.

Also how a connection failure is recognised and worded, and how an embedded
client's cached system is dropped so a new client reads the index from disk.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.errors import StoreUnavailable
from advisor.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI


def make_client(settings: Settings) -> ClientAPI:
    """A Chroma client for these settings: a server when CHROMA_HOST is set, else on disk."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.remote_store:
            return chromadb.HttpClient(
                host=settings.chroma_host or "localhost",
                port=settings.chroma_port,
                settings=chroma_settings,
            )
        settings.store_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except (OSError, ValueError, ConnectionError) as exc:
        raise StoreUnavailable(unavailable(settings, exc)) from None
    except Exception as exc:  # chromadb raises its own error types for a down server
        if is_damage(exc) and not is_connection_error(exc):
            raise StoreUnavailable(damaged(settings, f"{type(exc).__name__}: {exc}")) from None
        raise StoreUnavailable(unavailable(settings, exc)) from None


def quarantine(settings: Settings) -> Path:
    """Move an embedded store's Chroma files into a `damaged-<time>` folder beside them."""
    folder = settings.store_dir / time.strftime("damaged-%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    for path in settings.store_dir.iterdir():
        if path.name.startswith("chroma.sqlite3") or (path / "header.bin").exists():
            path.rename(folder / path.name)
    return folder


def unavailable(settings: Settings, exc: BaseException) -> str:
    """The one-line message for a store that cannot be reached or opened."""
    where = (
        f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
        if settings.remote_store
        else f"embedded store in {settings.store_dir}"
    )
    return f"vector store unavailable ({where}): {type(exc).__name__}: {exc}".strip()


def is_connection_error(exc: BaseException) -> bool:
    """Whether an exception from Chroma means the store cannot be reached."""
    text = f"{type(exc).__name__} {exc}".lower()
    return any(
        word in text
        for word in ("connect", "connection", "timed out", "timeout", "unavailable", "refused")
    )


def forget_embedded_system(client: ClientAPI) -> None:
    """Drop Chroma's per-process cached system for this client's path.

    Embedded Chroma keeps one system per path and process; the next client made
    for the path then loads the vector index from disk (and so sees other writers).
    Clients already handed out keep working on the old system.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = getattr(client, "_identifier", None)
    if identifier is not None:
        SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def forget_embedded_path(settings: Settings) -> None:
    """Drop Chroma's cached system for an embedded store's folder (after a failed open)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(settings.store_dir), None)
    SharedSystemClient._identifier_to_refcount.pop(str(settings.store_dir), None)


FIX = "rebuild it with `advisor ingest --reset`"


def damaged(settings: Settings, reason: str) -> str:
    """The one-line message for a store that must not be served, naming the fix."""
    where = (
        f"collection {settings.collection!r} on the Chroma server at "
        f"{settings.chroma_host}:{settings.chroma_port}"
        if settings.remote_store
        else f"embedded store in {settings.store_dir}"
    )
    return f"the vector index is damaged ({where}: {reason}); {FIX}"


def is_damage(exc: BaseException) -> bool:
    """Whether an exception from Chroma means the stored index cannot be read."""
    name = type(exc).__name__
    text = str(exc).lower()
    return name == "InternalError" or any(
        word in text for word in ("not a database", "malformed", "hnsw", "pickle")
    )
