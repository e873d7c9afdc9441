"""Secrets never leave: mask the configured key and URL credentials in text, streams and logs.

The advisor knows a few secrets: the LLM's API key, the API token, and the user-info and
query values of the LLM's base URL. A model may echo any of them (a prompt injection asks it
to), so every answer, streamed piece and log line passes a `Redactor`. A stream is masked as
a whole: `RedactingStream` holds back a tail that could still grow into a secret, so a key
split over many pieces never shows, not even its first half.

URLs a user ingests keep their page link but lose their credentials (`public_url`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    from advisor.settings import Settings

log = logging.getLogger(__name__)

MASK = "«redacted»"
"""What a secret becomes: plain text, no Markdown or terminal meaning."""
MIN_SECRET = 4
"""Shorter values are not masked (they would erase ordinary words)."""
MIN_USER_NAME = 8
"""A URL's user name is masked only from this length on: "admin" or "ollama" stay words."""
_CREDENTIAL_NAME = re.compile(
    r"key|token|secret|pass|pwd|auth|sig|credential|session|sid$|^code$|jwt|bearer|private",
    re.I,
)
"""Query parameter names whose values are credentials (api_key, access_token, X-Amz-Signature)."""


def url_credentials(url: str | None) -> tuple[str, ...]:
    """The secret parts of a URL: password, a long user name, query and fragment values."""
    if not url:
        return ()
    try:
        parts = urlsplit(url.strip())
        password, user = parts.password or "", parts.username or ""
    except ValueError:
        return (url,)
    found = [password, user if len(user) >= MIN_USER_NAME else "", parts.query, parts.fragment]
    for piece in (parts.query, parts.fragment):
        found += [pair.partition("=")[2] for pair in piece.split("&")]
    found += [unquote(s) for s in found]
    return tuple(s for s in found if len(s) >= MIN_SECRET)


def settings_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret these settings hold: the API key, the API token, the base URL's credentials."""
    found = [settings.openai_api_key or "", settings.api_token or ""]
    found += url_credentials(settings.openai_base_url)
    return tuple(s for s in found if len(s) >= MIN_SECRET)


def public_url(url: str) -> str:
    """An ingested URL fit to show and link: no user-info, credential-named parameters masked.

    `https://bob:pw@host/doc?id=3&token=abc#top` becomes `https://host/doc?id=3&token=***#top`.
    Anything that is not a parseable http(s) URL is returned unchanged.
    """
    if not url.startswith(("http://", "https://")):
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "***"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = (f"[{host}]" if ":" in host else host) + port
    return urlunsplit(
        (parts.scheme, netloc, parts.path, _masked(parts.query), _masked(parts.fragment))
    )


def _masked(query: str) -> str:
    """A query (or fragment) whose credential-named values are `***`."""
    if "=" not in query:
        return query
    pairs = query.split("&")
    out = []
    for pair in pairs:
        name, eq, value = pair.partition("=")
        secret = eq and value and _CREDENTIAL_NAME.search(unquote(name))
        out.append(f"{name}=***" if secret else pair)
    return "&".join(out)


@dataclass(frozen=True)
class Redactor:
    """Masks known secrets in text; `hold` tells how much of a growing text to keep back."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, secrets: Iterable[str | None]) -> Redactor:
        """A redactor for these values (empty and too-short ones ignored, longest first)."""
        unique = {s for s in secrets if s and len(s) >= MIN_SECRET}
        return cls(tuple(sorted(unique, key=lambda s: (-len(s), s))))

    @classmethod
    def for_settings(cls, settings: Settings) -> Redactor:
        """A redactor for every secret in these settings."""
        return cls.of(settings_secrets(settings))

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def redact(self, text: str) -> str:
        """`text` with every stretch covered by a secret replaced by MASK."""
        spans = self._spans(text)
        if not spans:
            return text
        out, at = [], 0
        for start, end in spans:
            out += [text[at:start], MASK]
            at = end
        out.append(text[at:])
        return "".join(out)

    def hold(self, text: str) -> int:
        """Where the part of `text` that more text cannot turn into a secret ends.

        Text from there on is the start of some secret (it may grow into it), or
        part of a secret that starts before the cut and ends in the text.
        """
        cut = len(text)
        for secret in self.secrets:  # the earliest tail that is a secret's beginning
            i = text.find(secret[0], max(0, len(text) - len(secret) + 1))
            while 0 <= i < cut:
                if secret.startswith(text[i:]):
                    cut = i
                    break
                i = text.find(secret[0], i + 1)
        for start, end in self._spans(text):
            if start < cut < end:
                cut = start
        return cut

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Where secrets occur, overlapping occurrences merged, in order."""
        found: list[tuple[int, int]] = []
        for secret in self.secrets:
            i = text.find(secret)
            while i >= 0:
                found.append((i, i + len(secret)))
                i = text.find(secret, i + 1)
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


