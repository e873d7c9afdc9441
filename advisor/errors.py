"""The few errors the advisor raises; each surface translates them (UI, API, CLI)."""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: a problem the user can understand from its message alone."""


class InputError(AdvisorError):
    """The question, history or file given is not usable (empty, too long, unreadable)."""


class ConfigurationError(AdvisorError):
    """A setting is missing or wrong; the message names the variable to fix."""


class StoreUnavailable(AdvisorError):
    """The vector store cannot be opened or reached right now."""


class LLMError(AdvisorError):
    """The language model is busy, failing or too slow; an offline answer is still possible."""


class LLMTimeout(LLMError):
    """The language model used up its time (ADVISOR_LLM_TIMEOUT) before answering."""
