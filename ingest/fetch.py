"""Fetch one http(s) page for ingest: timeout, size cap, and a reason when it fails.

`timeout` bounds each network wait and the whole download.
"""

from __future__ import annotations

import time

import httpx

from ingest.loaders import LoadError

_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "application/pdf": "pdf",
}


def fetch(url: str, *, timeout: float, max_bytes: int) -> tuple[bytes, str]:
    """Return (body, loader kind) or raise LoadError with a one-line reason."""
    headers = {"User-Agent": "career-advisor-ingest/0.1", "Accept": "text/html, text/plain, */*"}
    deadline = time.monotonic() + timeout
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise LoadError(f"HTTP {response.status_code} from {url}")
            ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
            kind = _KINDS.get(ctype) or _kind_from_url(url)
            if kind is None:
                raise LoadError(f"unsupported content type {ctype or 'unknown'!r}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise LoadError(f"page larger than the {max_bytes}-byte cap")
            body = bytearray()
            for part in response.iter_bytes():
                body.extend(part)
                if len(body) > max_bytes:
                    raise LoadError(f"page larger than the {max_bytes}-byte cap")
                if time.monotonic() > deadline:  # a page that trickles in never times out
                    raise httpx.ReadTimeout("total time exceeded")
            return bytes(body), kind
    except httpx.TimeoutException:
        raise LoadError(f"timed out after {timeout:g} s fetching {url}") from None
    except httpx.HTTPError as exc:
        raise LoadError(f"could not fetch {url}: {type(exc).__name__}") from None


def _kind_from_url(url: str) -> str | None:
    path = httpx.URL(url).path.lower()
    for ext, kind in ((".pdf", "pdf"), (".md", "markdown"), (".txt", "text"), (".htm", "html")):
        if path.endswith(ext) or path.endswith(ext + "l"):
            return kind
    return None
