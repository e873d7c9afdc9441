"""After generation: repair citations and make text safe to render as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from advisor.markup import sanitise
from advisor.records import Source

CITATION = re.compile(r"\[(\d{1,3})\]")
_GROUP = re.compile(r"\[(\d{1,3}(?:[ \t]*+,[ \t]*+\d{1,3})++)\](?![(:])")
"""Several sources cited in one pair of brackets, "[1, 2]" (not a link or a definition)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TERMINAL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, screen clears
    r"|(?:\x1b[]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS...
    r"|\x1b[ -/]*[0-~]?"  # other escapes (charset switches, resets)
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # every other control character but \n and \t
)


def repair_citations(text: str, n_sources: int) -> tuple[str, set[int]]:
    """Remove [n] that point at no listed source; return the text and the numbers cited."""
    repaired, cited = strip_citations(text, n_sources)
    return repaired.strip(), cited


def strip_citations(text: str, n_sources: int) -> tuple[str, set[int]]:
    """`repair_citations` without trimming the ends: lines and indentation stay where they were.

    A group "[1, 2]" becomes "[1][2]" first (the form the system prompt asks for), so it is
    checked, counted and linked like any other citation.
    """
    cited: set[int] = set()
    text = _GROUP.sub(_split_group, text)

    def keep(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if 1 <= n <= n_sources:
            cited.add(n)
            return match.group(0)
        return ""

    repaired = CITATION.sub(keep, text)
    repaired = re.sub(r"(?<![ \t])[ \t]+([.,;:!?])(?=\s|$)", r"\1", repaired)  # not "![", ":x"
    return re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", repaired), cited


def _split_group(match: re.Match[str]) -> str:
    numbers = [int(n) for n in match.group(1).split(",")]
    return "".join(f"[{n}]" for n in numbers) if min(numbers) >= 1 else match.group(0)


def mark_cited(sources: Sequence[Source], cited: set[int]) -> list[Source]:
    """Sources with `cited` set by whether the answer refers to them."""
    return [replace(s, cited=(n in cited)) for n, s in enumerate(sources, start=1)]


def safe_markdown(text: str) -> str:
    """Markdown that cannot make a browser fetch anything or run script.

    The text is parsed as CommonMark (`markup.sanitise`) and written back: images
    become their alt text, raw HTML is escaped, reference definitions are dropped, and
    links keep their target only when it is http(s).
    """
    return sanitise(text)


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
