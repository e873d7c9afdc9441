"""Planning one answer: check the question, resolve a follow-up, retrieve and scope the sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

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
from advisor.conversation.domain import DomainPrior
from advisor.conversation.focus import focus, own_terms, rare_terms
from advisor.conversation.recall import context_of, query_vector, teaching_cards
from advisor.conversation.rewrite_guard import accept as accept_rewrite
from advisor.conversation.rewrite_guard import offline_is_sure
from advisor.conversation.scope import Context, scope
from advisor.conversation.state import learner as learner_of
from advisor.deadline import Deadline
from advisor.errors import InputError, LLMError
from advisor.filters import check_k
from advisor.index_cache import IndexCache
from advisor.planning.profile import Profile
from advisor.records import Source
from advisor.retrieval import Retrieval, Retriever
from advisor.settings import Settings


@dataclass(frozen=True)
class AnswerPlan:
    """What to answer (the standalone question), over which sources, or that it is refused."""

    question: str
    history: list[Turn]
    sources: list[Source]
    refused: bool
    profile: Profile = field(default_factory=Profile)
    """The learner, as the caller keeps them or as the chat's messages describe them."""


@dataclass(frozen=True)
class Planner:
    """Turns (question, history, k, filters) into an AnswerPlan for one advisor."""

    settings: Settings
    retriever: Retriever
    answerer: object
    """Asked to `condense` a follow-up when it can (a model's answerer)."""
    index: IndexCache

    def plan(
        self,
        question: str,
        history: Iterable[Any],
        deadline: Deadline,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
        profile: Profile | None = None,
    ) -> AnswerPlan:
        """The standalone question, the history kept, and the sources in scope (or a refusal).

        The learner is `profile` when the caller keeps one (the app's, its My plan form's
        corrections included), else what every user message says (the trimmed ones too)."""
        question = check_question(question, self.settings)
        turns = [(role, clean_text(text)) for role, text in normalize_history(history or ())]
        learner = profile if profile is not None else learner_of(turns, question)
        turns = trim(turns, self.settings.history_chars)
        state, resolution = self.converse(question, turns)
        self.index.ensure_index()
        standalone = self.vocabulary().spelled_out(
            self.condense(question, turns, deadline, state, resolution)
        )
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
            _, vocabulary, titles = self.index.names()  # one lookup of the index for both
            sources = focus(standalone, sources, search, vocabulary, titles, k)
            words = own_terms(standalone, self.index.lexicon(), vocabulary)
            sources = rare_terms(words, sources, search, self.retriever.keyword_index().holding, k)
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
            Context(
                state,
                resolution,
                self.index.lexicon(),
                self.vocabulary,
                self.domain.margin(question),
            ),
            self.settings.min_relevance,
        )
        return AnswerPlan(found_in.question, turns, found_in.sources, found_in.refused, learner)

    @cached_property
    def domain(self) -> DomainPrior:
        """The field's prior, its descriptions embedded once per advisor by its own model."""
        return DomainPrior.build(self.retriever.embeddings)

    def vocabulary(self) -> Vocabulary:
        """Names a message can mention (the index's vocabulary)."""
        return self.index.names()[1]

    def converse(
        self, question: str, turns: Sequence[Turn]
    ) -> tuple[ConversationState, Resolution | None]:
        """The conversation's state after `turns`, and the message resolved against it."""
        if not turns:
            return ConversationState(), None
        vocabulary = self.vocabulary()
        state = replay(turns, vocabulary)
        return state, resolve(question, state, vocabulary)

    def condense(
        self,
        question: str,
        turns: Sequence[Turn],
        deadline: Deadline,
        state: ConversationState,
        resolution: Resolution | None,
    ) -> str:
        """The question to search for: a follow-up resolved (`resolution`, read against
        `state` by `converse`), anything else untouched."""
        if not turns or resolution is None:
            return question
        if resolution.turn.kind != TurnKind.FOLLOW_UP:
            return question  # a standalone question is never rewritten with the previous one
        condense = getattr(self.answerer, "condense", None)
        if condense is not None and not offline_is_sure(resolution, state):
            try:
                rewritten = condense(question, turns, deadline)
                if len(rewritten) <= self.settings.max_question_chars and accept_rewrite(
                    rewritten, question, turns, self.vocabulary()
                ):
                    return rewritten
            except LLMError:
                pass  # fall back to the offline rewriter; the answer call reports failures
        offline = resolution.question
        return offline if len(offline) <= self.settings.max_question_chars else question


def check_question(question: str, settings: Settings) -> str:
    """The question cleaned and stripped, or InputError when empty or over the limit."""
    question = clean_text(question).strip() if isinstance(question, str) else ""
    if not question:
        raise InputError("the question is empty: ask something about AI/ML careers")
    if len(question) > settings.max_question_chars:
        raise InputError(
            f"the question is {len(question)} characters long; the limit is "
            f"{settings.max_question_chars} (ADVISOR_MAX_QUESTION_CHARS)"
        )
    return question


def clean_text(text: str) -> str:
    """Text without NUL characters or lone surrogates (which no tokenizer or JSON encoder takes)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
