"""CareerAdvisor: condense -> retrieve -> refuse or answer -> check citations."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from advisor.answer_plan import AnswerPlan, Planner, check_question, clean_text
from advisor.answering import Answerer, answer_stream, make_answerer, refusal
from advisor.bootstrap import build_bundled
from advisor.conversation import ConversationState, Vocabulary, normalize_history, replay
from advisor.conversation.compose import ExtractiveAnswerer
from advisor.conversation.lexicon import Lexicon
from advisor.deadline import Deadline
from advisor.embeddings import get_embeddings
from advisor.errors import InputError, StoreUnavailable
from advisor.filters import check_k
from advisor.filters import normalize as normalize_filters
from advisor.grounding import hold_until_grounded
from advisor.index_cache import IndexCache
from advisor.planning.outline import Outline
from advisor.planning.plan import Plan, build_plan
from advisor.planning.profile import Profile, ProfileUpdate, read_profile
from advisor.planning.roles import RoleComparison, compare_roles
from advisor.records import Answer, Source
from advisor.retrieval import Retriever
from advisor.safety import redact_url
from advisor.secrets import Redactor, hide_in_logs
from advisor.settings import Settings
from advisor.store import Store

if TYPE_CHECKING:
    from advisor.runnable import AnswerRunnable, TextRunnable


class CareerAdvisor:
    """The public entry point: ask, stream, retrieve, or compose it as a LangChain Runnable."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        answerer: Answerer,
        *,
        retriever: Retriever | None = None,
        deadlines: Callable[[Settings], Deadline] = Deadline.for_settings,
    ) -> None:
        served = getattr(getattr(answerer, "settings", None), "llm_model", "")  # /v1/models
        if served and not settings.llm_model:
            settings = settings.with_(llm_model=served)
        self.settings = settings
        self.store = store
        self.answerer = answerer
        self.deadlines = deadlines
        """Makes each answer's one Deadline (tests pass one on a fake clock)."""
        self.retriever = retriever or Retriever(store, lambda: get_embeddings(settings), settings)
        if isinstance(answerer, ExtractiveAnswerer):
            answerer.set_idf(lambda token: self.retriever.keyword_index().idf(token))
            answerer.set_structure(self.plan, self.compare_roles)
            answerer.set_lexicon(self.lexicon)
        self._index_checked = False
        self._index_lock = threading.Lock()
        self._index = IndexCache(settings, self.retriever, self.ensure_index)
        self._planner = Planner(settings, self.retriever, answerer, self._index)
        self._redactor = Redactor.for_settings(settings)
        hide_in_logs(self._redactor)  # the LLM client logs its URL, credentials and all

    @classmethod
    def from_env(cls, **overrides: Any) -> CareerAdvisor:
        """Build everything from the environment (explicit overrides win).

        The index goes to ADVISOR_STORE_DIR, by default `.advisor/store` under the current
        working directory (or to the Chroma server at CHROMA_HOST/CHROMA_PORT). It is built
        there from the bundled corpus on first use. To choose the place in code, use `open`.
        """
        return cls.from_settings(Settings.from_env(**overrides))

    @classmethod
    def open(cls, store_dir: str | os.PathLike[str], /, **overrides: Any) -> CareerAdvisor:
        """The advisor over the index in `store_dir` (created and built there on first use).

        Other settings come from the environment unless given here, e.g.
        `CareerAdvisor.open("data/index", backend="extractive", top_k=6)`.
        """
        if "store_dir" in overrides:
            raise InputError("give the store directory once, as the first argument")
        return cls.from_env(store_dir=Path(store_dir), **overrides)

    @classmethod
    def from_settings(cls, settings: Settings, backend: str | None = None) -> CareerAdvisor:
        """Build the store and answerer these settings describe."""
        return cls(settings, Store.open(settings), make_answerer(settings, backend))

    @property
    def backend(self) -> str:
        """Name of the answerer in use: extractive, openai or fake."""
        return self.answerer.name

    def describe_backend(self) -> str:
        """Human description, e.g. "openai (gpt-4o-mini)" or "offline extractive"."""
        if self.backend == "openai":
            url = redact_url(self.settings.openai_base_url)  # no password or key in the URL
            where = f" at {url}" if url else ""
            return f"LLM: {self.settings.llm_model}{where}"
        return "offline extractive" if self.backend == "extractive" else self.backend

    # --- index ----------------------------------------------------------------
    def ensure_index(self, progress: bool | None = None) -> None:
        """Build the bundled corpus index when the store is empty (first use).

        A progress bar goes to stderr only when `progress` is true, or (None) when stderr
        is a terminal; the start and end of a build are logged on the `advisor` logger.
        Never while an ingest runs: a store being built is not empty for long, and filling
        it too would mix the bundled corpus into someone else's index.
        """
        if self._index_checked:
            return
        with self._index_lock:
            if not self._index_checked:
                if self.store.count() == 0:
                    if self.store.building():
                        raise StoreUnavailable(
                            "the index is being built by an ingest; try again in a moment"
                        )
                    build_bundled(self.settings, progress)
                    self.store.generation()  # follow the pointer to what was just built
                self._index_checked = True

    def warm_up(self) -> None:
        """Load the model and keyword index now rather than on the first question."""
        self.ensure_index(progress=False)
        self.retriever.embeddings.embed_query("warm up")
        self.retriever.keyword_index()

    def stats(self) -> dict[str, Any]:
        """Documents, chunks and last ingest time of the store."""
        return self.store.stats()

    # --- asking ---------------------------------------------------------------
    def retrieve(
        self, question: str, k: int = 4, filters: Mapping[str, Any] | None = None
    ) -> list[Source]:
        """The k best sources for a question, best first; k is 1..ADVISOR_MAX_K (20).

        `filters` maps fields to a value or `{operator: value}`, and `$and`/`$or` take
        lists of such filters. Fields: source, title, section, top_section, kind, url,
        root, doc_key, step (a card's guide step, an integer), cost, level. Operators:
        $eq, $ne, $in, $nin, and $gt, $gte, $lt, $lte for step. For example
        `{"$and": [{"kind": {"$ne": "guide"}}, {"cost": "free"}, {"step": {"$lte": 3}}]}`.
        A bad k or filter raises InputError naming what is allowed.
        """
        question = check_question(question, self.settings)
        check_k(k, self.settings.max_k)
        normalize_filters(filters)  # a bad filter fails before the index is built
        self.ensure_index()
        return self.retriever.retrieve(question, k, filters).sources

    def ask(
        self,
        question: str,
        history: Iterable[Any] = (),
        *,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        profile: Profile | None = None,
    ) -> Answer:
        """Answer a question (with optional prior turns) from the sources, with citations.

        `k` (default ADVISOR_TOP_K) and `filters` shape the retrieval, as in `retrieve`;
        `max_tokens` limits a generated reply (never above ADVISOR_LLM_MAX_TOKENS). `profile`
        is the learner as you keep them (a form, this message included): a plan answer is
        for them; without it, for the learner the history's messages describe.
        """
        answer: Answer | None = None
        for item in self.stream(
            question, history, k=k, filters=filters, max_tokens=max_tokens, profile=profile
        ):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        history: Iterable[Any] = (),
        *,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        on_sources: Callable[[list[Source]], None] | None = None,
        profile: Profile | None = None,
    ) -> Iterator[str | Answer]:
        """Yield text deltas as they are produced, then the final Answer (`k`, `filters`,
        `max_tokens`, `profile`: ask).

        `on_sources` hears the numbered sources before any text (again if the answerer lists
        others), so a caller that stops the stream early still knows what its [n] point at.
        """
        deadline = self.deadlines(self.settings)  # one for the rewrite and the answer
        deadline.max_tokens = max_tokens
        plan = self._planner.plan(question, history, deadline, k, filters, profile)
        if plan.refused:
            yield from refusal(plan, self.backend, self._redactor, self._warning)
        elif isinstance(self.answerer, ExtractiveAnswerer):
            yield from self._answer(plan, deadline, self.answerer, on_sources)
        else:  # a model's answer is shown only when grounded, else the offline one instead
            offline = self._offline_answerer()
            yield from hold_until_grounded(
                self._answer(plan, deadline, self.answerer, on_sources),
                lambda _: self._answer(plan, deadline, offline, on_sources),
            )

    # --- planning --------------------------------------------------------------
    def plan(self, profile: Profile | Mapping[str, Any] | None = None) -> Plan:
        """A learning plan and timeline for this learner, computed from the guide and cited."""
        if not isinstance(profile, Profile):
            profile = Profile.from_dict(profile or {})
        return build_plan(self.outline(), profile, self.settings.plan_reference_hours)

    def compare_roles(self) -> RoleComparison:
        """Machine Learning Engineer, Data Scientist and Applied AI Engineer side by side."""
        return compare_roles(self.outline())

    def conversation(self, history: Iterable[Any] = ()) -> ConversationState:
        """The conversation's state after `history`: subjects in focus, what the answers quoted,
        and the learner profile every message updated (`state.to_dict()` saves it)."""
        turns = [(role, clean_text(text)) for role, text in normalize_history(history or ())]
        return replay(turns, self.vocabulary()) if turns else ConversationState()

    def read_profile(self, message: str, known: Profile | None = None) -> ProfileUpdate:
        """What a chat message says about the learner ("I'm a Java dev with no math")."""
        return read_profile(check_question(message, self.settings), known)

    def outline(self) -> Outline:
        """The guide's steps and the resource cards per step, as stored (cached per ingest)."""
        return self._index.outline()

    def vocabulary(self) -> Vocabulary:
        """Names a message can mention: the stored cards' titles plus common short forms."""
        return self._index.names()[1]

    def lexicon(self) -> Lexicon:
        """The corpus's words (what a message may name that the sources never mention)."""
        return self._index.lexicon()

    def _offline_answerer(self) -> ExtractiveAnswerer:
        """An extractive answerer using this advisor's index (to stand in for a model's)."""
        offline = ExtractiveAnswerer()
        offline.set_idf(lambda token: self.retriever.keyword_index().idf(token))
        offline.set_structure(self.plan, self.compare_roles)
        return offline

    def offline_answer(
        self, question: str, history: Iterable[Any] = (), profile: Profile | None = None
    ) -> Answer:
        """The extractive answer, whatever the configured backend (fallback after LLM errors:
        then marked `fallback="error"`); `profile`: ask."""
        fallback = CareerAdvisor(
            self.settings, self.store, ExtractiveAnswerer(), retriever=self.retriever
        )
        answer = fallback.ask(question, history, profile=profile)
        return answer if self.backend == "extractive" else replace(answer, fallback="error")

    @overload
    def as_runnable(self, with_sources: Literal[False] = False) -> TextRunnable: ...

    @overload
    def as_runnable(self, with_sources: Literal[True]) -> AnswerRunnable: ...

    def as_runnable(self, with_sources: bool = False) -> TextRunnable | AnswerRunnable:
        """A LangChain Runnable over {"question": ..., "history": [...]}: streams text pieces,
        or (with_sources=True) gives the whole Answer with its sources."""
        from advisor.runnable import AnswerRunnable, TextRunnable

        return AnswerRunnable(self) if with_sources else TextRunnable(self)

    # --- steps ----------------------------------------------------------------
    def _answer(
        self,
        plan: AnswerPlan,
        deadline: Deadline,
        answerer: Answerer,
        on_sources: Callable[[list[Source]], None] | None,
    ) -> Iterator[str | Answer]:
        """One answerer's safe deltas over the plan's sources, then its Answer."""
        return answer_stream(plan, deadline, answerer, self._redactor, self._warning, on_sources)

    def _warning(self) -> str:
        """The store's note for answers, read when the Answer is made."""
        return self.store.warning
