"""Safe Markdown rebuilt from a CommonMark parser's tokens (markdown-it-py), not from patterns.

The text is parsed as a renderer would parse it, then written back token by token:
images become their alt text, raw HTML is shown as text, reference definitions are
dropped, links keep only http(s) targets, and every character that could open new
markup is escaped. What is left renders as the original did, minus anything that fetches.
A final parse of the output checks that; should it ever fail, everything is escaped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from advisor.markup.inline import inline, is_http, literal

_CONTAINER = re.compile(r"[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])(?=[ \t]|$)[ \t]*)*")
"""The blockquote and list markers that open a line (what is left is its content)."""
_LEAVES = (
    *("paragraph_open", "heading_open", "code_block", "fence", "html_block", "hr", "table_open"),
)


@lru_cache(maxsize=2)
def parser(references: bool = False) -> MarkdownIt:
    """CommonMark with GFM tables and strikethrough; escapes and entities kept as tokens."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.disable("text_join")
    if not references:
        md.disable("reference")
    # every link becomes a token, whatever its scheme: `inline` decides what stays
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def sanitise(text: str) -> str:
    """Markdown that renders like `text` but cannot fetch, run script or define a reference.

    Blank lines before and after the text stay, so a piece can still be appended to another.
    """
    body = text.strip("\n")
    if not body.strip():
        return text if not text.strip() else ""
    start = text.index(body)
    return text[:start] + "".join(chunk for _, chunk in blocks(body)) + text[start + len(body) :]


def blocks(text: str) -> list[tuple[int, str]]:
    """(first line, safe Markdown with its leading separator) of each top-level block."""
    text = drop_definitions(text)
    tokens = parser().parse(text)
    out = _Writer(text.split("\n")).top(tokens)
    if not is_safe("".join(chunk for _, chunk in out)):
        return [(0, literal(text))]
    return out


def drop_definitions(text: str) -> str:
    """`text` with the lines of its link reference definitions emptied (markers kept)."""
    if "]:" not in text:
        return text
    lines = text.split("\n")
    covered = [False] * len(lines)
    for token in parser(references=True).parse(text):
        if token.type in _LEAVES and token.map:
            for n in range(*token.map):
                covered[n] = True
    for n, line in enumerate(lines):
        head = _CONTAINER.match(line)
        end = head.end() if head else 0
        if not covered[n] and line[end:].strip():
            lines[n] = line[:end].rstrip()
    return "\n".join(lines)


def is_safe(markdown: str) -> bool:
    """Whether a CommonMark parser finds no image, HTML, definition or non-http(s) link."""
    if not any(mark in markdown for mark in ("<", "![", "](", "]:")):
        return True  # nothing an image, tag, autolink, link or definition could start from
    env: dict[str, object] = {}
    for token in parser(references=True).parse(markdown, env):
        if token.type == "html_block":
            return False
        for child in token.children or ():
            if child.type in ("image", "html_inline"):
                return False
            if child.type == "link_open" and not is_http(str(child.attrs.get("href", ""))):
                return False
    return not env.get("references")


