"""Safe Markdown rebuilt from a CommonMark parser's tokens (markdown-it-py), not from patterns.

The text is parsed as a renderer would parse it, then written back token by token:
images become their alt text, raw HTML is shown as text, reference definitions are
dropped, links keep only http(s) targets, and every character that could open new
markup is escaped. What is left renders as the original did, minus anything that fetches.
A final parse of the output checks that; should it ever fail, everything is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

_UNSAFE_SCHEME = re.compile(r"\b(javascript|vbscript|data|file):(?=\S)", re.I)
_CITATION = re.compile(r"\[\d{1,3}\](?![(:])|\[[ xX]\](?= )")
"""Brackets kept as typed: citations `[n]` and task boxes `[x] `, never followed by a target
(and no definition is ever left for them to name)."""
_ENTITY_LIKE = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_LITERAL = frozenset("\\`*_[]!~|#{}")
_UNLINKED = re.compile(r"(?i)\b(https?:/|ftp:/|www)(/|\.)")
"""Where a GFM renderer would link a bare address: literal text (HTML shown as text, alt
text) gets a zero-width space inside `://` or `www.`, so an address there never becomes a
link. (Escapes would not stop it: GFM finds addresses in the text after escapes resolve.)"""
_LINE_MARK = re.compile(r"[-+=>]|\d{1,9}[.)]")
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


def is_http(url: str) -> bool:
    """Whether a (normalised) link target is an http(s) address."""
    return url.lower().startswith(("http://", "https://"))


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


def literal(text: str) -> str:
    """Text that renders exactly as typed: every character that could open markup escaped."""
    lines = []
    for line in text.split("\n"):
        out = "".join(_literal_char(c) for c in line)
        stripped = out.lstrip()
        mark = _LINE_MARK.match(stripped)
        if mark:
            at = len(out) - len(stripped) + mark.end() - 1
            out = out[:at] + "\\" + out[at:]
        lines.append(_UNLINKED.sub("\\1\u200b\\2", _UNSAFE_SCHEME.sub(r"\1 :", out)))
    return "\n".join(lines)


def _literal_char(c: str) -> str:
    if c == "<":
        return "&lt;"
    if c == ">":
        return "&gt;"
    if c == "&":
        return "&amp;"
    return "\\" + c if c in _LITERAL else c


def escape_text(raw: str) -> str:
    """A text token written back: only what could open a link, image, tag or code is escaped."""
    out: list[str] = []
    citations = {m.start(): m.end() for m in _CITATION.finditer(raw)}
    i = 0
    while i < len(raw):
        c = raw[i]
        if i in citations:
            end = citations[i]
            bang = "\\" if out and out[-1] == "!" else ""
            out.append(bang + raw[i:end])
            i = end
            continue
        if c in "[]`":
            out.append("\\" + c)
        elif c == "<" and raw[i + 1 : i + 2].isascii() and (raw[i + 1 : i + 2] or " ") in _TAGGY:
            out.append("&lt;")
        elif c == "&" and _ENTITY_LIKE.match(raw, i):
            out.append("&amp;")
        elif c == "\\" and raw[i + 1 : i + 2] in _PUNCT and raw[i + 1 : i + 2]:
            out.append("\\\\")
        else:
            out.append(c)
        i += 1
    return "".join(out).replace("!\\[", "\\!\\[")


_TAGGY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?")


def plain(tokens: Sequence[Token]) -> str:
    """The text a run of inline tokens shows (an image's alt text), on one line."""
    parts = []
    for token in tokens:
        if token.type in ("text", "text_special", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(plain(token.children or ()))
    return "".join(parts)


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


def inline(tokens: Sequence[Token]) -> str:
    """Inline tokens written back as safe Markdown."""
    out: list[str] = []
    run: list[str] = []
    links: list[Token | None] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        i += 1
        if kind == "text":
            run.append(escape_text(token.content))
        elif kind == "text_special":
            run.append(_special(token))
        elif kind == "html_inline":
            run.append(literal(token.content))
        elif kind == "image":
            run.append(literal(plain(token.children or ())))
        elif kind in ("softbreak", "hardbreak"):
            run.append("\n" if kind == "softbreak" else "\\\n")
        elif kind == "link_open" and token.markup == "autolink":
            links.append(None)  # `<https://…>` becomes the bare address, as GFM links it
        elif kind == "link_open":
            links.append(token if _href(token) else None)
            if _href(token):
                out.append(_unscheme("".join(run)) + "[")
                run.clear()
        elif kind == "link_close":
            opener = links.pop() if links else None
            if opener is not None:
                out.append(_unscheme("".join(run)) + _destination(opener))
                run.clear()
        else:
            out.append(_unscheme("".join(run)) + _markup(token))
            run.clear()
    return "".join(out) + _unscheme("".join(run))


def _special(token: Token) -> str:
    """An escape as written (`\\*` stays literal); an entity as its character, escaped."""
    if token.info == "escape" or token.content in ("&", "<", ">"):
        return token.markup
    return escape_text(token.content)


def _unscheme(run: str) -> str:
    return _UNSAFE_SCHEME.sub(r"\1 :", run)


def _href(token: Token) -> str:
    """A link's target when it is http(s), else ""."""
    href = str(token.attrs.get("href", ""))
    return href if is_http(href) else ""


def _destination(opener: Token) -> str:
    href = _href(opener)
    target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
    title = str(opener.attrs.get("title", "") or "")
    quoted = ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"' if title else ""
    return f"]({target}{quoted})"


def _markup(token: Token) -> str:
    if token.type == "code_inline":
        body = token.content
        pad = " " if body[:1] in ("`", " ") or body[-1:] in ("`", " ") else ""
        return f"{token.markup}{pad}{body}{pad}{token.markup}"
    return token.markup if token.type.endswith(("_open", "_close")) else ""
