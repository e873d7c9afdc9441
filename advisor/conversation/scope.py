"""Whether to answer: the relevance bar, read with the conversation state and the corpus's words.

- A weak match is searched again without the question's terms the sources lack ("how long
  to learn PyTorch at 5 hours a week?" -> "how long to learn PyTorch?"); the answer notes them.
- In a conversation the sources already answered, a message in the corpus's own words is
  never refused for a weak match alone: unmarked, it is read against the subjects in focus
  ("and which is easier to break into?" after two roles).
- A message whose own words are only dictionary words the corpus lacks ("and pizza?", "tell
  me a riddle") is refused, however well its resolved form matches.
- A first question in the field's own words ("do i need sql?") is not refused for a weak
  match alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from advisor.conversation.asks import read_ask
from advisor.conversation.compose import defines
from advisor.conversation.coverage import answerable_part
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.notes import relevance_bar
from advisor.conversation.rewrite import Resolution, in_context
from advisor.conversation.state import ConversationState, in_domain, leaves_topic, stays_on_topic
from advisor.conversation.turns import TurnKind
from advisor.conversation.vocabulary import Vocabulary
from advisor.records import Source
from advisor.retrieval import Retrieval

Search = Callable[[str], Retrieval]
"""Text -> a fresh retrieval for it (its own embedding)."""


@dataclass(frozen=True)
class Scope:
    """What to answer from: the question searched for, its sources, or a refusal."""

    question: str
    sources: list[Source]
    refused: bool


@dataclass(frozen=True)
class Context:
    """The conversation a message arrives in, and the words the corpus knows."""

    state: ConversationState
    resolution: Resolution | None
    lexicon: Lexicon
    vocabulary: Callable[[], Vocabulary]


def scope(
    question: str,
    standalone: str,
    found: Retrieval,
    sources: Sequence[Source],
    search: Search,
    context: Context,
    min_relevance: float,
) -> Scope:
    """Answer from `sources` (found for `standalone`), from a second search, or refuse."""
    sources = list(sources)
    bar = relevance_bar(standalone, min_relevance)
    weak = not sources or (
        found.best_similarity < bar and not defines(read_ask(standalone).definition, sources)
    )
    resolution = context.resolution
    if context.state.in_scope:  # "and pizza?", "tell me a riddle": the chat's topic is left
        weak = weak or leaves_topic(question, context.lexicon)
    part = answerable_part(standalone, context.lexicon) if weak else ""
    if part:
        again = search(part)
        if again.sources and again.best_similarity >= relevance_bar(part, min_relevance):
            sources, weak = list(again.sources), False
    if weak and sources and in_domain(question, context.lexicon):
        weak = False  # "how do i know if my model is any good?", "what's rag": its own words
    if weak and sources and stays_on_topic(question, context.state, context.lexicon):
        if resolution is not None and resolution.turn.kind != TurnKind.FOLLOW_UP:
            standalone = in_context(question, context.state, context.vocabulary()).question
            sources = list(search(standalone).sources)
        weak = not sources
    return Scope(standalone, [] if weak else sources, weak)
