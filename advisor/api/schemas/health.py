"""The bodies of the probes: `/healthz` (the process is up) and `/readyz` (it can answer)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from advisor.api.schemas.base import ResponseBody


class Health(BaseModel):
    """The process is up."""

    status: Literal["ok"]


class Ready(ResponseBody):
    """The store answered and the model is loaded; the backend is named by kind only."""

    status: Literal["ready"]
    chunks: int
    backend: str = Field(examples=["extractive", "openai", "fake"])
    llm: str = Field(examples=["offline", "openai-compatible"])
    version: str = Field(description="The installed career-advisor version.", examples=["0.1.0"])


class NotReady(BaseModel):
    """Still starting, or the store is unreachable (503 with Retry-After)."""

    status: Literal["starting", "unavailable"]
    detail: str
