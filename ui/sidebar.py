"""The sidebar: who answers, what the index holds, and what the advisor knows."""

from __future__ import annotations

from typing import Any

import streamlit as st

from advisor import CareerAdvisor
from advisor.safety import safe_markdown
from ui import chat_list, service

GUIDE_TITLE = "How to Become an AI and Machine Learning Engineer in 2026"
GUIDE_AUTHOR = "Ryan Mitchell"


def _when(iso: str | None) -> str:
    if not iso:
        return "never"
    return iso.replace("T", " ").replace("+00:00", " UTC")


def backend_box(advisor: CareerAdvisor) -> None:
    """Which answerer is in use and how to change it."""
    st.markdown("**Answering with**")
    st.markdown(f"`{advisor.describe_backend()}`")
    if advisor.settings.resolved_backend != advisor.backend:
        st.caption(
            "The configured LLM backend is not usable (see the server log), so answers "
            "come offline from the guide."
        )
    elif advisor.backend == "extractive":
        st.caption(
            "Quotes the guide directly; no API key needed. Set OPENAI_API_KEY or "
            "OPENAI_BASE_URL (environment or Streamlit secrets) to answer with an LLM."
        )


def index_box(stats: dict[str, Any]) -> None:
    """Documents, chunks and the time of the last ingest."""
    st.markdown("**Index**")
    docs, chunks = st.columns(2)
    docs.metric("Documents", stats.get("documents", 0))
    chunks.metric("Chunks", stats.get("chunks", 0))
    st.caption(f"Last ingest: {_when(stats.get('last_ingest'))}")


def about_box(advisor: CareerAdvisor, stats: dict[str, Any]) -> None:
    """What the advisor knows: the guide, its author and the resources it links to."""
    st.markdown("**About**")
    st.markdown(
        f"Answers come only from the guide *{GUIDE_TITLE}* by **{GUIDE_AUTHOR}** "
        "(Career Development Advisor) and the learning resources it names. "
        "When they don't cover a question, the advisor says so."
    )
    links = service.resource_links(advisor, advisor.settings, stats.get("last_ingest"))
    with st.expander(f"Resources in the guide ({len(links)})", icon=":material/link:"):
        st.markdown(safe_markdown("\n".join(f"- [{title}]({url})" for title, url in links)))


def sidebar(advisor: CareerAdvisor, stats: dict[str, Any]) -> None:
    """Render the whole sidebar."""
    with st.sidebar:
        chat_list.past_chats(advisor)
        st.divider()
        backend_box(advisor)
        st.divider()
        index_box(stats)
        st.divider()
        about_box(advisor, stats)
