"""Whether to answer: the relevance bar, read with the conversation state and the corpus's words.

- A weak match is searched again without the question's terms the sources lack ("how long
  to learn PyTorch at 5 hours a week?" -> "how long to learn PyTorch?"); the answer notes them.
- In a conversation the sources already answered, a message in the corpus's own words is
  never refused for a weak match alone: unmarked, it is read against the subjects in focus
  ("and which is easier to break into?" after two roles).
- A message whose own words are only dictionary words the corpus lacks ("and pizza?", "tell
  me a riddle") is refused, however well its resolved form matches.
- In a conversation in scope, a message asking whether the learner needs or should use a name
  no dictionary lists ("do i need leetcode", "good for EDA?") asks about a tool of the trade
  the guide lacks: answered with a note naming it. A bare name could be a game or a singer
  ("whats minecraft", "do you like beyonce"): those still face the bar.
- In a conversation in scope, a message naming nothing the corpus lacks, with a word of the
  corpus's own ("why is the pay so high anyway", "ok whats the final step"), is on the
  conversation's subject: the words it lacks only frame the question ("high", "final").
- A first question in the field's own words ("do i need sql?") is not refused for a weak
  match alone.
- The field's prior (`domain`: the message against descriptions of the field and of everyday
  domains) moves the bar a little: "how do you evaluate a model properly" clears it, "how long
  do ball pythons live as pets" does not. Where the prior is clear it decides what the words
  cannot: a chat in scope reads "any resume tips" as on topic, and "how do i fix my wifi it
  keeps dropping" is not read against the conversation (its "it" is no tool of the chat).
- A person's own marker ("off topic but ...", "unrelated, ...") is taken at its word: the
  message is judged alone, by the bar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from advisor.conversation import english
from advisor.conversation.asks import read_ask
from advisor.conversation.compose import defines
from advisor.conversation.coverage import answerable_part
from advisor.conversation.domain import marks_off_topic
from advisor.conversation.english import readings
from advisor.conversation.lexicon import KNOWN_WORDS, Lexicon, words_of
from advisor.conversation.notes import qualifiers, relevance_bar
from advisor.conversation.rewrite import Resolution, in_context
from advisor.conversation.state import ConversationState, in_domain, leaves_topic, stays_on_topic
from advisor.conversation.turns import TurnKind
from advisor.conversation.vocabulary import Vocabulary
from advisor.planning.profile import read_profile
from advisor.records import Source
from advisor.retrieval import Retrieval
from advisor.text import STOPWORDS, normalize

Search = Callable[[str], Retrieval]
"""Text -> a fresh retrieval for it (its own embedding)."""
PRIOR_WEIGHT = 0.3
"""How far the bar moves per unit of the field's prior (a margin of +0.2 lowers it by 0.06)."""
CLEAR_FIELD = 0.1
"""A prior above this reads as the field: in a chat in scope, the message is on topic."""
CLEAR_EVERYDAY = -0.3
"""A prior below this reads as an everyday domain: the chat does not vouch for the message."""
NAME_LEAN = -0.15
"""A prior below this leans to an everyday domain: a name the model knows from one ("do u
like anime" -0.28) is no term of the trade; "do i need leetcode" (-0.05) is. A message in
the corpus's words that leans so ("unrelated, best laptop for gaming" -0.22) faces the bar."""
_TO_LEARN = re.compile(
    r"\b(?:need(?:ed|s)?|require[ds]?|use|using|learn\w*|know|study|practi[cs]e|skip|"
    r"install|worth|good for|useful|help(?:s|ful)?)\b",
    re.I,
)
"""Words that ask about a thing as something the learner would need, learn or use."""
MAX_NAMES = 2
"""Names no dictionary lists, at most, in a message asking about one ("do i need leetcode or
hackerrank"); a sentence in another language is all such words ("cual es el mejor equipo")."""


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
    prior: float = 0.0
    """The message's field prior (`DomainPrior.margin`; 0: no leaning either way)."""


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
    prior, lexicon, state = context.prior, context.lexicon, context.state
    bar = relevance_bar(standalone, min_relevance)
    defined = bool(sources) and defines(read_ask(standalone).definition, sources)

    def below(level: float) -> bool:
        return not sources or (found.best_similarity < level and not defined)

    weak = below(bar)
    elsewhere = not context.state.in_scope and _elsewhere(question, lexicon)
    lean = 0.0 if prior > 0 and elsewhere else prior  # a first "... to be a nurse?"
    doubtful = below(bar - PRIOR_WEIGHT * lean)
    if marks_off_topic(question):  # "off topic but whats a good carbonara recipe"
        return Scope(standalone, [] if doubtful else sources, doubtful)
    if _everyday(question, prior, doubtful or standalone != question, lexicon):
        return Scope(standalone, [], True)  # "how do i fix my wifi it keeps dropping"
    matched, first = not weak, sources
    left = state.in_scope and prior <= 0 and leaves_topic(question, lexicon)  # "and pizza?"
    weak = weak or left
    part = answerable_part(standalone, lexicon) if weak else ""
    if part:
        again = search(part)
        if again.sources and again.best_similarity >= relevance_bar(part, min_relevance):
            sources, weak = list(again.sources), False
    if weak and sources and in_domain(question, lexicon):
        weak = False  # "how do i know if my model is any good?", "what's rag": its own words
    on_topic = state.in_scope and prior > CLEAR_FIELD  # "any resume tips"
    told = state.in_scope and _tells(question, context.resolution)  # "only 10 hrs a week tho"
    named = state.in_scope and prior > NAME_LEAN and _trade_name(question, lexicon)
    own = state.in_scope and prior > NAME_LEAN and _in_its_words(question, lexicon)
    if (
        weak
        and sources
        and (on_topic or told or named or own or stays_on_topic(question, state, lexicon))
    ):
        resolution = context.resolution
        last = state.last_answered
        if told and last is not None:  # the question it qualifies, with what it tells
            standalone = f"{last.text.rstrip(' ?.!')}, {question}"
            sources = list(search(standalone).sources)
        elif resolution is not None and resolution.turn.kind != TurnKind.FOLLOW_UP:
            standalone = in_context(question, state, context.vocabulary()).question
            sources = list(search(standalone).sources)
        weak = not sources
    if matched and not weak and doubtful and not left:  # "how long do ball pythons live"
        weak = not (in_domain(question, lexicon) or stays_on_topic(question, state, lexicon))
    elif weak and first and not doubtful and not left:  # "how do you evaluate a model properly"
        sources, weak = first, False
    return Scope(standalone, [] if weak else sources, weak)


