"""career-advisor: cited answers about becoming an AI/ML engineer, offline by default.

    from advisor import CareerAdvisor
    answer = CareerAdvisor.from_env().ask("PyTorch or TensorFlow first?")

Importing this package builds nothing and reads no environment.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from advisor.chats import ChatStore
    from advisor.core import Answerer, CareerAdvisor, make_answerer
    from advisor.errors import (
        AdvisorError,
        ConfigurationError,
        InputError,
        LLMError,
        StoreUnavailable,
    )
    from advisor.fake import FakeChatModel
    from advisor.planning.plan import Plan
    from advisor.planning.profile import Profile
    from advisor.planning.roles import RoleComparison
    from advisor.records import Answer, Chunk, Source
    from advisor.runnable import AdvisorInput, AnswerRunnable, TextRunnable
    from advisor.settings import Settings
    from advisor.store import Store

_HOMES = {
    "ChatStore": "chats",
    "Answerer": "core",
    "CareerAdvisor": "core",
    "make_answerer": "core",
    "AdvisorError": "errors",
    "ConfigurationError": "errors",
    "InputError": "errors",
    "LLMError": "errors",
    "StoreUnavailable": "errors",
    "FakeChatModel": "fake",
    "Plan": "planning.plan",
    "Profile": "planning.profile",
    "Answer": "records",
    "Chunk": "records",
    "Source": "records",
    "RoleComparison": "planning.roles",
    "Settings": "settings",
    "AdvisorInput": "runnable",
    "AnswerRunnable": "runnable",
    "TextRunnable": "runnable",
    "Store": "store",
}


def __getattr__(name: str) -> object:
    """Each public name is imported on first use, so a module that needs only records
    (the ingest parser process) does not pay for LangChain's import."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'advisor' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"advisor.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AdvisorError",
    "AdvisorInput",
    "Answer",
    "AnswerRunnable",
    "Answerer",
    "CareerAdvisor",
    "ChatStore",
    "Chunk",
    "ConfigurationError",
    "FakeChatModel",
    "InputError",
    "LLMError",
    "Plan",
    "Profile",
    "RoleComparison",
    "Settings",
    "Source",
    "Store",
    "StoreUnavailable",
    "TextRunnable",
    "make_answerer",
]
