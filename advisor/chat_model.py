"""The chat model for OpenAI or any OpenAI-compatible server, and the model name it asks for."""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.language_models import BaseChatModel

from advisor.calls import http_client
from advisor.errors import ConfigurationError
from advisor.safety import redact_url
from advisor.secrets import Redactor, hide_in_logs
from advisor.settings import Settings

log = logging.getLogger(__name__)


def openai_chat_model(settings: Settings) -> BaseChatModel:
    """langchain-openai's chat model for OpenAI or any OpenAI-compatible server."""
    from langchain_openai import ChatOpenAI

    if not settings.openai_api_key and not settings.openai_base_url:
        raise ConfigurationError(
            "the openai backend needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
            "(Ollama, vLLM, llama.cpp server, LM Studio)"
        )
    kwargs: dict[str, Any] = {
        "model": settings.llm_model or served_model(settings),
        "api_key": settings.openai_api_key or "not-needed",
        "timeout": settings.llm_timeout,
        "max_retries": 0,  # ChatAnswerer retries itself, within the answer's deadline
        "http_client": http_client(settings.llm_timeout),
        "temperature": settings.llm_temperature,
        "stream_usage": True,  # the server's token counts, passed on as the API's `usage`
    }
    if is_openai(settings.openai_base_url):
        kwargs["max_tokens"] = settings.llm_max_tokens  # sent as max_completion_tokens
    else:  # the name every OpenAI-compatible server (Ollama, vLLM, llama.cpp) reads
        kwargs["extra_body"] = {"max_tokens": settings.llm_max_tokens}
    if settings.openai_base_url:
        kwargs["base_url"] = settings.openai_base_url
    return ChatOpenAI(**kwargs)


OPENAI_MODEL = "gpt-4o-mini"
"""The model asked of OpenAI's own API when ADVISOR_LLM_MODEL is unset."""
UNKNOWN_MODEL = "default"
"""The name sent when ADVISOR_LLM_MODEL is unset and the server lists no model (a single-model
server such as llama.cpp's answers with the one it has)."""


def served_model(settings: Settings) -> str:
    """ADVISOR_LLM_MODEL, else gpt-4o-mini on OpenAI, else the first model the server lists at
    its /v1/models (llama.cpp, Ollama, vLLM and LM Studio all list theirs)."""
    if settings.llm_model:
        return settings.llm_model
    if is_openai(settings.openai_base_url):
        return OPENAI_MODEL
    from urllib.parse import urlsplit, urlunsplit

    import httpx

    base = urlsplit(settings.openai_base_url or "")
    url = urlunsplit(base._replace(path=base.path.rstrip("/") + "/models"))
    headers = {"Authorization": f"Bearer {settings.openai_api_key}"}
    hide_in_logs(Redactor.for_settings(settings))  # httpx logs this URL, credentials and all
    try:
        reply = httpx.get(
            url, headers=headers if settings.openai_api_key else {}, timeout=MODELS_TIMEOUT
        )
        reply.raise_for_status()
        names = [str(m["id"]) for m in reply.json().get("data", []) if m.get("id")]
    except Exception as exc:  # any failure: the server is down or not OpenAI-compatible
        log.warning(
            "could not ask %s which model it serves (%s); set ADVISOR_LLM_MODEL",
            redact_url(url),
            type(exc).__name__,
        )
        return UNKNOWN_MODEL
    if len(names) > 1:
        log.info("the server lists %d models; using %s (ADVISOR_LLM_MODEL)", len(names), names[0])
    return names[0] if names else UNKNOWN_MODEL


MODELS_TIMEOUT = 5.0
"""Seconds to wait for a server's model list when the advisor starts."""


def is_openai(base_url: str | None) -> bool:
    """True for OpenAI's own API, which wants max_completion_tokens (reasoning models reject
    max_tokens); compatible servers read max_tokens."""
    from urllib.parse import urlsplit

    return not base_url or (urlsplit(base_url).hostname or "").endswith("openai.com")
