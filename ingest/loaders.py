"""Bytes -> clean text: Markdown, plain text, HTML (main text only) and PDF."""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.html import html_text

if TYPE_CHECKING:
    from advisor.settings import Settings

SUPPORTED = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html"}
SUPPORTED |= {".htm": "html", ".pdf": "pdf"}

_ZERO_WIDTH = re.compile(
    "[\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad]"
)


class LoadError(Exception):
    """A file cannot be turned into text; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Limits:
    """Per-file caps; a file over one is skipped with a reason that names its setting."""

    chars: int
    pages: int
    records: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The caps configured by ADVISOR_MAX_FILE_CHARS, _MAX_PDF_PAGES, _MAX_FILE_RECORDS."""
        return cls(settings.max_file_chars, settings.max_pdf_pages, settings.max_file_records)

    def too_long(self) -> LoadError:
        """The reason a text over the character cap is skipped."""
        return LoadError(
            f"text longer than the {self.chars}-character cap (ADVISOR_MAX_FILE_CHARS)"
        )


@dataclass
class Loaded:
    """Clean text of one document, Markdown-flavoured (headings as `#` lines)."""

    text: str
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def decode_text(data: bytes) -> str:
    """Decode text bytes: BOM-marked UTF-8/16/32, else UTF-8 (stray bytes replaced), else cp1252."""
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
    text = _decode_unmarked(data)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise LoadError("binary content behind a text extension")
    return text


def _decode_unmarked(data: bytes) -> str:
    """UTF-8; UTF-8 with stray bytes replaced (U+FFFD) when its multi-byte characters
    outnumber them; else cp1252, whose accents rarely form valid UTF-8 sequences."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    stray = lenient.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(lenient) - len(lenient.encode("ascii", "ignore"))
    if non_ascii - stray >= stray:
        return lenient
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise LoadError("undecodable bytes: neither UTF-8 nor cp1252 text") from None


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
    body, title = html_text(decode_text(data))
    text = clean(body)
    return Loaded(text=text, title=clean(title) or _first_heading(text))


def load_pdf(data: bytes, limits: Limits) -> Loaded:
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
        pages = _pdf_pages(reader, limits)
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"broken PDF: {exc}") from None
    except Exception as exc:  # pypdf raises a wide range of errors on damaged files
        raise LoadError(f"broken PDF: {type(exc).__name__}") from None
    return Loaded(text=clean("\n\n".join(pages)))


def _pdf_pages(reader: Any, limits: Limits) -> list[str]:
    """Each page's text; stops at the page cap, and as soon as the text passes the character cap."""
    count = len(reader.pages)
    if count > limits.pages:
        raise LoadError(
            f"{count} pages, more than the {limits.pages}-page cap (ADVISOR_MAX_PDF_PAGES)"
        )
    pages: list[str] = []
    total = 0
    for page in reader.pages:
        pages.append(page.extract_text() or "")
        total += len(pages[-1])
        if total > limits.chars:
            raise limits.too_long()
    return pages


def load_bytes(data: bytes, kind: str, limits: Limits | None = None) -> Loaded:
    """Dispatch on the loader kind (`markdown`, `text`, `html`, `pdf`), within the limits
    (default: the settings' defaults)."""
    if limits is None:
        from advisor.settings import Settings

        limits = Limits.from_settings(Settings())
    if kind == "pdf":
        loaded = load_pdf(data, limits)
    else:
        loader = {"markdown": load_markdown, "text": load_text, "html": load_html}
        loaded = loader[kind](data)
    if len(loaded.text) > limits.chars:
        raise limits.too_long()
    if not loaded.text.strip():
        raise LoadError("empty or whitespace-only document")
    return loaded


def _first_heading(text: str) -> str:
    match = re.search(r"^#{1,6}\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else ""
