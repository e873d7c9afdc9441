"""Known Markdown exfiltration forms, and a CommonMark check of what a renderer would fetch.

Each form is a template: `{url}` is a canary address (a path is appended per form), and
rendered as written, every form makes a Markdown renderer fetch it, link to it with a
script or data scheme, or emit raw HTML that does. `active` lists what a CommonMark
renderer (markdown-it-py, with GFM tables, raw HTML and reference definitions on) would
make of a text that fetches by itself or runs script.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from markdown_it import MarkdownIt

FORMS: dict[str, str] = {
    "inline image": "Tip ![pixel]({url}/inline.png) here.",
    "nested brackets": "Tip ![a[b]c]({url}/nested.png) here.",
    "deeper nesting": "Tip ![a[b[c]d]e]({url}/deeper.png) here.",
    "reference image": "Tip ![foo] here.\n\n[foo]: {url}/ref.png",
    "reference in a quote": "Tip ![foo] here.\n\n> [foo]: {url}/ref-quote.png",
    "reference in a list": "Tip ![foo] here.\n\n- [foo]: {url}/ref-list.png",
    "escaped bracket": "Tip ![a\\]b] here.\n\n[a\\]b]: {url}/escaped.png",
    "collapsed reference": 'Tip ![foo][] here.\n\n[foo]: <{url}/collapsed.png> "t"',
    "full reference": "Tip ![x][bar] here.\n\n[bar]:\n  {url}/full.png",
    "definition first": "[foo]: {url}/first.png\n\nTip ![foo] here.",
    "image in a link": "Tip [![x]({url}/in-link.png)](https://example.org/) here.",
    "link in an image": "Tip ![see [x](https://example.org/)]({url}/link-in.png) here.",
    "image over lines": "Tip ![one\ntwo]({url}/lines.png) here.",
    "angle destination": "Tip ![x](<{url}/angle dest.png>) here.",
    "titled image": "Tip ![x]({url}/titled.png 'a title') here.",
    "image in a heading": "# Tip ![x]({url}/heading.png)\n\nMore.",
    "image in a table": "| a | b |\n|---|---|\n| ![x]({url}/table.png) | y |",
    "image in a quote and list": "> - ![x]({url}/quote-list.png)",
    "entity-encoded image": "Tip ![x](&#104;ttp{tail}/entity.png) here.",
    "entities in brackets": "Tip !&#91;x&#93;({url}/entity-brackets.png) here.",
    "html img": 'Tip <img src="{url}/html.png"> here.',
    "html block": '<div>\n<img src="{url}/html-block.png">\n</div>',
    "html with onerror": "Tip <img src=x onerror=\"fetch('{url}/onerror')\"> here.",
    "svg image": '<svg><image href="{url}/svg.png"/></svg>',
    "css background": "<p style=\"background:url('{url}/css.png')\">x</p>",
    "html comment": "Tip <!-- ![x]({url}/comment.png) --> here.",
    "javascript link": "Tip [x](javascript:fetch('{url}/js')) here.",
    "entity javascript link": "Tip [x](&#106;avascript:fetch('{url}/js-entity')) here.",
    "data link": "Tip [x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) here.",
    "data image": "Tip ![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=) here.",
    "javascript autolink": "Tip <javascript:fetch('{url}/auto')> here.",
    "javascript reference link": "Tip [x][j] here.\n\n[j]: javascript:fetch('{url}/ref-js')",
    "vbscript link": "Tip [x](vbscript:msgbox) here.",
}
"""Name -> Markdown template; `{url}` is the canary's base, `{tail}` the same without scheme."""


def forms(url: str) -> dict[str, str]:
    """The forms pointing at `url` (e.g. http://127.0.0.1:PORT)."""
    tail = url.split(":", 1)[1]
    return {name: form.format(url=url, tail=tail) for name, form in FORMS.items()}


def document(url: str) -> str:
    """A Markdown document with every form, each in a sentence about the Zorblax toolkit."""
    lines = [
        f"The Zorblax toolkit tracks experiments for machine learning engineers: {form}"
        for form in forms(url).values()
    ]
    return "# Zorblax Toolkit\n\n## What it is\n\n" + "\n\n".join(lines) + "\n"


@contextlib.contextmanager
def canary() -> Iterator[tuple[str, list[str]]]:
    """A 127.0.0.1 HTTP server that records every request: yields (its URL, the paths hit)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def active(markdown: str) -> list[str]:
    """What a renderer would fetch or run: images, raw HTML, non-http(s) links, definitions."""
    env: dict[str, dict[str, object]] = {}
    found: list[str] = []
    for token in _parser().parse(markdown, env):
        if token.type == "html_block":
            found.append(f"html: {token.content.strip()[:60]}")
        for child in token.children or ():
            if child.type == "image":
                found.append(f"image: {child.attrs.get('src')}")
            elif child.type == "html_inline":
                found.append(f"html: {child.content[:60]}")
            elif child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                if not href.lower().startswith(("http://", "https://")):
                    found.append(f"link: {href[:60]}")
    found += [f"definition: {label}" for label in env.get("references", {})]
    return found