class _Writer:
    """Writes block tokens back as Markdown lines, inline tokens through `inline`."""

    def __init__(self, source: list[str]) -> None:
        self.source = source

    def top(self, tokens: list[Token]) -> list[tuple[int, str]]:
        """Each top-level block as (first line, text with its separator from the one before)."""
        out = []
        for i, (start, lines) in enumerate(self._blocks(tokens, 0, len(tokens))):
            sep = "" if i == 0 else "\n" if not self._blank_before(start) else "\n\n"
            out.append((start, sep + "\n".join(lines)))
        return out

    def lines(self, tokens: list[Token], start: int, stop: int) -> list[str]:
        """The lines of the sibling blocks tokens[start:stop], blank lines kept between them."""
        out: list[str] = []
        for n, (first, lines) in enumerate(self._blocks(tokens, start, stop)):
            if n and self._blank_before(first):
                out.append("")
            out.extend(lines)
        return out

    def _blank_before(self, line: int) -> bool:
        if line <= 0 or line > len(self.source):
            return False
        return not self.source[line - 1].strip(" \t>")

    def _blocks(self, tokens: list[Token], i: int, stop: int) -> list[tuple[int, list[str]]]:
        found: list[tuple[int, list[str]]] = []
        while i < stop:
            token = tokens[i]
            end = _close(tokens, i)
            first = token.map[0] if token.map else 0
            tight = bool(found) and not self._blank_before(first)
            lines = self._block(tokens, i, end, tight)
            if lines:
                found.append((first, lines))
            i = end + 1
        return found

    def _block(self, tokens: list[Token], i: int, end: int, after: bool) -> list[str]:
        token = tokens[i]
        kind = token.type
        if kind == "paragraph_open":
            return inline(tokens[i + 1].children or []).split("\n")
        if kind == "heading_open":
            body = inline(tokens[i + 1].children or [])
            if token.markup.startswith("#"):
                return [f"{token.markup} {body}".rstrip()]
            under = self.source[token.map[1] - 1] if token.map else token.markup
            return [*body.split("\n"), token.markup * max(1, len(under.strip(" \t>")))]
        if kind == "blockquote_open":
            return [f"> {line}" if line else ">" for line in self.lines(tokens, i + 1, end)]
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self._list(tokens, i + 1, end)
        if kind == "fence":
            return self._fence(token)
        if kind == "code_block":
            code = token.content.rstrip("\n").split("\n")
            return [f"    {line}" if line else "" for line in code]
        if kind == "hr":
            return [("*" if token.markup[0] == "-" and after else token.markup[0]) * 3]
        if kind == "html_block":
            return literal(token.content.rstrip("\n")).split("\n")
        if kind == "table_open":
            return _table(tokens, i, end)
        return []

    def _list(self, tokens: list[Token], i: int, stop: int) -> list[str]:
        out: list[str] = []
        n = 0
        while i < stop:
            item, close = tokens[i], _close(tokens, i)
            first = item.map[0] if item.map else 0
            marker = f"{item.info}{item.markup}" if item.info else item.markup
            body = self.lines(tokens, i + 1, close)
            if n and self._blank_before(first):
                out.append("")
            pad = " " * (len(marker) + 1)
            out.append(f"{marker} {body[0]}".rstrip() if body else marker)
            out.extend(f"{pad}{line}" if line else "" for line in body[1:])
            i, n = close + 1, n + 1
        return out

    def _fence(self, token: Token) -> list[str]:
        lines = [f"{token.markup}{token.info}", *token.content.rstrip("\n").split("\n")]
        if not token.content:
            lines.pop()
        last = self.source[token.map[1] - 1] if token.map else ""
        head = _CONTAINER.match(last)
        closing = last[head.end() if head else 0 :].strip()
        if token.map and token.map[1] - token.map[0] > 1 and closing.startswith(token.markup):
            lines.append(token.markup)
        return lines


def _close(tokens: list[Token], i: int) -> int:
    """The index of the token that closes the block opened at i (i itself for a leaf)."""
    if tokens[i].nesting != 1:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _table(tokens: list[Token], i: int, end: int) -> list[str]:
    rows: list[list[str]] = []
    aligns: list[str] = []
    for token in tokens[i:end]:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "th_open":
            side = str(token.attrs.get("style", "")).rpartition(":")[2]
            aligns.append({"left": ":--", "center": ":-:", "right": "--:"}.get(side, "---"))
        elif token.type == "inline" and rows:
            rows[-1].append(inline(token.children or []).replace("\n", " "))
    lines = ["|" + "|".join(f" {cell} " if cell else " " for cell in row) + "|" for row in rows]
    return [lines[0], f"| {' | '.join(aligns)} |", *lines[1:]] if lines else []
