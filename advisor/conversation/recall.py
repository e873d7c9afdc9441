"""Retrieval that uses the conversation: a follow-up is searched with its context fused in.

- A question in a conversation that names no subject of its own ("what matters instead?"
  after a degree question, "pricing?" after SageMaker) is searched with its embedding plus
  the previous answered question's at a lower weight (PREVIOUS_WEIGHT), so the passages of
  the subject in focus stay near the top where the message's own words are few. A question
  that names its subject, a change of topic, or a message that says it leaves the subject
  is searched on its own: it is never pulled toward the previous topic.
- A question in a conversation asking where to learn something (or for a course, a video
  series) also searches the resource cards alone (kind != guide): the cards that teach the
  subject answer it, while the guide's passages that merely name it outrank them in the
  mixed search.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from advisor.conversation.asks import read_ask
from advisor.conversation.state import ConversationState
from advisor.conversation.turns import TurnKind, announces_new_subject
from advisor.conversation.vocabulary import LEVEL, Vocabulary
from advisor.embeddings import unit
from advisor.records import Source

PREVIOUS_WEIGHT = 0.4
"""Weight of the previous resolved question's embedding against the follow-up's (1.0)."""
CARDS: dict[str, Any] = {"kind": {"$ne": "guide"}}
"""The resource cards only."""
TEACHING = 2
"""Card passages a where-to-learn question adds (when not already among the sources)."""

Embed = Callable[[str], Sequence[float]]
Search = Callable[[str, int, "dict[str, Any] | None"], Sequence[Source]]


def fuse(vectors: Sequence[Sequence[float]], weights: Sequence[float]) -> list[float]:
    """The weighted sum of the vectors, scaled back to unit length (cosine stays comparable)."""
    pairs = list(zip(vectors, weights, strict=True))
    return unit([sum(w * v[i] for v, w in pairs) for i in range(len(vectors[0]))])


def context_of(
    state: ConversationState, kind: TurnKind | None, standalone: str, vocabulary: Vocabulary
) -> str:
    """The earlier question a turn is searched with: for a question that stays on the
    conversation's subject (a follow-up, or a message the classifier reads as standalone
    because it names nothing: "where does the data live then" after DVC) and names no subject
    of its own. "" for a change of topic, a message that says it leaves the subject, and one
    whose resolved text names its own subject ("What does an entry level ML engineer earn?"
    is searched as it stands, not pulled to "senior"; "and a data scientist?" is not pulled
    back to the ML engineer it replaced)."""
    last = state.last_answered or state.last
    if kind not in (TurnKind.FOLLOW_UP, TurnKind.STANDALONE) or last is None:
        return ""
    if announces_new_subject(standalone):
        return ""
    if any(e.kind != LEVEL for e in vocabulary.find(standalone)):
        return ""
    return last.text


def query_vector(standalone: str, context: str, embed: Embed) -> list[float]:
    """The embedding to search with: the question's own, fused with its context's if any."""
    own = list(embed(standalone))
    if not context or context == standalone:
        return own
    return fuse([own, list(embed(context))], [1.0, PREVIOUS_WEIGHT])


def teaching_cards(
    question: str, sources: Sequence[Source], search: Search, k: int, said: Sequence[str] = ()
) -> list[Source]:
    """The sources, with the cards that teach the subject first when the question asks where
    to learn it (or for a course, video or book on it); otherwise unchanged."""
    ask = read_ask(question)
    if not ask.resource or ask.cost or ask.audience:
        return list(sources)
    have = {s.id for s in sources}
    step = step_in_focus(sources, said)
    where: dict[str, Any] = CARDS
    if ask.kind:  # "any course for that?": the cards of that kind, whatever their step
        where = {"kind": ask.kind}
    elif step:
        where = {"$and": [CARDS, {"step": step}]}
    found = [s for s in search(question, TEACHING + len(have), where) if s.id not in have]
    added = found[:TEACHING]
    return [*sources[:1], *added, *sources[1:]][: k + len(added)]


def step_in_focus(sources: Sequence[Source], said: Sequence[str] = ()) -> int:
    """The guide step in focus (its section "5. Deep Learning ..."), or 0: the step of the
    guide passage the last answer quoted, else of the best guide passage. The cards the
    guide attaches to that step are the ones that teach its subject."""
    guide_passages = [s for s in sources if s.kind in ("", "guide")]
    quoted = [s for s in guide_passages if any(x and x in s.text for x in said)]
    best = (quoted or guide_passages)[:1]
    found = re.match(r"\s*(\d+)\.", best[0].top_section if best else "")
    return int(found.group(1)) if found else 0
