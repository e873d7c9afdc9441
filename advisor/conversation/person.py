"""The person's words about themselves: the clauses of a message that describe who asks.

Words there are theirs, not the question's: "nurse" in "nurse here (34). how much math?" is
no term the guide lacks. A person says "I'm a nurse" (`english.described`), or introduces
themselves without "I": a phrase with no verb opening the message ("cs masters student.",
"java backend dev, we use docker"), a clause on their team ("we're a microsoft shop"), a
sentence with its subject left out ("thinking of switching to ai."), and the list any of
these opens ("35, accountant, no coding at all.").
"""

from __future__ import annotations

import re

from advisor.conversation.english import ASIDE, CLAUSE, SELF, described, readings
from advisor.text import QUESTION_OPENER, normalize

_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def theirs(text: str) -> list[str]:
    """The person's description of themselves (`described`, `introduced`) with the list it
    opens ("im a pharmacist, good at math, zero programming."): each clause of that sentence
    but one that asks ("..., can i switch?", "..., whats next")."""
    found = described(text) + introduced(text)
    for sentence in _SENTENCE.findall(text):
        clauses = [c for c in _CLAUSE_SPLIT.split(sentence) if c.strip()]
        if len(clauses) < 2 or sentence.rstrip().endswith("?"):
            continue
        if described(clauses[0]) or introduced(f"{clauses[0]}, {clauses[1]}"):
            found += [c.strip() for c in clauses[1:] if not QUESTION_OPENER.match(c)]
    return found


_ASKS_OF_THEM = re.compile(
    r"\b(?:is|isnt|was|would|will|does|doesnt)\s+(?:that|this)\b|\bfor (?:someone like )?me\b"
)
"""A question that points back at what the person said ("is that a problem", "realistic for
me?")."""


def asks_about(text: str) -> bool:
    """True when the message's question is about the person's own description: "i'm on
    windows, is that a problem", "i only have weekends. is that enough", "im a marketing
    manager, is applied ai realistic for me?". Their words are then what it asks about, and a
    note names those the guide lacks; "im a nurse, can i skip the math step?" asks of the math."""
    own = theirs(text)
    if not own:
        return False
    rest = text
    for clause in own:
        rest = rest.replace(clause, " ")
    return bool(_ASKS_OF_THEM.search(rest))


def introduced(text: str) -> list[str]:
    """How a person introduces themselves without saying "I": a phrase with no verb that
    opens the message ahead of more ("nurse here (34).", "java backend dev, we use docker",
    "bio undergrad. whats ..."), a clause on their team ("we're a microsoft shop") and a
    sentence that goes on with no subject ("thinking of switching to ai.", "teaching myself
    python."); none that asks ("kubernetes? do i need it", "is docker needed. ...")."""
    clauses = [c.strip() for c in CLAUSE.findall(normalize(text)) if c.strip()]
    found = [c for c in clauses if _TEAM.match(c) and not c.endswith("?")]
    found += [c for c in clauses if _subjectless(c)]
    if len(clauses) > 1 and _introduces(clauses[0], clauses[1]):
        found.insert(0, clauses[0])
    return list(dict.fromkeys(found))


INTRODUCTION = 6
"""Words at most of a phrase with no verb by which a person introduces themselves."""
_TEAM = re.compile(r"^(?:we|we're|were(?= an? )|weve|we've|our)\b")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#'-]*")
_FINITE = frozenset("is are was were am be can could should would will do does did need".split())
"""Words that make a clause of a phrase: a phrase holding one says or asks something."""


def _introduces(first: str, then: str) -> bool:
    """True when `first`, the message's opening phrase, names the person: no verb, nothing
    asked, a few words, ending on "here", an age or a noun, or followed by their own clause."""
    outer = ASIDE.sub(" ", first).strip()
    words = _TOKEN.findall(outer)
    if outer.endswith("?") or QUESTION_OPENER.match(outer) or not 0 < len(words) <= INTRODUCTION:
        return False
    if any(w in _FINITE or set(readings(w)) == {"VERB"} for w in words):
        return False
    head = words[-1]
    return (
        head == "here"
        or head.isdigit()
        or "NOUN" in readings(head)
        or bool(SELF.match(then) or _TEAM.match(then))
    )


def _subjectless(clause: str) -> bool:
    """A statement that opens on a verb's -ing form, its subject (the person) left out
    ("thinking of switching to ai.", "teaching myself python.")."""
    words = _TOKEN.findall(clause)
    return (
        bool(words)
        and not clause.endswith("?")
        and words[0].endswith("ing")
        and "VERB" in readings(words[0])
    )


_CLAUSE_SPLIT = re.compile(r"[,;:]")