@dataclass
class RedactingStream:
    """Masks secrets in streamed text as a whole: `push` each piece, print what it returns.

    Only the unreleased tail is scanned on each piece (no secret crosses a release point),
    so the cost stays linear in the text.
    """

    redactor: Redactor
    _pieces: list[str] = field(default_factory=list, repr=False)
    _shown: list[str] = field(default_factory=list, repr=False)
    _tail: str = field(default="", repr=False)
    """What was pushed but not released yet (unmasked)."""

    @property
    def text(self) -> str:
        """Everything pushed so far (unmasked)."""
        return "".join(self._pieces)

    @property
    def sent(self) -> str:
        """Everything released so far (masked): always a prefix of the masked final text."""
        return "".join(self._shown)

    def push(self, delta: str) -> str:
        """Add a piece; return the newly releasable masked text (often all of it)."""
        self._pieces.append(delta)
        self._tail += delta
        cut = self.redactor.hold(self._tail) if self.redactor else len(self._tail)
        if cut == 0:
            return ""
        new = self.redactor.redact(self._tail[:cut])
        self._tail = self._tail[cut:]
        self._shown.append(new)
        return new

    def finish(self, final: str | None = None) -> str:
        """The rest of the masked text; `final` (default: what was pushed) is the whole of it."""
        whole = self.redactor.redact(self.text if final is None else final)
        sent = self.sent
        if not whole.startswith(sent):
            log.warning("the streamed text is not a prefix of the final answer; the final wins")
            return ""
        rest = whole[len(sent) :]
        self._shown, self._tail = [whole], ""
        return rest


CLIENT_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "openai._base_client")
"""Loggers of the HTTP and OpenAI clients, which log request URLs (with their credentials)."""


def hide_in_logs(redactor: Redactor, names: Iterable[str] = CLIENT_LOGGERS) -> None:
    """Mask these secrets in what the named loggers record (once per set of secrets)."""
    if redactor:
        for name in names:
            logging.getLogger(name).addFilter(RedactingFilter(redactor))


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in every record it passes (message and arguments)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def __eq__(self, other: object) -> bool:  # a logger holds one filter per set of secrets
        return isinstance(other, RedactingFilter) and other.redactor == self.redactor

    def __hash__(self) -> int:
        return hash(self.redactor)

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record, self.redactor)
        return True


class MaskingRecordFactory:
    """A log record factory that masks secrets in every record as it is made.

    A handler filter masks only what passes that handler: a handler added later (by a
    library, or `logging.lastResort`, which writes to whatever `sys.stderr` is now) would
    write the secret. Masking at the record's making covers every logger and handler.
    """

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self._inner = inner
        self.redactor = Redactor()

    def add(self, redactor: Redactor) -> None:
        """Mask these secrets too."""
        self.redactor = Redactor.of((*self.redactor.secrets, *redactor.secrets))

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._inner(*args, **kwargs)
        _mask_record(record, self.redactor)
        return record


def mask_every_log_record(redactor: Redactor) -> None:
    """Mask these secrets in every log record this process makes from now on (servers)."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, MaskingRecordFactory):
        factory = MaskingRecordFactory(factory)
        logging.setLogRecordFactory(factory)
    factory.add(redactor)


def _mask_record(record: logging.LogRecord, redactor: Redactor) -> None:
    """Mask the secrets in a record's message and traceback, in place."""
    if not redactor:
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # bad arguments: the handler reports it, unformatted
        return
    masked = redactor.redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