def _in_its_words(question: str, lexicon: Lexicon) -> bool:
    """True for a message that names nothing the corpus lacks and holds a word of its own
    ("why is the pay so high anyway", "ok whats the final step", "any resource that isnt
    boring lol"): in a chat in scope, asked of the conversation's subject, however few of a
    passage's words it shares. The words the corpus lacks there only frame the question (an
    adjective, a verb: "high", "final", "boring", "ship it"); a noun or a name the corpus
    lacks may be another domain's ("printer", "beyonce"), and a message with none of the
    corpus's words ties to nothing ("whats 17 times 23")."""
    text = normalize(question)
    for word in lexicon.unknown(question):
        low = normalize(word)
        if lexicon.everyday(word) or (english.qualifies(low, text) and "ADJ" in readings(low)):
            continue  # "whats", "the final step"
        if english.named_in(low, text):
            return False
    return any(
        lexicon.uses(w) and (not lexicon.everyday(w) or normalize(w) in KNOWN_WORDS)
        for w in words_of(question)
        if normalize(w) not in STOPWORDS
    )


def _tells(question: str, resolution: Resolution | None) -> bool:
    """True for a statement that tells the advisor about the learner ("i can only do 10 hours
    a week tho", "i already know pandas"): in a chat in scope, it is about their path."""
    if resolution is None or resolution.turn.kind != TurnKind.STATEMENT:
        return False
    return read_profile(question).changed


def _trade_name(question: str, lexicon: Lexicon) -> bool:
    """True for a message asking whether the learner needs, should learn or use a name no
    dictionary lists and the corpus never uses, its other words everyday or the corpus's ("do
    i need leetcode", "good for EDA?", "what about l-bfgs, is that needed"): in a chat in
    scope, a tool or term of the trade the guide lacks, answered from what it does say with a
    note naming it. A bare name looks the same whether a tool or a game ("whats minecraft",
    "do you like beyonce"), so the learner's need says which; a dictionary word the corpus
    lacks says the message went elsewhere ("whats the weather in lisbon tomorrow"), a company
    is no tool ("netflix"), and the prior judges a name the model knows from everyday life."""
    if not _TO_LEARN.search(question):
        return False
    own = {normalize(w) for w in lexicon.content_words(question)}
    held = {normalize(q.value) for q in qualifiers(question)}
    unknown = [normalize(w) for w in lexicon.unknown(question)]
    unknown = [w for w in unknown if w in own]
    names = [w for w in unknown if not readings(w) and w not in held]
    return 0 < len(names) <= MAX_NAMES and len(names) == len(unknown)


def _elsewhere(question: str, lexicon: Lexicon) -> bool:
    """True when the message names a thing the corpus never mentions ("what qualifications
    do i need to be a nurse?"): asked first, a career question about another field's (in a
    chat in scope, "any cv tips" has the chat's topic to lean on)."""
    return any("NOUN" in readings(w) for w in lexicon.unknown(question))


def _everyday(question: str, prior: float, unsure: bool, lexicon: Lexicon) -> bool:
    """A message the prior clearly reads as an everyday domain, holding words the corpus
    lacks and too few of its own, whose match is weak or was made for a resolved text."""
    if prior >= CLEAR_EVERYDAY or not unsure or not lexicon.unknown(question):
        return False
    return not in_domain(question, lexicon)
