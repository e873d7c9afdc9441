"""Bytes -> clean text: Markdown, plain text, HTML (main text only) and PDF."""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass, field

SUPPORTED = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html"}
SUPPORTED |= {".htm": "html", ".pdf": "pdf"}

_ZERO_WIDTH = re.compile(
    "[\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad]"
)
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])",
    re.I,
)
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "object", "embed"]
_DROP_TAGS += ["head", "nav", "footer", "form", "button", "input", "select", "textarea", "canvas"]
_BLOCK_TAGS = ["p", "div", "section", "article", "main", "ul", "ol", "li", "br", "tr", "table"]
_BLOCK_TAGS += ["blockquote", "pre", "dl", "dt", "dd", "header", "aside", "figure", "hr"]


class LoadError(Exception):
    """A file cannot be turned into text; the message is the reason shown to the user."""


@dataclass
class Loaded:
    """Clean text of one document, Markdown-flavoured (headings as `#` lines)."""

    text: str
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def decode_text(data: bytes) -> str:
    """Decode text bytes: BOM-marked UTF-8/16/32, else UTF-8, else cp1252; never mangles."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise LoadError(
                    f"not valid {codec.upper()} text despite its byte-order mark"
                ) from None
    if b"\x00" in data:
        raise LoadError("binary content behind a text extension")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise LoadError("undecodable bytes: neither UTF-8 nor cp1252 text") from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise LoadError("binary content behind a text extension")
    return text


def clean(text: str) -> str:
    """Drop zero-width characters, normalise newlines and trailing spaces."""
    text = _ZERO_WIDTH.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Parse a leading `---` block of `key: value` lines; return (meta, body)."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end == -1:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[4:end].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip()] = value.strip().strip('"').strip("'")
    body = text[end + 4 :].lstrip("-").lstrip("\n")
    return meta, body


def load_markdown(data: bytes) -> Loaded:
    """Markdown with optional front matter."""
    meta, body = split_front_matter(clean(decode_text(data)))
    title = meta.get("title") or _first_heading(body)
    return Loaded(text=body, title=title, meta=meta)


def load_text(data: bytes) -> Loaded:
    """Plain text: kept as it is, zero-width characters removed."""
    return Loaded(text=clean(decode_text(data)))


def load_html(data: bytes) -> Loaded:
    """Visible main text of an HTML page: no scripts, styles, comments or hidden elements."""
    from bs4 import BeautifulSoup, Comment, Tag

    soup = BeautifulSoup(decode_text(data), "html.parser")
    title_tag = soup.find("title")
    title = clean(title_tag.get_text(" ")) if isinstance(title_tag, Tag) else ""
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if isinstance(tag, Tag) and not tag.decomposed and _is_hidden(tag):
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    assert isinstance(root, Tag)
    for level in range(1, 7):
        for heading in root.find_all(f"h{level}"):
            text = " ".join(heading.get_text(" ").split())
            heading.replace_with(f"\n\n{'#' * level} {text}\n\n")
    for item in root.find_all("li"):
        item.insert(0, "- ")
    for block in root.find_all(_BLOCK_TAGS):
        block.append("\n")
    lines = (" ".join(line.split()) for line in root.get_text("").split("\n"))
    text = clean("\n".join(lines))
    return Loaded(text=text, title=title or _first_heading(text))


def _is_hidden(tag: object) -> bool:
    attrs = getattr(tag, "attrs", None) or {}
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(attrs.get("style", ""))))


def load_pdf(data: bytes) -> Loaded:
    """Text of every page (metadata is ignored: it is not what a reader sees)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception:
                opened = False
            if not opened:
                raise LoadError("encrypted PDF (a password is needed)")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"broken PDF: {exc}") from None
    except Exception as exc:  # pypdf raises a wide range of errors on damaged files
        raise LoadError(f"broken PDF: {type(exc).__name__}") from None
    return Loaded(text=clean("\n\n".join(pages)))


def load_bytes(data: bytes, kind: str) -> Loaded:
    """Dispatch on the loader kind (`markdown`, `text`, `html`, `pdf`)."""
    loader = {"markdown": load_markdown, "text": load_text, "html": load_html, "pdf": load_pdf}
    loaded = loader[kind](data)
    if not loaded.text.strip():
        raise LoadError("empty or whitespace-only document")
    return loaded


def _first_heading(text: str) -> str:
    match = re.search(r"^#{1,6}\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else ""
