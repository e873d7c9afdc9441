"""career-advisor: cited answers about becoming an AI/ML engineer, offline by default.

    from advisor import CareerAdvisor
    answer = CareerAdvisor.from_env().ask("PyTorch or TensorFlow first?")

Importing this package builds nothing and reads no environment.
"""

from advisor.core import Answerer, CareerAdvisor, make_answerer
from advisor.errors import AdvisorError, ConfigurationError, InputError, LLMError, StoreUnavailable
from advisor.plan import Plan
from advisor.profile import Profile
from advisor.records import Answer, Chunk, Source
from advisor.roles import RoleComparison
from advisor.settings import Settings
from advisor.store import Store


def __getattr__(name: str) -> object:
    """FakeChatModel is imported on first use: it pulls in LangChain's chat-model stack."""
    if name == "FakeChatModel":
        from advisor.fake import FakeChatModel

        return FakeChatModel
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")


__all__ = [
    "AdvisorError",
    "Answer",
    "Answerer",
    "CareerAdvisor",
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
    "make_answerer",
]
