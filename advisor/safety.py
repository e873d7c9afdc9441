"""After generation: repair citations and make text safe to render as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

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
    repaired = re.sub(r"[ \t]+([.,;:!?])", r"\1", repaired)
    return re.sub(r"[ \t]{2,}", " ", repaired).strip(), cited


def mark_cited(sources: Sequence[Source], cited: set[int]) -> list[Source]:
    """Sources with `cited` set by whether the answer refers to them."""
    return [replace(s, cited=(n in cited)) for n, s in enumerate(sources, start=1)]


def safe_markdown(text: str) -> str:
    """Markdown that cannot make a browser fetch anything or run script.

    Images become their alt text, raw HTML and comments are dropped, and links keep
    their target only when it is http(s).
    """
    text = _COMMENT.sub("", text)
    text = _IMAGE_INLINE.sub(lambda m: m.group(1), text)
    text = _IMAGE_REF.sub(lambda m: m.group(1), text)
    text = _REF_DEFINITION.sub("", text)
    text = _LINK.sub(_safe_link, text)
    text = _AUTOLINK.sub(lambda m: m.group(1) if _is_http(m.group(1)) else "", text)
    text = _TAG.sub("", text)
    return _UNSAFE_SCHEME.sub(lambda m: f"{m.group(1)} :", text)


def _safe_link(match: re.Match[str]) -> str:
    label, target = match.group(1), match.group(2)
    return f"[{label}]({target})" if _is_http(target) else label


def _is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))
