"""The app's link to `advisor`: settings (env + Streamlit secrets), one advisor per server
process, the index on first run, the resource list, and saving ratings."""

from __future__ import annotations

import logging
import threading
from typing import Any

import streamlit as st

from advisor import AdvisorError, Answer, CareerAdvisor, ConfigurationError, Settings
from advisor.feedback import FeedbackRecord, FeedbackStore
from advisor.settings import ENV_VARS

log = logging.getLogger(__name__)

INDEX_SPINNER = "Building the index of the guide — first run only"


def secret_overrides() -> dict[str, Any]:
    """Settings found in Streamlit secrets (e.g. OPENAI_API_KEY), as Settings field overrides."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        secrets: dict[str, Any] = st.secrets.to_dict()
    except Exception:  # no secrets file, or one Streamlit cannot read: use the environment
        return {}
    by_var = {var: name for name, var in ENV_VARS.items()}
    overrides: dict[str, Any] = {}
    for key, value in secrets.items():
        name = by_var.get(str(key).upper())
        if name and isinstance(value, str | int | float) and str(value).strip():
            overrides[name] = str(value)
    return overrides


def load_settings() -> Settings:
    """Settings from the environment, with Streamlit secrets taking precedence."""
    return Settings.from_env(**secret_overrides())


@st.cache_resource(show_spinner="Starting the advisor…")
def get_advisor(settings: Settings) -> CareerAdvisor:
    """The advisor for these settings, built once per server process and shared by sessions.

    A misconfigured LLM backend falls back to the offline answerer (the sidebar says which).
    """
    one_thread_per_query()
    try:
        return CareerAdvisor.from_settings(settings)
    except ConfigurationError as exc:
        log.warning("LLM backend unavailable (%s); answering offline", exc)
        return CareerAdvisor.from_settings(settings, backend="extractive")


def one_thread_per_query() -> None:
    """Run each query embedding on one CPU thread: sessions already run side by side, and
    torch's default (a thread per core for every call) makes concurrent sessions' threads
    fight over the cores (bench/app_load.py: ~10x the CPU per query on a busy 2-core machine)."""
    try:
        import torch
    except ImportError:  # another embedder: nothing to tune
        return
    torch.set_num_threads(1)


@st.cache_data(ttl=2.0, show_spinner=False, max_entries=4)
def index_stats(_advisor: CareerAdvisor, settings: Settings) -> dict[str, Any]:
    """Documents, chunks and last ingest for the sidebar, read at most every 2 s per process
    instead of on every rerun of every session (it pages through the whole store)."""
    return _advisor.stats()


class Warmup:
    """Loads the search model and keyword index once per process, in a background thread,
    so no page waits for it: a question asked meanwhile shows at once and its answer waits."""

    def __init__(self, advisor: CareerAdvisor) -> None:
        self.advisor = advisor
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        """Begin loading (once; later calls return at once)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._load, name="warm-up", daemon=True).start()

    def wait(self) -> None:
        """Start loading if needed and return once it is done (or failed: the answer then
        meets the same problem and reports it)."""
        self.start()
        self.done.wait()

    def _load(self) -> None:
        try:
            self.advisor.warm_up()
        except Exception as exc:  # the first answer reports it in words
            log.warning("loading the search model failed: %s", type(exc).__name__)
        finally:
            self.done.set()


@st.cache_resource(show_spinner=False)
def warmup(_advisor: CareerAdvisor, settings: Settings) -> Warmup:
    """The process's one warm-up of this advisor (shared by every session)."""
    return Warmup(_advisor)


def build_index(advisor: CareerAdvisor) -> None:
    """Build the index when the store is empty; the spinner only shows when that takes time."""
    with st.spinner(INDEX_SPINNER):
        advisor.ensure_index(progress=False)


@st.cache_data(ttl=600, show_spinner=False)
def resource_links(
    _advisor: CareerAdvisor, settings: Settings, last_ingest: str | None
) -> list[tuple[str, str]]:
    """(title, url) of every linked resource in the index, sorted by title."""
    links = {
        chunk.title: chunk.url
        for chunk in _advisor.store.all_chunks()
        if chunk.url and chunk.kind != "guide" and chunk.title
    }
    return sorted(links.items(), key=lambda item: item[0].lower())


def save_rating(db_path: str, question: str, answer: Answer, rating: int) -> int:
    """Store a thumbs up (1) or down (0) for an answer; return the row id."""
    record = FeedbackRecord(
        question=question,
        answer=answer.text,
        backend=answer.backend,
        source_ids=[s.id for s in answer.sources],
        rating=rating,
    )
    return FeedbackStore(db_path).add(record)


def friendly_error(exc: AdvisorError, settings: Settings) -> str:
    """A one-paragraph message for a failed answer: no traceback, never the API key."""
    detail = str(exc).strip().rstrip(".")
    if settings.openai_api_key:
        detail = detail.replace(settings.openai_api_key, "***")
    if isinstance(exc, ConfigurationError):
        lead = "The language model is not set up correctly"
    else:
        lead = "The language model is not answering right now"
    return f"{lead}: {detail}. You can still get an answer straight from the guide, offline."
