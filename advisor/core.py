"""CareerAdvisor: condense -> retrieve -> refuse or answer -> check citations."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from advisor.bootstrap import build_bundled
from advisor.conversation import (
    ConversationState,
    Resolution,
    Turn,
    TurnKind,
    Vocabulary,
    normalize_history,
    replay,
    resolve,
    trim,
)
from advisor.conversation.compose import ExtractiveAnswerer
from advisor.conversation.coverage import Lexicon, common_words, lexicon_of
from advisor.conversation.focus import card_titles, focus
from advisor.conversation.recall import context_of, query_vector, teaching_cards
from advisor.conversation.rewrite_guard import accept as accept_rewrite
from advisor.conversation.rewrite_guard import offline_is_sure
from advisor.conversation.scope import Context, scope
from advisor.deadline import Deadline
from advisor.embeddings import get_embeddings, model_path
from advisor.errors import InputError, LLMError, StoreUnavailable
from advisor.extractive import Draft, Listing
from advisor.filters import check_k
from advisor.filters import normalize as normalize_filters
from advisor.grounding import hold_until_grounded
from advisor.numbers import values_in
from advisor.planning.outline import Outline
from advisor.planning.plan import Plan, build_plan
from advisor.planning.profile import Profile, ProfileUpdate, read_profile
from advisor.planning.roles import RoleComparison, compare_roles
from advisor.records import Answer, Source
from advisor.retrieval import Retrieval, Retriever
from advisor.safety import mark_cited, redact_url
from advisor.secrets import RedactingStream, Redactor, hide_in_logs
from advisor.settings import Settings
from advisor.store import Store
from advisor.stream_safety import SafeStream

if TYPE_CHECKING:
    from advisor.runnable import AnswerRunnable, TextRunnable


class Answerer(Protocol):
    """Turns (question, sources, history) into cited text."""

    name: str

    def stream(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[Turn] = (),
        deadline: Deadline | None = None,
    ) -> Iterator[str | Draft | Listing]: ...


def make_answerer(settings: Settings, backend: str | None = None) -> Answerer:
    """The answerer for a backend name (default: the settings' resolved backend)."""
    name = backend or settings.resolved_backend
    if name == "extractive":
        return ExtractiveAnswerer()
    if name == "fake":
        from advisor.fake import FakeChatModel
        from advisor.llm import ChatAnswerer

        fake = FakeChatModel(
            responses=list(settings.fake_responses),
            chunk_chars=settings.fake_chunk_chars,
            chunk_delay=settings.fake_chunk_delay,
        )
        return ChatAnswerer(fake, settings, "fake")
    if name == "openai":
        from advisor.chat_model import openai_chat_model, served_model
        from advisor.llm import ChatAnswerer

        settings = settings.with_(llm_model=served_model(settings))  # the name shown, too
        return ChatAnswerer(openai_chat_model(settings), settings, "openai")
    settings.with_(backend=name)  # raises ConfigurationError naming ADVISOR_BACKEND
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Plan:
    question: str
    history: list[Turn]
    sources: list[Source]
    refused: bool


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
        self._outline: tuple[object, Outline] | None = None
        self._vocabulary: tuple[object, Vocabulary, dict[str, str]] | None = None
        self._lexicon: tuple[object, Lexicon] | None = None
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
        question = self._check(question)
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
    ) -> Answer:
        """Answer a question (with optional prior turns) from the sources, with citations.

        `k` (default ADVISOR_TOP_K) and `filters` shape the retrieval, as in `retrieve`;
        `max_tokens` limits a generated reply (never above ADVISOR_LLM_MAX_TOKENS).
        """
        answer: Answer | None = None
        for item in self.stream(question, history, k=k, filters=filters, max_tokens=max_tokens):
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
    ) -> Iterator[str | Answer]:
        """Yield text deltas as they are produced, then the final Answer (`k`, `filters`,
        `max_tokens`: ask).

        `on_sources` hears the numbered sources before any text (again if the answerer lists
        others), so a caller that stops the stream early still knows what its [n] point at.
        """
        deadline = self.deadlines(self.settings)  # one for the rewrite and the answer
        deadline.max_tokens = max_tokens
        plan = self._plan(question, history, deadline, k, filters)
        if plan.refused:
            yield from self._refusal(plan)
        elif isinstance(self.answerer, ExtractiveAnswerer):
            yield from self._answer(plan, deadline, self.answerer, on_sources)
        else:  # a model's answer is shown only when grounded, else the offline one instead
            offline = self._offline_answerer()
            yield from hold_until_grounded(
                self._answer(plan, deadline, self.answerer, on_sources),
                lambda _: self._answer(plan, deadline, offline, on_sources),
            )

    def _answer(
        self,
        plan: _Plan,
        deadline: Deadline,
        answerer: Answerer,
        on_sources: Callable[[list[Source]], None] | None = None,
    ) -> Iterator[str | Answer]:
        """One answerer's safe deltas over the plan's sources, then its Answer."""
        listed = plan.sources
        if on_sources is not None:
            on_sources(list(listed))
        # secrets the model echoes are masked before sanitising (which could split them) and
        # after it (which could join one); each stage sees the text so far, never one piece
        raw = RedactingStream(self._redactor)
        said = "\n".join([plan.question, *(text for _, text in plan.history)])
        given = frozenset(values_in(said))  # numbers the user gave or the answer carried over
        guard = SafeStream(listed, given=given)  # sanitises the text so far, never piece by piece
        shown = RedactingStream(self._redactor)
        draft: Draft | None = None
        for item in answerer.stream(plan.question, plan.sources, plan.history, deadline):
            if isinstance(item, Listing):  # cites beyond the retrieved sources: before any text
                listed = list(item.sources)
                guard = SafeStream(listed, given=given)
                if on_sources is not None:
                    on_sources(list(listed))
            elif isinstance(item, Draft):
                draft = item
            elif out := shown.push(guard.push(raw.push(item))):
                yield out
        tail = draft.text[len(raw.text) :] if draft and draft.text.startswith(raw.text) else ""
        guard.push(raw.push(tail) + raw.finish())  # an answerer may send only a Draft
        guard.finish()
        result = guard.result
        assert result is not None
        text = self._redactor.redact(result.text)
        if not text.strip():
            yield from self._refusal(plan, answerer.name)
            return
        if rest := shown.finish(result.text):
            yield rest
        yield Answer(
            text=text,
            sources=mark_cited(listed, set(result.cited)),
            backend=answerer.name,
            refused=False,
            question=self._redactor.redact(plan.question),
            incomplete=draft is not None and not draft.complete,
            unsupported_numbers=result.unsupported,
            warning=self.store.warning,
            usage=draft.usage if draft is not None else None,
        )

    def _refusal(self, plan: _Plan, backend: str | None = None) -> Iterator[str | Answer]:
        text = refusal_text()
        yield text
        yield Answer(
            text=text,
            backend=backend or self.backend,
            refused=True,
            question=self._redactor.redact(plan.question),
            warning=self.store.warning,
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
        return read_profile(self._check(message), known)

    def outline(self) -> Outline:
        """The guide's steps and the resource cards per step, as stored (cached per ingest)."""
        self.ensure_index()
        index = self.retriever.keyword_index()  # rebuilt when an ingest changes the store
        cached = self._outline
        if cached is None or cached[0] is not index:
            cached = (index, Outline.from_chunks(index.chunks))
            self._outline = cached
        return cached[1]

    def _offline_answerer(self) -> ExtractiveAnswerer:
        """An extractive answerer using this advisor's index (to stand in for a model's)."""
        offline = ExtractiveAnswerer()
        offline.set_idf(lambda token: self.retriever.keyword_index().idf(token))
        offline.set_structure(self.plan, self.compare_roles)
        return offline

    def offline_answer(self, question: str, history: Iterable[Any] = ()) -> Answer:
        """The extractive answer, whatever the configured backend (fallback after LLM errors:
        then marked `fallback="error"`)."""
        fallback = CareerAdvisor(
            self.settings, self.store, ExtractiveAnswerer(), retriever=self.retriever
        )
        answer = fallback.ask(question, history)
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
    def _check(self, question: str) -> str:
        question = clean_text(question).strip() if isinstance(question, str) else ""
        if not question:
            raise InputError("the question is empty: ask something about AI/ML careers")
        if len(question) > self.settings.max_question_chars:
            raise InputError(
                f"the question is {len(question)} characters long; the limit is "
                f"{self.settings.max_question_chars} (ADVISOR_MAX_QUESTION_CHARS)"
            )
        return question

    def _plan(
        self,
        question: str,
        history: Iterable[Any],
        deadline: Deadline,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
    ) -> _Plan:
        question = self._check(question)
        turns = [(role, clean_text(text)) for role, text in normalize_history(history or ())]
        turns = trim(turns, self.settings.history_chars)
        state, resolution = self._converse(question, turns)
        standalone = self._condense(question, turns, deadline, resolution)
        self.ensure_index()
        if k is not None:
            check_k(k, self.settings.max_k)
        k = self.settings.top_k if k is None else k
        kind = resolution.turn.kind if resolution is not None else None
        context = context_of(state, kind, standalone, self.vocabulary())  # fused in, if any
        vector = query_vector(standalone, context, self.retriever.embeddings.embed_query)
        found = self.retriever.retrieve_vector(standalone, vector, k, filters)

        def search(text: str, n: int, more: dict[str, Any] | None) -> list[Source]:
            return self.retriever.retrieve_vector(text, vector, n, more).sources

        sources = found.sources
        if sources and not filters:  # a caller's filters say where to look: no second look
            _, vocabulary, titles = self._names()  # one lookup of the index for both
            sources = focus(standalone, sources, search, vocabulary, titles, k)
            if state.last is not None:  # "where can I learn it?" after a topic
                sources = teaching_cards(standalone, sources, search, k, state.last_said)

        def again(text: str) -> Retrieval:
            return self.retriever.retrieve_vector(
                text, self.retriever.embeddings.embed_query(text), k, filters
            )

        found_in = scope(
            question,
            standalone,
            found,
            sources,
            again,
            Context(state, resolution, self.lexicon(), self.vocabulary),
            self.settings.min_relevance,
        )
        return _Plan(found_in.question, turns, found_in.sources, found_in.refused)

    def _converse(
        self, question: str, turns: Sequence[Turn]
    ) -> tuple[ConversationState, Resolution | None]:
        """The conversation's state after `turns`, and the message resolved against it."""
        if not turns:
            return ConversationState(), None
        vocabulary = self.vocabulary()
        state = replay(turns, vocabulary)
        return state, resolve(question, state, vocabulary)

    def _condense(
        self,
        question: str,
        turns: Sequence[Turn],
        deadline: Deadline,
        resolution: Resolution | None = None,
    ) -> str:
        """The question to search for: a follow-up resolved, anything else untouched."""
        if not turns:
            return question
        vocabulary = self.vocabulary()
        state, resolved = self._converse(question, turns)
        resolution = resolution or resolved
        assert resolution is not None
        if resolution.turn.kind != TurnKind.FOLLOW_UP:
            return question  # a standalone question is never rewritten with the previous one
        condense = getattr(self.answerer, "condense", None)
        if condense is not None and not offline_is_sure(resolution, state):
            try:
                rewritten = condense(question, turns, deadline)
                if len(rewritten) <= self.settings.max_question_chars and accept_rewrite(
                    rewritten, question, turns, vocabulary
                ):
                    return rewritten
            except LLMError:
                pass  # fall back to the offline rewriter; the answer call reports failures
        offline = resolution.question
        return offline if len(offline) <= self.settings.max_question_chars else question

    def vocabulary(self) -> Vocabulary:
        """Names a message can mention: the stored cards' titles plus common short forms."""
        return self._names()[1]

    def lexicon(self) -> Lexicon:
        """The corpus's words (what a message may name that the sources never mention)."""
        index = self.retriever.keyword_index()
        cached = self._lexicon
        if cached is None or cached[0] is not index:
            common = common_words(Path(model_path(self.settings)) / "vocab.txt")
            cached = (index, lexicon_of(index, common))
            self._lexicon = cached
        return cached[1]

    def _names(self) -> tuple[object, Vocabulary, dict[str, str]]:
        """(the keyword index they come from, the vocabulary, card titles by short name)."""
        self.ensure_index()
        index = self.retriever.keyword_index()
        cached = self._vocabulary
        if cached is None or cached[0] is not index:
            titles = {c.title for c in index.chunks if c.kind != "guide" and c.title}
            cached = (index, Vocabulary.from_titles(titles), card_titles(titles))
            self._vocabulary = cached
        return cached


def clean_text(text: str) -> str:
    """Text without NUL characters or lone surrogates (which no tokenizer or JSON encoder takes)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def refusal_text() -> str:
    """What the advisor says when its sources do not cover a question."""
    return resources.files("advisor.prompts").joinpath("refusal.md").read_text("utf-8").strip()
