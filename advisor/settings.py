"""One settings object for the library, the CLI, the UI and the API.

Precedence: explicit keyword argument > environment variable > default.
Nothing here runs at import time; call `Settings.from_env()` when you need one.
Each field's environment variable, and how its text is read, is in `advisor.env_vars`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from advisor.env_vars import ENV_VARS, parse_override, read_env
from advisor.errors import ConfigurationError

BACKENDS = ("extractive", "openai", "fake")


def _default_data_dir() -> Path:
    return Path.cwd() / ".advisor"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every knob of the advisor; build with `Settings.from_env(**overrides)`."""

    # --- store -------------------------------------------------------------
    store_dir: Path = field(default_factory=lambda: _default_data_dir() / "store")
    """Directory of the embedded Chroma store (ADVISOR_STORE_DIR)."""
    collection: str = "career_advisor"
    """Chroma collection name (ADVISOR_COLLECTION)."""
    chroma_host: str | None = None
    """Chroma server host; when set the store is remote (CHROMA_HOST)."""
    chroma_port: int = 8000
    """Chroma server port (CHROMA_PORT)."""
    store_refresh_seconds: float = 2.0
    """How often a reader checks whether an ingest changed the store (ADVISOR_STORE_REFRESH)."""

    # --- embeddings ----------------------------------------------------------
    embedding_model: str | None = None
    """Path or id of the sentence-transformers model; default: the bundled MiniLM
    (ADVISOR_EMBEDDING_MODEL)."""
    embedding_cache: Path | None = None
    """SQLite file remembering embedded texts across processes; unset: memory only
    (ADVISOR_EMBEDDING_CACHE)."""

    # --- ingest ----------------------------------------------------------------
    chunk_size: int = 1200
    """Maximum characters per chunk, chosen by measuring retrieval (ADVISOR_CHUNK_SIZE)."""
    chunk_overlap: int = 100
    """Characters shared by neighbouring pieces of one section (ADVISOR_CHUNK_OVERLAP)."""
    sentence_units: bool = True
    """Also embed each sentence, pointing at its passage (ADVISOR_SENTENCE_UNITS)."""
    max_file_bytes: int = 5_000_000
    """Files (and fetched pages) larger than this are skipped (ADVISOR_MAX_FILE_BYTES)."""
    fetch_timeout: float = 15.0
    """Seconds allowed to fetch one URL during ingest (ADVISOR_FETCH_TIMEOUT)."""
    allow_private_urls: bool = False
    """Let URL ingest fetch loopback, link-local and private addresses, which it refuses by
    default at every redirect (ADVISOR_ALLOW_PRIVATE_URLS)."""
    max_file_chars: int = 2_000_000
    """Files whose text is longer than this many characters are skipped (ADVISOR_MAX_FILE_CHARS)."""
    max_pdf_pages: int = 500
    """PDFs with more pages than this are skipped before any text is extracted
    (ADVISOR_MAX_PDF_PAGES)."""
    max_file_records: int = 20_000
    """Files that would make more records (chunks + sentence units) are skipped
    (ADVISOR_MAX_FILE_RECORDS)."""
    ingest_file_seconds: float = 60.0
    """Seconds allowed to parse one file (decode, clean, chunk); a slower file is skipped
    (ADVISOR_INGEST_FILE_SECONDS)."""

    # --- retrieval -------------------------------------------------------------
    top_k: int = 4
    """Sources handed to the answerer (ADVISOR_TOP_K)."""
    fusion: str = "weighted"
    """How dense and BM25 results combine: weighted (measured best) or rrf (ADVISOR_FUSION)."""
    min_relevance: float = 0.35
    """Cosine similarity the best dense match must reach, else refuse (ADVISOR_MIN_RELEVANCE)."""

    # --- answering -------------------------------------------------------------
    backend: str | None = None
    """extractive | openai | fake; default openai when a key or base URL is set
    (ADVISOR_BACKEND)."""
    openai_api_key: str | None = field(default=None, repr=False)
    """Key for the OpenAI-compatible server (OPENAI_API_KEY)."""
    openai_base_url: str | None = None
    """Base URL of any OpenAI-compatible server: Ollama, vLLM, llama.cpp (OPENAI_BASE_URL)."""
    llm_model: str = ""
    """Chat model name on that server; unset, the model a local server says it serves
    (its /v1/models), or gpt-4o-mini on OpenAI (ADVISOR_LLM_MODEL)."""
    llm_timeout: float = 120.0
    """Seconds the language model may take for one whole answer, the overall cap: the
    follow-up rewrite, the answer stream, retries and backoff together. Long enough for a
    small local model on a CPU to finish streaming; see README "Time budgets"
    (ADVISOR_LLM_TIMEOUT)."""
    llm_max_retries: int = 2
    """Retries on 429/5xx/connection errors while the deadline (and, before the first token,
    its limit) has room; never on 401/404 or a silent server (ADVISOR_LLM_MAX_RETRIES)."""
    llm_first_token_timeout: float = 45.0
    """Seconds the answer may wait for its first token (the server reading the prompt),
    all attempts and backoffs together: a hung server fails then and is not asked again;
    0 means only ADVISOR_LLM_TIMEOUT applies (ADVISOR_LLM_FIRST_TOKEN_TIMEOUT)."""
    llm_rewrite_timeout: float = 15.0
    """Seconds the follow-up rewrite may take, at most half of what is left of
    ADVISOR_LLM_TIMEOUT; past it the offline rewrite is used (ADVISOR_LLM_REWRITE_TIMEOUT)."""
    llm_max_tokens: int = 800
    """Most tokens the model may generate per reply, always sent (ADVISOR_LLM_MAX_TOKENS)."""
    llm_temperature: float = 0.1
    """Sampling temperature for generated answers (ADVISOR_LLM_TEMPERATURE)."""
    llm_context_chars: int = 24_000
    """Character budget of one prompt (sources + history + question) (ADVISOR_LLM_CONTEXT_CHARS)."""
    history_chars: int = 4_000
    """Character budget of the chat history kept for condensing (ADVISOR_HISTORY_CHARS)."""
    max_question_chars: int = 2_000
    """Longer questions are rejected with a message (ADVISOR_MAX_QUESTION_CHARS)."""
    fake_responses: tuple[str, ...] = ()
    """Scripted replies of the fake backend, a JSON list (ADVISOR_FAKE_RESPONSES)."""
    fake_chunk_chars: int = 0
    """Characters per streamed piece of the fake backend; 0 streams word by word
    (ADVISOR_FAKE_CHUNK_CHARS)."""
    fake_chunk_delay: float = 0.0
    """Seconds the fake backend waits before each streamed piece (ADVISOR_FAKE_CHUNK_DELAY)."""
    plan_reference_hours: float = 20.0
    """Weekly hours the guide's "dedicated learning" is taken to mean in timeline estimates;
    an assumption every estimate states, since the guide gives none (ADVISOR_PLAN_HOURS)."""

    # --- surfaces ----------------------------------------------------------------
    feedback_db: Path = field(default_factory=lambda: _default_data_dir() / "feedback.sqlite3")
    """SQLite file of saved chats and ratings when ADVISOR_DATABASE_URL is unset
    (ADVISOR_FEEDBACK_DB)."""
    database_url: str | None = field(default=None, repr=False)
    """Database of saved chats, profiles, plans and ratings: `sqlite:///PATH` or
    `postgresql://USER:PASSWORD@HOST/DB`; unset means the SQLite file ADVISOR_FEEDBACK_DB
    (ADVISOR_DATABASE_URL)."""
    api_token: str | None = field(default=None, repr=False)
    """Bearer token the API requires when set (ADVISOR_API_TOKEN)."""
    api_max_body_bytes: int = 64_000
    """Largest accepted API request body (ADVISOR_API_MAX_BODY_BYTES)."""
    api_rate_limit: int = 120
    """Requests per minute per client address; 0 disables (ADVISOR_API_RATE_LIMIT)."""
    api_cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS, a comma-separated list (ADVISOR_API_CORS_ORIGINS)."""
    trusted_proxies: tuple[str, ...] = ()
    """Proxy addresses or networks whose X-Forwarded-For/-Proto are believed, comma-separated;
    none by default, so the rate limit counts the connecting address (ADVISOR_TRUSTED_PROXIES)."""
    max_k: int = 20
    """Most sources one retrieval may return; `k` must be 1..this (ADVISOR_MAX_K)."""
    api_docs_public: bool = True
    """Serve /docs and /openapi.json without the API token; false puts them behind it
    (ADVISOR_DOCS_PUBLIC)."""
    # --- OpenAI-compatible route (issue 16) ------------------------------------------
    drop_unsupported: bool = False
    """Drop chat-completion parameters the advisor cannot honour instead of answering 400
    (ADVISOR_DROP_UNSUPPORTED), like LiteLLM's drop_params."""
    api_user_rate_limit: int | None = None
    """Chat completions per minute per `user` field; 0 disables, unset follows
    ADVISOR_API_RATE_LIMIT (ADVISOR_API_USER_RATE_LIMIT)."""

    # --- saved chats (in the database at `database`) ----------------------------------
    max_chats: int = 100
    """Chats kept per browser; starting one more drops the oldest (ADVISOR_MAX_CHATS)."""
    max_chats_total: int = 10_000
    """Chats kept across all browsers; starting one more drops the least recently used
    (ADVISOR_MAX_CHATS_TOTAL)."""
    chat_days: float = 90.0
    """Days a chat is kept after its last message (ADVISOR_CHAT_DAYS)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `env` (default: os.environ), then apply explicit overrides."""
        values = read_env(os.environ if env is None else env)
        for name, value in overrides.items():
            if value is not None:
                values[name] = parse_override(name, value)
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigurationError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        settings = cls(**values)
        settings.validate()
        return settings

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated)."""
        settings = replace(self, **changes)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ConfigurationError naming the variable when a value cannot work."""
        if self.backend is not None and self.backend not in BACKENDS:
            raise ConfigurationError(
                f"ADVISOR_BACKEND={self.backend!r} is unknown; choose one of {', '.join(BACKENDS)}"
            )
        if self.fusion not in ("weighted", "rrf"):
            raise ConfigurationError("ADVISOR_FUSION must be 'weighted' or 'rrf'")
        if self.chunk_overlap >= self.chunk_size:
            raise ConfigurationError(
                "ADVISOR_CHUNK_OVERLAP must be smaller than ADVISOR_CHUNK_SIZE"
            )
        if self.top_k < 1:
            raise ConfigurationError("ADVISOR_TOP_K must be at least 1")
        if self.llm_timeout <= 0:
            raise ConfigurationError("ADVISOR_LLM_TIMEOUT must be positive")
        if self.llm_first_token_timeout < 0:
            raise ConfigurationError("ADVISOR_LLM_FIRST_TOKEN_TIMEOUT must be 0 or positive")
        if not self.llm_rewrite_timeout > 0:
            raise ConfigurationError("ADVISOR_LLM_REWRITE_TIMEOUT must be positive")
        if self.llm_max_tokens < 1:
            raise ConfigurationError("ADVISOR_LLM_MAX_TOKENS must be at least 1")
        for name in ("max_file_chars", "max_pdf_pages", "max_file_records", "ingest_file_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{ENV_VARS[name]} must be positive")
        if not 0 < self.plan_reference_hours <= 112:
            raise ConfigurationError("ADVISOR_PLAN_HOURS must be between 1 and 112")
        if self.max_k < 1:
            raise ConfigurationError("ADVISOR_MAX_K must be at least 1")
        if self.max_chats < 1:
            raise ConfigurationError("ADVISOR_MAX_CHATS must be at least 1")
        for proxy in self.trusted_proxies:
            _check_network(proxy)
        if self.max_chats_total < 1:
            raise ConfigurationError("ADVISOR_MAX_CHATS_TOTAL must be at least 1")
        if not self.chat_days > 0:
            raise ConfigurationError("ADVISOR_CHAT_DAYS must be positive")
        url = self.database_url
        if url is not None and not url.startswith(DATABASE_SCHEMES):
            raise ConfigurationError(
                "ADVISOR_DATABASE_URL must start with sqlite:/// or postgresql://"
            )

    @property
    def database(self) -> str:
        """The chat database's URL: ADVISOR_DATABASE_URL, else the ADVISOR_FEEDBACK_DB file."""
        return self.database_url or f"sqlite:///{self.feedback_db.resolve()}"

    @property
    def resolved_backend(self) -> str:
        """The answerer in use: explicit choice, else openai when configured, else extractive."""
        if self.backend:
            return self.backend
        if self.openai_api_key or self.openai_base_url:
            return "openai"
        return "extractive"

    @property
    def remote_store(self) -> bool:
        """True when a Chroma server is configured instead of the embedded store."""
        return bool(self.chroma_host)


DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://")
"""The database URLs the chat store takes (psycopg 3 drives PostgreSQL)."""


def _check_network(value: str) -> None:
    """Raise ConfigurationError unless `value` is an IP address or network (or `*`)."""
    try:
        if value != "*":
            ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ConfigurationError(
            f"ADVISOR_TRUSTED_PROXIES: {value!r} is not an IP address or network"
        ) from None
