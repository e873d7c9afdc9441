"""Visible main text of an HTML page in one streaming pass (time linear in the page size).

Scripts, styles, comments, navigation, forms and hidden elements (`hidden`,
`aria-hidden="true"`, `display:none`, `visibility:hidden`, zero size or opacity)
are dropped. The text of the first visible `<main>`, else `<article>`, else
`<body>`, else the whole page is kept, with headings as Markdown `#` lines,
list items as `- ` lines and a line break after each block element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])",
    re.I,
)
DROP_TAGS = frozenset(
    "script style noscript template svg iframe object embed head nav footer form button input"
    " select textarea canvas".split()
)
BLOCK_TAGS = frozenset(
    "p div section article main ul ol li br tr table blockquote pre dl dt dd header aside"
    " figure hr".split()
)
VOID_TAGS = frozenset(
    "area base br col embed hr img input keygen link menuitem meta param source track wbr"
    " basefont bgsound command frame image isindex nextid spacer".split()
)
_HEADING = re.compile("h[1-6]")
_CODE_TAGS = frozenset(("script", "style", "template"))
ROOTS = ("main", "article", "body")
"""Candidate roots, best first: the text kept is the first visible one found."""


@dataclass
class _Open:
    """An element whose end tag has not been seen yet."""

    tag: str
    hides: bool
    root: str = ""
    heading: int = 0


class _Cleaner(HTMLParser):
    """Collects visible text per candidate root while the page streams through."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.open: dict[str, int] = {}  # open elements per tag: an unmatched end tag costs O(1)
        self.hidden = 0  # open elements that hide their content
        self.code = 0  # open script, style and template elements: never part of the title
        self.out: dict[str, list[str]] = {"": [], **{name: [] for name in ROOTS}}
        self.inside: dict[str, bool] = {name: False for name in ROOTS}
        self.heading: list[str] | None = None
        self.title: list[str] | None = None
        self.title_done = False

    def emit(self, text: str) -> None:
        """Append visible text to the page and to every candidate root it lies in."""
        if self.heading is not None:
            self.heading.append(text)
            return
        self.out[""].append(text)
        for name in ROOTS:
            if self.inside[name]:
                self.out[name].append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self.title_done and self.title is None:
            self.title = []
        hides = tag in DROP_TAGS or _is_hidden(attrs)
        if tag in VOID_TAGS:
            if not hides and not self.hidden and tag in BLOCK_TAGS and self.heading is None:
                self.emit("\n")
            return
        entry = _Open(tag, hides)
        visible = not self.hidden and not hides
        if visible and tag in self.inside and not self.out[tag]:
            entry.root = tag
            self.inside[tag] = True
            self.out[tag].append("")  # marks the root as found, even if it stays empty
        if visible and self.heading is None and _HEADING.fullmatch(tag):
            entry.heading = int(tag[1])
            self.heading = []
        elif visible and tag == "li" and self.heading is None:
            self.emit("- ")
        self.stack.append(entry)
        self.open[tag] = self.open.get(tag, 0) + 1
        self.hidden += hides
        self.code += tag in _CODE_TAGS

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title is not None:
            self.title_done = True
        if not self.open.get(tag):
            return  # no such element is open: ignored, as browsers do
        while True:  # every element passed is closed too, so the whole walk stays linear
            entry = self.stack.pop()
            self._close(entry)
            if entry.tag == tag:
                return

    def _close(self, entry: _Open) -> None:
        self.open[entry.tag] -= 1
        self.hidden -= entry.hides
        self.code -= entry.tag in _CODE_TAGS
        visible = not self.hidden and not entry.hides
        if entry.heading and self.heading is not None:
            text = " ".join(" ".join(self.heading).split())
            self.heading = None
            self.emit(f"\n\n{'#' * entry.heading} {text}\n\n")
        elif visible and entry.tag in BLOCK_TAGS and self.heading is None:
            self.emit("\n")
        if entry.root:
            self.inside[entry.root] = False

    def handle_data(self, data: str) -> None:
        if self.title is not None and not self.title_done and not self.code:
            self.title.append(data)
        if not self.hidden:
            self.emit(data)

    def text(self) -> str:
        """The chosen root's text, before line clean-up."""
        for name in ROOTS:
            if self.out[name]:
                return "".join(self.out[name])
        return "".join(self.out[""])


def _is_hidden(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "aria-hidden" and (value or "").lower() == "true":
            return True
        if name == "style" and value and _HIDDEN_STYLE.search(value):
            return True
    return False


def html_text(markup: str) -> tuple[str, str]:
    """(visible text, title) of an HTML page; the text keeps its line breaks."""
    parser = _Cleaner()
    parser.feed(markup)
    parser.close()
    while parser.stack:  # unclosed elements end with the page
        parser._close(parser.stack.pop())
    title = " ".join(parser.title or [])
    lines = (" ".join(line.split()) for line in parser.text().split("\n"))
    return "\n".join(lines), " ".join(title.split())
