"""Fetch one http(s) page for ingest: timeout, size cap, and a reason when it fails.

`timeout` bounds each network wait and the whole download. Redirects are followed by hand
(at most MAX_REDIRECTS), and every hop's host is resolved and checked before it is
contacted: loopback, link-local, private and other non-public addresses are refused unless
`allow_private` (ADVISOR_ALLOW_PRIVATE_URLS). The connection then goes to the address that
was checked, so a name that resolves differently a moment later cannot slip past. Messages
never show a URL's credentials.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable

import httpx

from advisor.safety import redact_url
from ingest.loaders import LoadError

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "application/pdf": "pdf",
}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
"""(host, port) -> the addresses a connection to it may use."""


def resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for host (an IP literal is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise LoadError(f"cannot resolve {host}: {exc}") from None
    return [str(info[4][0]) for info in infos]


def is_public(ip: IPAddress) -> bool:
    """Whether an address is on the public internet (not loopback, private, link-local...)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def public_address(
    host: str,
    port: int,
    resolver: Resolver = resolve,
    public: Callable[[IPAddress], bool] = is_public,
) -> str:
    """The address to connect to for host, or LoadError when any of its addresses is not public."""
    addresses = resolver(host.strip("[]"), port)
    if not addresses:
        raise LoadError(f"cannot resolve {host}")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not public(ip):
            raise LoadError(
                f"refused: {host} is a {_kind(ip)} address "
                "(set ADVISOR_ALLOW_PRIVATE_URLS=1 to allow it)"
            )
    return addresses[0]


def _kind(ip: IPAddress) -> str:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    return "private" if ip.is_private else "non-public"


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool = False,
    resolver: Resolver = resolve,
    public: Callable[[IPAddress], bool] = is_public,
) -> tuple[bytes, str]:
    """Return (body, loader kind) or raise LoadError with a one-line reason."""
    headers = {"User-Agent": "career-advisor-ingest/0.1", "Accept": "text/html, text/plain, */*"}
    deadline = time.monotonic() + timeout
    shown = redact_url(url)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, headers=headers) as client:
            target = httpx.URL(url)
            for _ in range(MAX_REDIRECTS + 1):
                if target.scheme not in ("http", "https"):
                    raise LoadError(f"refused: a redirect to a {target.scheme or 'bad'} URL")
                request = _request(client, target, allow_private, resolver, public)
                response = client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        target = target.join(location)
                        continue
                    return _body(response, str(target), shown, max_bytes, deadline)
                finally:
                    response.close()
            raise LoadError(f"more than {MAX_REDIRECTS} redirects from {shown}")
    except httpx.TimeoutException:
        raise LoadError(f"timed out after {timeout:g} s fetching {shown}") from None
    except httpx.HTTPError as exc:
        raise LoadError(f"could not fetch {shown}: {type(exc).__name__}") from None
    except (ValueError, UnicodeError):
        raise LoadError(f"could not fetch {shown}: not a valid URL") from None


def _request(
    client: httpx.Client,
    url: httpx.URL,
    allow_private: bool,
    resolver: Resolver,
    public: Callable[[IPAddress], bool],
) -> httpx.Request:
    """A GET for url, sent to the checked address of its host (the Host header and TLS name
    stay the host's own)."""
    if allow_private:
        return client.build_request("GET", url)
    port = url.port or (443 if url.scheme == "https" else 80)
    address = public_address(url.host, port, resolver, public)
    host = url.netloc.decode("ascii").rpartition("@")[2]
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return client.build_request(
        "GET", url.copy_with(host=address), headers={"Host": host}, extensions=extensions
    )


def _body(
    response: httpx.Response, url: str, shown: str, max_bytes: int, deadline: float
) -> tuple[bytes, str]:
    if response.status_code >= 400:
        raise LoadError(f"HTTP {response.status_code} from {shown}")
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


def _kind_from_url(url: str) -> str | None:
    path = httpx.URL(url).path.lower()
    for ext, kind in ((".pdf", "pdf"), (".md", "markdown"), (".txt", "text"), (".htm", "html")):
        if path.endswith(ext) or path.endswith(ext + "l"):
            return kind
    return None
