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
    """Who writes the answers, in words."""
    st.markdown("**Answers**")
    if advisor.backend == "openai":
        model = advisor.settings.llm_model.replace("`", "'")
        st.markdown(f"Written by the language model `{model}` from the guide's passages, cited.")
    elif advisor.backend == "fake":
        st.markdown("Written by a scripted test model (`fake`), for trying the app.")
    else:
        st.markdown("Answers quote the guide directly (offline).")
    if advisor.settings.resolved_backend != advisor.backend:
        st.caption(
            "A language model is configured but could not be set up, so answers quote the "
            "guide directly instead."
        )


def settings_box() -> None:
    """How to connect a language model (kept out of the main view)."""
    with st.expander("Settings / about", icon=":material/settings:"):
        st.markdown(
            "The advisor works offline: it quotes the guide and cites it, and needs no key. "
            "To have a language model write the answers instead, give the app an API key or "
            "the address of an OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio…) "
            "before starting it. The README's *Connect an LLM* section shows how."
        )


def index_box(stats: dict[str, Any]) -> None:
    """Documents, passages and the time of the last ingest, folded away."""
    with st.expander("About this index", icon=":material/database:"):
        docs, chunks = st.columns(2)
        docs.metric("Documents", stats.get("documents", 0))
        chunks.metric("Passages", stats.get("chunks", 0))
        st.caption(f"Last updated: {_when(stats.get('last_ingest'))}")


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
        about_box(advisor, stats)
        index_box(stats)
        settings_box()
