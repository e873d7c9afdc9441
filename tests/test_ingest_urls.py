"""URL ingest: no server-side request forgery, no credentials shown.

Loopback, link-local and private addresses are refused unless ADVISOR_ALLOW_PRIVATE_URLS is
set, at the first hop and after every redirect (followed by hand, each hop's host resolved
and checked, then contacted at the checked address). Tests reach only 127.0.0.1: to make a
first hop count as "public", the address policy and the resolver are injected.
Credentials in an ingested URL fetch the page but are never stored, served or printed.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from advisor import Settings, Store
from ingest import ingest
from ingest.fetch import MAX_REDIRECTS, IPAddress, fetch, is_public, public_address
from ingest.loaders import LoadError

PAGE = b"<html><head><title>Remote page</title></head><body><h2>Portfolio</h2>"
PAGE += b"<p>Build three projects: a classifier and an LLM app.</p></body></html>"
PASSWORD, TOKEN = "pw-Zq81-secret", "tok-Yv42-secret"


class Web:
    """A page server on 127.0.0.1 that records what it was asked (path, Host, credentials)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []
        state = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                auth = self.headers.get("Authorization", "")
                state.seen.append((self.path, self.headers.get("Host", ""), auth))
                path = urlsplit(self.path)
                if path.path == "/to":  # redirect wherever ?u= says
                    self.send_response(302)
                    self.send_header("Location", parse_qs(path.query)["u"][0])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path.path == "/loop":
                    self.send_response(301)
                    self.send_header("Location", "/loop")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path.path in ("/page.html", "/secret"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(PAGE)))
                    self.end_headers()
                    self.wfile.write(PAGE)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.seen]


@pytest.fixture
def web() -> Iterator[Web]:
    site = Web()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


def only_loopback_one(ip: IPAddress) -> bool:
    """A policy where 127.0.0.1 plays a public site and every other address stays private."""
    return str(ip) == "127.0.0.1" or is_public(ip)


def get(url: str, **kw: object) -> tuple[bytes, str]:
    return fetch(url, timeout=10, max_bytes=100_000, **kw)  # type: ignore[arg-type]


def test_loopback_is_refused_by_default_and_allowed_by_the_setting(web: Web) -> None:
    report = ingest([f"{web.url}/page.html"], settings=Settings.from_env(), progress=False)
    [skipped] = report.skipped
    assert skipped.reason.startswith("refused: 127.0.0.1 is a loopback address")
    assert "ADVISOR_ALLOW_PRIVATE_URLS" in skipped.reason and web.seen == []  # never contacted
    assert Settings.from_env(env={"ADVISOR_ALLOW_PRIVATE_URLS": "1"}).allow_private_urls
    allowed = Settings.from_env(allow_private_urls=True)
    report = ingest([f"{web.url}/page.html"], settings=allowed, progress=False)
    assert report.added == 1 and not report.skipped


def test_every_redirect_hop_is_checked_before_it_is_contacted(web: Web) -> None:
    assert get(f"{web.url}/page.html", public=only_loopback_one)[1] == "html"
    internal = f"http://127.0.0.2:{web.port}/secret"  # loopback too, but "private" here
    with pytest.raises(LoadError, match=r"refused: 127\.0\.0\.2 is a loopback address"):
        get(f"{web.url}/to?u={internal}", public=only_loopback_one)
    for name, address in (("metadata.test", "169.254.169.254"), ("intranet.test", "10.1.2.3")):
        target = f"http://{name}:{web.port}/secret"

        def resolver(host: str, port: int, name: str = name, address: str = address) -> list[str]:
            return [address] if host == name else [host]

        with pytest.raises(LoadError, match=f"refused: {name} is a (link-local|private) address"):
            get(f"{web.url}/to?u={target}", public=only_loopback_one, resolver=resolver)
    assert "/secret" not in web.paths() and len(web.seen) == 4  # the first hops only
    with pytest.raises(LoadError, match=f"more than {MAX_REDIRECTS} redirects"):
        get(f"{web.url}/loop", public=only_loopback_one)
    inside = f"{web.url}/to?u={web.url}/secret"
    assert get(inside, allow_private=True) == (PAGE, "html")  # the setting lets it through
    assert web.paths()[-1] == "/secret"


def test_the_checked_address_is_the_one_contacted(web: Web) -> None:
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a name whose answer changes (rebinding)

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    url = f"http://docs.test:{web.port}/page.html"  # a name only the injected resolver knows
    body, _ = get(url, resolver=rebinding, public=only_loopback_one)
    assert body == PAGE and web.seen[-1][:2] == ("/page.html", f"docs.test:{web.port}")
    with pytest.raises(LoadError, match=r"refused: docs\.test is a private address"):
        get(url, resolver=rebinding, public=only_loopback_one)  # looked up and checked again
    assert len(web.seen) == 1


def test_the_address_policy() -> None:
    private = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0"]
    private += ["100.64.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1"]
    for address in private:
        assert not is_public(ipaddress.ip_address(address)), address
    for address in ("93.184.216.34", "2606:4700::1111"):
        assert is_public(ipaddress.ip_address(address)), address

    def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(LoadError, match=r"refused: mixed\.test is a private address"):
        public_address("mixed.test", 80, mixed)
    assert public_address("example.test", 80, lambda h, p: ["93.184.216.34"]) == "93.184.216.34"


def test_credentials_in_an_ingested_url_are_used_but_never_shown(web: Web) -> None:
    allowed = Settings.from_env(allow_private_urls=True)
    good = f"http://reader:{PASSWORD}@127.0.0.1:{web.port}/page.html?token={TOKEN}&id=3"
    bad = f"http://reader:{PASSWORD}@127.0.0.1:{web.port}/missing?token={TOKEN}"
    report = ingest([good, bad], settings=allowed, progress=False)
    assert report.added == 1
    expected = base64.b64encode(f"reader:{PASSWORD}".encode()).decode()
    asked = (f"/page.html?token={TOKEN}&id=3", f"127.0.0.1:{web.port}", f"Basic {expected}")
    assert asked in web.seen  # the credentials were used to fetch
    shown = json.dumps(report.to_dict())
    assert PASSWORD not in shown and TOKEN not in shown and "HTTP 404 from" in shown
    chunks = Store.open(allowed).all_chunks()
    stored = json.dumps([c.metadata() for c in chunks])
    assert PASSWORD not in stored and TOKEN not in stored
    assert {c.url for c in chunks} == {f"http://127.0.0.1:{web.port}/page.html?token=***&id=3"}
