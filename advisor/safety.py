"""After generation: repair citations and make text safe to render as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from advisor.records import Source

_CITATION = re.compile(r"\[(\d{1,3})\]")
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_IMAGE_INLINE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_IMAGE_REF = re.compile(r"!\[([^\]]*)\]\[[^\]]*\]")
_REF_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)")
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.\-]*:[^>\s]*)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_UNSAFE_SCHEME = re.compile(r"\b(javascript|vbscript|data|file):(?=\S)", re.I)
_LOOSE_TAG = re.compile(r"<(?=[a-zA-Z/!?])")
"""A `<` that could still open a tag once more text arrives: a space after it keeps it text."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TERMINAL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|(?:\x1b[]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS...
    r"|\x1b[ -/]*[0-~]?"  # other escapes (charset switches, resets)
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # every other control character but \n and \t
)


def repair_citations(text: str, n_sources: int) -> tuple[str, set[int]]:
    """Remove [n] that point at no listed source; return the text and the numbers cited."""
    cited: set[int] = set()

    def keep(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if 1 <= n <= n_sources:
            cited.add(n)
            return match.group(0)
        return ""

    repaired = _CITATION.sub(keep, text)
    repaired = re.sub(r"[ \t]+([.,;:!?])(?=\s|$)", r"\1", repaired)  # not "![" or ":x"
    return re.sub(r"[ \t]{2,}", " ", repaired).strip(), cited


def mark_cited(sources: Sequence[Source], cited: set[int]) -> list[Source]:
    """Sources with `cited` set by whether the answer refers to them."""
    return [replace(s, cited=(n in cited)) for n, s in enumerate(sources, start=1)]


def safe_markdown(text: str) -> str:
    """Markdown that cannot make a browser fetch anything or run script.

    Images become their alt text, raw HTML and comments are dropped, links keep
    their target only when it is http(s), and a `<` left unclosed gets a space after it.
    Repeated until nothing changes, so a removal cannot assemble new markup.
    """
    for _ in range(4):
        cleaner = _safe_markdown_once(text)
        if cleaner == text:
            break
        text = cleaner
    return text


def _safe_markdown_once(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _IMAGE_INLINE.sub(lambda m: m.group(1), text)
    text = _IMAGE_REF.sub(lambda m: m.group(1), text)
    text = _REF_DEFINITION.sub("", text)
    text = _LINK.sub(_safe_link, text)
    text = _AUTOLINK.sub(lambda m: m.group(1) if _is_http(m.group(1)) else "", text)
    text = _TAG.sub("", text)
    text = _LOOSE_TAG.sub("< ", text)
    return _UNSAFE_SCHEME.sub(lambda m: f"{m.group(1)} :", text)


def _safe_link(match: re.Match[str]) -> str:
    label, target = match.group(1), match.group(2)
    return f"[{label}]({target})" if _is_http(target) else label


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def terminal_safe(text: str) -> str:
    """Text without terminal control sequences (CSI, OSC, other escapes) or control characters.

    Newlines and tabs stay. An OSC or DCS string that never ends is dropped up to the line end.
    """
    return _TERMINAL.sub("", text) if _CONTROL.search(text) else text


def redact_url(url: str | None) -> str:
    """A URL fit to show: user name, password, query string and fragment become `***`."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "***"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"***@{host}{port}" if "@" in parts.netloc else parts.netloc
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            parts.path,
            "***" if parts.query else "",
            "***" if parts.fragment else "",
        )
    )


def url_secrets(url: str | None) -> tuple[str, ...]:
    """The secret parts of a URL (password, user name, query values), to mask in messages."""
    if not url:
        return ()
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return (url,)
    found = [parts.password or "", parts.username or "", parts.query, parts.fragment]
    found += [pair.partition("=")[2] for pair in parts.query.split("&")]
    return tuple(s for s in found if len(s) >= 4)
