"""The offline rewriter: a follow-up becomes a standalone question by resolving its reference.

A standalone question, a change of topic and a statement are never touched. A
follow-up's pronoun is replaced by what the earlier turns were about ("is it
free?" after MLflow asks "Is MLflow free?"), an "and X?" swaps X into the earlier
question ("and a data scientist?"), and a bare "why?" or "what kinds?" gets its
subject. The previous question is never pasted in front of the follow-up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from advisor.conversation.asks import read_ask
from advisor.conversation.english import readings
from advisor.conversation.phrasing import keep_amounts, strip_lead, tidy, untrail
from advisor.conversation.pointers import SEVERAL, pointing_that, stranded
from advisor.conversation.referents import (
    PERSON,
    earlier_of_kind,
    in_place_of_subject,
    join,
    names_of,
    person,
    subject,
)
from advisor.conversation.state import ConversationState
from advisor.conversation.turns import (
    TurnInfo,
    TurnKind,
    announces_new_subject,
    classify,
    only_constraints,
    question_part,
)
from advisor.conversation.vocabulary import (
    LEVEL,
    RESOURCE_FACETS,
    Vocabulary,
    topics_of,
)

Turn = tuple[str, str]

_ARTICLE = r"(?:(?:a|an|the)\s+)?"
_PRONOUNS = re.compile(
    rf"\b(?:{SEVERAL}|which of them|one of them|that one|this one|they|them|those|these|it|that|"
    r"this)\b",
    re.I,
)
_SEVERAL = re.compile(rf"\b(?:{SEVERAL})\b", re.I)
_PERSONAL = re.compile(r"\b(me|i|my)\b", re.I)
_COMPARES = re.compile(r"\b(?:which|both|either|vs|versus|compare|or)\b", re.I)
"""Words that ask of several things at once ("which is free?")."""
_NARROWS = re.compile(
    r"(?:in|for|at|with|without|on|from|after|before|as|by|under|over|within|if|when)\b", re.I
)
"""How a qualifier opens ("in europe", "for beginners", "with a cs degree")."""


@dataclass(frozen=True)
class Resolution:
    """A user message, its kind, and the question to search for."""

    turn: TurnInfo
    question: str

    @property
    def rewritten(self) -> bool:
        """True when the question searched for differs from what the user typed."""
        return self.question != self.turn.text


def replay(history: Sequence[Turn], vocabulary: Vocabulary) -> ConversationState:
    """The conversation state after `history`, each earlier follow-up resolved in turn."""
    state = ConversationState()
    for role, content in history:
        if role == "user":
            resolution = resolve(content, state, vocabulary)
            state.add_user(_with_text(resolution.turn, resolution.question, vocabulary))
        else:
            state.add_answer(content, vocabulary)
    return state


def rewrite_follow_up(question: str, history: Sequence[Turn], vocabulary: Vocabulary) -> str:
    """The standalone form of `question` after `history` (the question itself if standalone)."""
    return resolve(question, replay(history, vocabulary), vocabulary).question


def resolve(question: str, state: ConversationState, vocabulary: Vocabulary) -> Resolution:
    """Classify a message and, for a follow-up, resolve what it points back to."""
    who = person(state) if PERSON.search(question) else ""
    if who:  # "whats his job?" after "who wrote this guide?"
        return Resolution(
            _about_person(question, who, vocabulary), tidy(_name_person(question, who))
        )
    turn = classify(question_part(question), state, vocabulary)
    if turn.kind != TurnKind.FOLLOW_UP:  # searched as typed, lead-in and all
        return Resolution(replace(turn, text=question.strip()), question.strip())
    if turn.cue == "ellipsis":
        text = _swap(turn, state, vocabulary)
    elif turn.cue == "pronoun":
        text = _replace_pronouns(turn, state)
    elif turn.cue == "conditional":
        text = _conditional(turn, state)
    else:
        text = _bare(turn, state)
    return Resolution(turn, tidy(keep_amounts(text, turn.text)))


def _about_person(question: str, who: str, vocabulary: Vocabulary) -> TurnInfo:
    text = question.strip()
    return TurnInfo(text, TurnKind.FOLLOW_UP, "pronoun", tuple(vocabulary.find(who)))


def _name_person(question: str, who: str) -> str:
    """The question with its first personal pronoun naming `who` ("his job" -> "the guide's
    author's job"); a reflexive "himself" then says nothing more."""
    done = False

    def name(match: re.Match[str]) -> str:
        nonlocal done
        word = match.group(0).lower()
        if word in {"himself", "herself"}:
            return "" if done else who
        if done:
            return match.group(0)
        done = True
        return f"{who}'s" if word in {"his", "hers"} else who

    return PERSON.sub(name, strip_lead(question))


def in_context(question: str, state: ConversationState, vocabulary: Vocabulary) -> Resolution:
    """A message with no mark of a follow-up, read as one: what it asks, about the subjects in
    focus ("which is easier to break into?" after two roles names both roles)."""
    text = question.strip()
    turn = TurnInfo(
        text, TurnKind.FOLLOW_UP, "context", tuple(vocabulary.find(text)), tuple(topics_of(text))
    )
    if announces_new_subject(text):  # "new question: how long does it take from zero?"
        return Resolution(turn, text)
    facet = RESOURCE_FACETS & set(turn.topics) and not _COMPARES.search(text)
    names = (not facet and earlier_of_kind(state)) or subject(turn, state)[0]
    said = {n.lower() for n in names if n.lower() in text.lower()}
    if len(said) == len(names):  # all named already, or nothing to name
        return Resolution(turn, text)
    return Resolution(turn, tidy(f"{untrail(strip_lead(text))} — {join(names)}"))


def _with_text(turn: TurnInfo, text: str, vocabulary: Vocabulary) -> TurnInfo:
    """The turn as the state remembers it: its resolved text and what that names."""
    if text == turn.text:
        return turn
    return TurnInfo(text, turn.kind, turn.cue, tuple(vocabulary.find(text)), tuple(topics_of(text)))


def _replace_pronouns(turn: TurnInfo, state: ConversationState) -> str:
    names, learnable = subject(turn, state)
    if len(names) < 2 and _SEVERAL.search(turn.text):
        names = earlier_of_kind(state) or names
    core = strip_lead(turn.text)
    if not names:
        return core
    phrase = join(names)
    if "timeline" in turn.topics and learnable:
        # the guide times the whole path, not one tool: ask that, naming what is learnt
        asked = "How long would it take me" if _PERSONAL.search(core) else "How long does it take"
        return f"{asked} to become an ML engineer, learning {phrase}"
    done = False
    pointing = pointing_that(core)

    def swap(match: re.Match[str]) -> str:
        nonlocal done
        word = match.group(0).lower()
        if word in {"that", "this"} and match.start() not in pointing:
            return match.group(0)  # "a video that explains it": "it" is the reference
        if done and word in {"it", "that", "this", "they", "them"}:
            return match.group(0)  # one reference per question; later ones repeat it
        done = True
        if word.startswith("which"):
            return f"which of {phrase}" if len(names) > 1 else phrase
        return phrase

    text = _PRONOUNS.sub(swap, core)
    left = None if done else stranded(text)
    if left:  # "what do i need to know before" -> "... before Azure Machine Learning"
        text = (
            text[: left.start("word")] + _object_of(left["word"], phrase) + text[left.end("word") :]
        )
    if state.about_user and _PERSONAL.search(turn.text):
        text = f"{untrail(text)} ({state.about_user.rstrip('.')})"
    return text


def _object_of(word: str, phrase: str) -> str:
    """A stranded word with its thing: "before X", "in X" for "there", "instead of X"."""
    low = word.lower()
    if low.endswith("there"):
        return f"in {phrase}"
    if low == "instead":
        return f"instead of {phrase}"
    return f"{word} {phrase}"


def _swap(turn: TurnInfo, state: ConversationState, vocabulary: Vocabulary) -> str:
    """ "and X?": X takes the place of the same kind of thing in the earlier question."""
    rest = untrail(strip_lead(turn.text))
    last = state.last_answered or state.last
    if last is None:
        return rest
    previous = untrail(last.text)
    doer = _predicate_of(rest, last)
    if doer:  # "works with keras?" after a W&B question: W&B works with Keras?
        return f"{doer} {rest}"
    named = [e for e in turn.entities if e.kind != LEVEL]
    if len(named) >= 2:  # "and pytorch or tensorflow?": a comparison of its own, or in place
        olds = [e for e in last.entities if e.kind != LEVEL]  # of the last one's two sides
        if len(olds) != len(named):
            return rest
        for before, after in zip(olds, named, strict=True):
            side = re.compile(rf"\b{re.escape(before.surface)}(?!\w)", re.I)
            previous = side.sub(after.surface.replace("\\", r"\\"), previous, count=1)
        return previous
    for entity in turn.entities:
        old = next((e for e in last.entities if e.kind == entity.kind), None)
        if old is None:
            continue
        typed = re.search(rf"(?:(?:a|an|the)\s+)?{re.escape(entity.surface)}", rest, re.I)
        new = typed.group(0) if typed else entity.surface
        pattern = re.compile(rf"\b({_ARTICLE}){re.escape(old.surface)}(?!\w)", re.I)

        if not re.match(r"(?:a|an|the)\s", new, re.I):
            found = pattern.search(previous)
            new = f"{found.group(1) if found else ''}{new}"
        return pattern.sub(new.replace("\\", r"\\"), previous, count=1)
    if any(e.kind != LEVEL for e in turn.entities):
        return f"{previous} — {rest}"  # "which framework first?" + "and tensorflow?"
    term = read_ask(previous).definition
    if term and not only_constraints(rest) and term in previous:
        return previous.replace(term, rest, 1)  # "what are cnns?" + "and rnns?"
    narrows = _NARROWS.match(rest) or turn.entities  # "in europe?", "and senior?"
    swapped = "" if narrows else in_place_of_subject(rest, replace(last, text=previous))
    return swapped or f"{previous} {rest}"  # a qualifier: "... in europe"


def _predicate_of(rest: str, last: TurnInfo) -> str:
    """The thing the last question named when `rest` opens with what it does ("works with
    keras?", "runs on windows?", "integrates with pytorch?"), or ""; "books?" names a thing."""
    found = re.match(r"([a-z]+)s\s+(?:with|on|in|into|without)\b", rest.lower())
    named = [e for e in last.entities if e.kind != LEVEL]
    if found is None or not named or "VERB" not in readings(found.group(1) + "s"):
        return ""
    return names_of(named[:1])[0]


def _conditional(turn: TurnInfo, state: ConversationState) -> str:
    """ "what if I already know Python?": the earlier question under that condition."""
    last = state.last_answered or state.last
    rest = re.sub(r"^\s*(?:and\s+|but\s+|so\s+)?(?:what |even )?if\s+", "", turn.text, flags=re.I)
    if last is None or rest == turn.text:
        names, _ = subject(turn, state)
        return f"{untrail(turn.text)} about {join(names)}" if names else turn.text
    return f"{untrail(last.text)} if {untrail(rest)}"


def _bare(turn: TurnInfo, state: ConversationState) -> str:
    """ "why?", "what kinds?", "so what matters then?": the question gets its subject."""
    core = untrail(strip_lead(turn.text))
    last = state.last_answered or state.last
    if re.fullmatch(r"(?:why|how|how so|really|why not)", core, re.I) and last is not None:
        return f"{core} {untrail(last.text)}"
    names, _ = subject(turn, state)
    if not names:
        return core
    link = "of" if re.search(r"\b(kinds?|types?|sorts?|examples?)$", core, re.I) else "about"
    return f"{core} {link} {join(names)}"
