"""The environment variable behind each setting, and how its text becomes the field's value.

`read_env` turns an environment into field values and names the variable whose text cannot
be read; `parse_override` reads an explicit string argument the same way. Whether the values
can work together is `Settings.validate`'s business, not this module's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from advisor.errors import ConfigurationError


def read_env(source: Mapping[str, str]) -> dict[str, Any]:
    """The fields whose variable is set (blank counts as unset), parsed; text that cannot be
    read raises ConfigurationError naming the variable."""
    values: dict[str, Any] = {}
    for name, (var, parse) in _ENV.items():
        raw = source.get(var)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[name] = parse(raw.strip())
        except ValueError as exc:
            raise ConfigurationError(f"{var}={raw!r} is not valid: {exc}") from None
    return values


def parse_override(name: str, value: Any) -> Any:
    """An explicit argument as its field takes it: a string for a field that is not text is
    parsed like its variable; anything else passes through."""
    entry = _ENV.get(name)
    if isinstance(value, str) and entry is not None and entry[1] is not str:
        return entry[1](value)
    return value


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _fake_responses(raw: str) -> tuple[str, ...]:
    data = json.loads(raw)
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise ValueError("expected a JSON list of strings")
    return tuple(data)


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "store_dir": ("ADVISOR_STORE_DIR", _path),
    "collection": ("ADVISOR_COLLECTION", str),
    "chroma_host": ("CHROMA_HOST", str),
    "chroma_port": ("CHROMA_PORT", int),
    "store_refresh_seconds": ("ADVISOR_STORE_REFRESH", float),
    "embedding_model": ("ADVISOR_EMBEDDING_MODEL", str),
    "embedding_cache": ("ADVISOR_EMBEDDING_CACHE", _path),
    "chunk_size": ("ADVISOR_CHUNK_SIZE", int),
    "chunk_overlap": ("ADVISOR_CHUNK_OVERLAP", int),
    "sentence_units": ("ADVISOR_SENTENCE_UNITS", _bool),
    "max_file_bytes": ("ADVISOR_MAX_FILE_BYTES", int),
    "fetch_timeout": ("ADVISOR_FETCH_TIMEOUT", float),
    "allow_private_urls": ("ADVISOR_ALLOW_PRIVATE_URLS", _bool),
    "max_file_chars": ("ADVISOR_MAX_FILE_CHARS", int),
    "max_pdf_pages": ("ADVISOR_MAX_PDF_PAGES", int),
    "max_file_records": ("ADVISOR_MAX_FILE_RECORDS", int),
    "ingest_file_seconds": ("ADVISOR_INGEST_FILE_SECONDS", float),
    "top_k": ("ADVISOR_TOP_K", int),
    "fusion": ("ADVISOR_FUSION", str),
    "min_relevance": ("ADVISOR_MIN_RELEVANCE", float),
    "backend": ("ADVISOR_BACKEND", str),
    "openai_api_key": ("OPENAI_API_KEY", str),
    "openai_base_url": ("OPENAI_BASE_URL", str),
    "llm_model": ("ADVISOR_LLM_MODEL", str),
    "llm_timeout": ("ADVISOR_LLM_TIMEOUT", float),
    "llm_max_retries": ("ADVISOR_LLM_MAX_RETRIES", int),
    "llm_first_token_timeout": ("ADVISOR_LLM_FIRST_TOKEN_TIMEOUT", float),
    "llm_rewrite_timeout": ("ADVISOR_LLM_REWRITE_TIMEOUT", float),
    "llm_max_tokens": ("ADVISOR_LLM_MAX_TOKENS", int),
    "llm_temperature": ("ADVISOR_LLM_TEMPERATURE", float),
    "llm_context_chars": ("ADVISOR_LLM_CONTEXT_CHARS", int),
    "history_chars": ("ADVISOR_HISTORY_CHARS", int),
    "max_question_chars": ("ADVISOR_MAX_QUESTION_CHARS", int),
    "fake_responses": ("ADVISOR_FAKE_RESPONSES", _fake_responses),
    "fake_chunk_chars": ("ADVISOR_FAKE_CHUNK_CHARS", int),
    "fake_chunk_delay": ("ADVISOR_FAKE_CHUNK_DELAY", float),
    "plan_reference_hours": ("ADVISOR_PLAN_HOURS", float),
    "feedback_db": ("ADVISOR_FEEDBACK_DB", _path),
    "database_url": ("ADVISOR_DATABASE_URL", str),
    "api_token": ("ADVISOR_API_TOKEN", str),
    "api_max_body_bytes": ("ADVISOR_API_MAX_BODY_BYTES", int),
    "api_rate_limit": ("ADVISOR_API_RATE_LIMIT", int),
    "api_cors_origins": ("ADVISOR_API_CORS_ORIGINS", _csv),
    "trusted_proxies": ("ADVISOR_TRUSTED_PROXIES", _csv),
    "max_k": ("ADVISOR_MAX_K", int),
    "api_docs_public": ("ADVISOR_DOCS_PUBLIC", _bool),
    "drop_unsupported": ("ADVISOR_DROP_UNSUPPORTED", _bool),
    "api_user_rate_limit": ("ADVISOR_API_USER_RATE_LIMIT", int),
    "max_chats": ("ADVISOR_MAX_CHATS", int),
    "max_chats_total": ("ADVISOR_MAX_CHATS_TOTAL", int),
    "chat_days": ("ADVISOR_CHAT_DAYS", float),
}

ENV_VARS: dict[str, str] = {name: var for name, (var, _) in _ENV.items()}
