"""Coverage of the question's own terms: each is in the quoted sentences or named in one note.

A term here is a word of the question the corpus lacks (`lexicon.Lexicon.terms`: "Kubernetes",
"India", "interview"), a region, company, age or year qualifier, or an amount with its unit
("10 hours a week"). Words of the person's own description ("I'm a nurse") are theirs, not
the question's. The same test serves the refusal: a follow-up whose own words are all the
corpus's is on the conversation's topic, however weakly its few words match a passage. Here:
what a question asks without its terms (`answerable_part`), the terms the quotes leave out
(`uncovered_terms`; an amount asked in a unit, "how many weeks", is one), named as the
question says them (`naming`) and the one note that names them (`note_for`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from advisor.conversation import english, person
from advisor.conversation.asks import AMOUNT as _AMOUNT
from advisor.conversation.lexicon import Lexicon
from advisor.conversation.naming import as_said, phrase, qualified, with_noun
from advisor.conversation.notes import (
    Qualifier,
    card_note,
    coverage_note,
    given_instead,
    qualifiers,
    uncovered,
)
from advisor.text import normalize, tokens

_DANGLING = frozenset("at in on with for of about to by using a an the".split())
"""Words left dangling at the end once their object is taken out ("how long at 10 hours?")."""


def amounts(text: str) -> list[str]:
    """Amounts with a unit the question names ("10 hours a week", "6 months")."""
    return [m.group(0).strip() for m in _AMOUNT.finditer(text)]


ASKED = re.compile(
    r"\bhow\s+(?:many|much)\s+((?:hours?|hrs?|days?|weeks?|months?|years?|yrs?)"
    r"(?:\s+(?:a|per|each|every|/)\s+(?:day|week|month|year))?)\b",
    re.I,
)
"""An amount of time the question asks for in a unit of its own ("how many hours a week",
"how many weeks"): a term like "10 hours a week", covered only by a figure in that unit."""


def asked_amounts(text: str) -> list[str]:
    """The units of time the question asks its amount in ("hours a week", "weeks")."""
    return [m.group(1) for m in ASKED.finditer(text)]


def without_amounts(text: str) -> str:
    """The text with its amounts blanked out ("at 10 hours a week" -> "at  ")."""
    return _AMOUNT.sub(" ", text)


def answerable_part(question: str, lexicon: Lexicon) -> str:
    """The question without its terms the sources lack that qualify it: the names the corpus
    never uses, its amounts and its region, company, age and year qualifiers ("how long at 10
    hours a week?" -> "how long?", "salaries in europe?" -> "salaries?"): what the sources can
    answer ("" if nothing is left). A dictionary word the corpus lacks stays: it is more likely
    the subject ("how do i train my dog?") than a qualifier of one."""
    rest = _AMOUNT.sub(" ", question)
    held = [q.value for q in qualifiers(question) if q.value.isalnum() or " " in q.value]
    names = [t for t in lexicon.terms(rest) if not english.readings(normalize(t))]
    for word in [*names, *held]:
        rest = re.sub(rf"(?<![\w+#]){re.escape(word)}(?![\w+#])", " ", rest, flags=re.I)
    words = rest.split()
    mark = "?" if words and words[-1].endswith("?") else ""
    while words and words[-1].rstrip("?.!,").lower() in _DANGLING | {""}:
        words.pop()
    rest = " ".join(words).rstrip("?.!,") + mark
    return rest if rest != " ".join(question.split()) and tokens(rest) else ""


def uncovered_terms(
    question: str, quoted: Iterable[str], lexicon: Lexicon, named: Iterable[str] = ()
) -> list[str]:
    """The question's terms that neither the quoted text nor `named` (already noted) holds;
    an amount as the note says it ("8 hrs a week" -> "8 hours a week")."""
    said = without_names(" ".join(quoted), lexicon.names)
    noted = normalize(" ".join(named))
    counted = [a for a in amounts(question) if not _experience(a, question)]
    inside = normalize(" ".join([*amounts(question), *asked_amounts(question)]))
    words = [w for w in lexicon.terms(question) if not _has(inside, normalize(w))]
    missing = []
    for term in words:
        if not _has(said, normalize(term)) and not _has(noted, normalize(term)):
            missing.append(with_noun(question, term))
    for term in counted:
        found = re.match(r"([\d.,]+)\D*?([a-z%]+)", normalize(term))
        if found is None:
            continue
        number, unit = found.groups()
        if not _figure(said, re.escape(number), unit) and not _has(noted, number):
            missing.append(_UNIT.sub(lambda m: _UNITS[m.group(0).lower()], term))
    for unit in asked_amounts(question):  # "how many weeks": a figure in weeks answers it
        if not _figure(said, r"[\d.,]+", normalize(unit)) and not _has(noted, normalize(unit)):
            missing.append(_UNIT.sub(lambda m: _UNITS[m.group(0).lower()], unit))
    return missing


def _figure(said: str, number: str, unit: str) -> bool:
    """True when `said` gives the number (a pattern) in the unit ("12–24 months")."""
    return bool(re.search(rf"(?<![\w.]){number}\s*(?:(?:-|–|to)\s*[\d.,]+\s*)?{unit[:3]}", said))


_UNITS = {"hr": "hour", "hrs": "hours", "yr": "year", "yrs": "years"}
_UNIT = re.compile(r"\b(?:hrs?|yrs?)\b", re.I)
_EXPERIENCE = re.compile(r"\s*(?:of|exp\w*|in)\b")


def _experience(amount: str, question: str) -> bool:
    """True for years the person has behind them ("3 yrs of python", "5 yrs exp", "accountant
    for 12 yrs" in their description of themselves): their own, as their job is, not an
    amount the question asks about."""
    if not re.search(r"(?:years?|yrs?)\b", amount, re.I):
        return False
    at = question.find(amount)
    if at >= 0 and _EXPERIENCE.match(question[at + len(amount) :]):
        return True
    return any(normalize(amount) in clause for clause in person.theirs(normalize(question)))


def without_names(text: str, names: Iterable[str]) -> str:
    """The text (normalised) with every name in `names` blanked out."""
    said = normalize(text)
    for name in {normalize(n) for n in names if n}:
        said = said.replace(name, " ")
    return said


def note_for(
    question: str,
    quoted: Iterable[str],
    titles: Sequence[str],
    lexicon: Lexicon,
    passages: Sequence[tuple[str, str]] = (),
) -> str:
    """The one note for every term of the question the quotes leave out ("" when none).

    Terms: the question's region, company, age and year qualifiers, the words the corpus
    never uses and its amounts. Names of cards count for nothing ("Google Vertex AI")."""
    quoted = list(quoted)
    names = [*titles, *lexicon.names]
    asked = normalize(question)
    bare = [normalize(re.sub(r"\s*\(.*?\)", "", n)) for n in names]  # "(AWS SageMaker)"
    inside = [n for n in bare if n and _has(asked, n)]
    held = [q for q in qualifiers(question) if not any(_has(n, q.value) for n in inside)]
    held = [q for q in held if not _told(q, question)]
    missing = [q for q in uncovered(question, quoted, names) if q in held]
    terms = ["age" if q.kind == "age" else q.label() for q in missing]
    terms += uncovered_terms(question, quoted, lexicon, [*terms, *(q.value for q in held)])
    said = normalize(" ".join(text for _title, text in passages))
    card_terms: list[str] = []
    for word in lexicon.card_only(question):
        term = phrase(question, word, said)
        if term == word:
            term = qualified(question, word, terms, lexicon.uses)
        if not any(_has(normalize(t), normalize(word)) for t in [*terms, *card_terms]):
            card_terms.append(term)
    terms, card_terms = as_said(question, terms, card_terms)
    card_terms = [t for t in card_terms if not _common(t, question)]
    notes = [coverage_note(terms, given_instead(terms, quoted))] if terms else []
    notes += [card_note(term, passages) for term in card_terms]
    return " ".join(notes)


CARD_ONLY_ZIPF = 4.7
"""Zipf frequency at or above which a dictionary word only the cards use, standing alone, is
no thing the guide lacks ("option" 4.8, "examples" 5.3 in its singular): a card-only note is
for a rarer thing ("heatmap", "recruiters" 3.3, "exercises" 4.7 less a hair)."""


def _common(term: str, question: str) -> bool:
    """A common dictionary word that names no thing of its own here: not joined to a name
    ("no-code option"), nor narrowing the question's noun ("base salary")."""
    low = normalize(term)
    if " " in low or not english.readings(low) or not english.everyday(low, CARD_ONLY_ZIPF):
        return False
    return not english.qualifies(low, normalize(question))


_AGE_ASKED = re.compile(r"\b(?:too (?:old|late)|age|older|old)\b")


def _told(qualifier: Qualifier, question: str) -> bool:
    """True for an age or hours the person gives of themselves and the question does not ask
    about ("im 16 and want to work in ai later. what do i learn first", "i work full time as
    an accountant"; not "i'm 45, too late?", "if i study full time")."""
    if qualifier.kind not in ("age", "time"):
        return False
    if qualifier.kind == "age" and not qualifier.value.isdigit():
        return False
    rest = normalize(question)
    own = person.theirs(rest)
    for clause in own:
        rest = rest.replace(clause, " ")
    number = re.compile(rf"(?<!\w){re.escape(qualifier.value)}(?!\d)")  # "35yo" gives 35
    told = any(number.search(clause) for clause in own)
    asked = qualifier.kind == "age" and _AGE_ASKED.search(rest)
    return told and not number.search(rest) and not asked


def _has(text: str, key: str) -> bool:
    return bool(re.search(rf"\b{re.escape(key)}\b", text))
