"""Inline tokens written back as safe Markdown: text escaped, links checked, images as alt text."""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def is_http(url: str) -> bool:
    """Whether a (normalised) link target is an http(s) address."""
    return url.lower().startswith(("http://", "https://"))


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
