"""Coverage of the question's own terms: each is in the quoted sentences or named in one note.

A term here is a word of the question the corpus lacks (`lexicon.Lexicon.terms`: "Kubernetes",
"India", "interview"), a region, company, age or year qualifier, or an amount with its unit
("10 hours a week"). Words of the person's own description ("I'm a nurse") are theirs, not
the question's. The same test serves the refusal: a follow-up whose own words are all the
corpus's is on the conversation's topic, however weakly its few words match a passage. Here:
what a question asks without its terms (`answerable_part`), the terms the quotes leave out
(`uncovered_terms`, joined into the names the question and sources use: `phrase`,
`compounds`) and the one note that names them (`note_for`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from advisor.conversation import english, person
from advisor.conversation.asks import AMOUNT as _AMOUNT
from advisor.conversation.lexicon import WORD, Lexicon
from advisor.conversation.notes import (
    Qualifier,
    card_note,
    coverage_note,
    given_instead,
    qualifiers,
    uncovered,
)
from advisor.text import STOPWORDS, normalize, tokens

_VERB_NEXT = frozenset("at to for in on with into from about like me it them us".split())
"""Words after a verb ("look at", "fits me"): the word before them is no part of a name."""
_DANGLING = frozenset("at in on with for of about to by using a an the".split())
"""Words left dangling at the end once their object is taken out ("how long at 10 hours?")."""


def amounts(text: str) -> list[str]:
    """Amounts with a unit the question names ("10 hours a week", "6 months")."""
    return [m.group(0).strip() for m in _AMOUNT.finditer(text)]


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
    inside = normalize(" ".join(amounts(question)))
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
        said_so = rf"(?<![\w.]){re.escape(number)}\s*(?:(?:-|–|to)\s*[\d.,]+\s*)?"
        if not re.search(said_so + re.escape(unit[:3]), said) and not _has(noted, number):
            missing.append(_UNIT.sub(lambda m: _UNITS[m.group(0).lower()], term))
    return missing


def with_noun(question: str, word: str) -> str:
    """The word with the noun it qualifies in the question ("base" -> "base salary"): the
    term as the question names it."""
    words = [w for w in WORD.findall(question)]
    if word not in words or "ADJ" not in english.readings(normalize(word)):
        return word
    at = words.index(word)
    after = normalize(words[at + 1]) if at + 1 < len(words) else ""
    if after in STOPWORDS or not english.readings(after) or not english.noun(after):
        return word
    return f"{word} {words[at + 1]}"


def qualified(question: str, word: str, terms: Sequence[str], known: Callable[[str], bool]) -> str:
    """The word as the question names it with its qualifier ("base" -> "base salary", "curve"
    -> "roc curve"): an adjective with the noun after it, a noun with a name the corpus knows
    before it. Half a name reads as a word. Not a verb after its subject ("can lightgbm
    overfit"), nor a neighbour that is a term itself (`compounds` joins those)."""
    words = WORD.findall(question)
    if word not in words:
        return word
    at = words.index(word)
    named = with_noun(question, word)
    if named == word and at and english.noun(normalize(word)):
        before = normalize(words[at - 1])
        asking = at > 1 and normalize(words[at - 2]) in _AUXILIARY
        if (
            len(before) > 1
            and before not in STOPWORDS
            and not english.readings(before)
            and known(before)
        ):
            named = word if asking else f"{words[at - 1]} {word}"
    added = normalize(named).replace(normalize(word), " ").strip()
    if added and any(_has(normalize(t), added) for t in terms):
        return word
    return named


_AUXILIARY = frozenset("do does did can could will would should may might is are".split())
"""Words that open a question with the subject after them: the word after the subject is
its verb ("does mlflow record ...")."""


_UNITS = {"hr": "hour", "hrs": "hours", "yr": "year", "yrs": "years"}
_UNIT = re.compile(r"\b(?:hrs?|yrs?)\b", re.I)
_EXPERIENCE = re.compile(r"\s*(?:of|exp\w*|in)\b")


def _experience(amount: str, question: str) -> bool:
    """True for years the person has behind them ("3 yrs of python", "5 yrs exp"): their
    own, as their job is, not an amount the question asks about."""
    if not re.search(r"(?:years?|yrs?)\b", amount, re.I):
        return False
    at = question.find(amount)
    return at >= 0 and bool(_EXPERIENCE.match(question[at + len(amount) :]))


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
    words = [t for t in terms if t not in {q.label() for q in held} and t != "age"]
    words = [t for t in words if not any(c.isdigit() for c in t)]
    joined, card_terms = compounds(question, words, card_terms)
    card_terms = [t for t in card_terms if not _common(t, question)]
    terms = [joined[words.index(t)] if t in words else t for t in terms]
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


def compounds(
    question: str, terms: list[str], card_terms: list[str]
) -> tuple[list[str], list[str]]:
    """The terms with a card-only dictionary word the question puts right beside one joined
    to it, as one name ("SHAP" and "values": "SHAP values"; "private" and "repos": "private
    repos")."""
    text = " ".join(normalize(w) for w in WORD.findall(question))
    joined = list(terms)
    rest = []
    for card in card_terms:
        if not all(english.readings(w) for w in normalize(card).split()):
            rest.append(card)  # two names side by side are two terms ("gemini", "thru")
            continue
        for i, term in enumerate(joined):
            if _has(text, normalize(f"{term} {card}")):
                joined[i] = f"{term} {card}"
            elif _has(text, normalize(f"{card} {term}")):
                joined[i] = f"{card} {term}"
            else:
                continue
            break
        else:
            rest.append(card)
    return joined, rest


def phrase(question: str, word: str, said: str) -> str:
    """The word with the question's words on either side while the sources say them together
    ("reinforcement" -> "reinforcement learning"): the term as both name it."""
    words = WORD.findall(question)
    if word not in words:
        return word
    start = end = words.index(word)
    text = normalize(question)

    def joins(i: int, first: int, last: int) -> bool:
        """True when the i-th word names a thing and the sources say words[first..last]."""
        low = normalize(words[i])
        together = normalize(" ".join(words[first : last + 1]))
        return low not in STOPWORDS and english.named_in(low, text) and _has(said, together)

    for _ in range(2):
        if start and joins(start - 1, start - 1, end):
            start -= 1
        after = normalize(words[end + 2]) if end + 2 < len(words) else ""
        if end + 1 < len(words) and after not in _VERB_NEXT and joins(end + 1, start, end + 1):
            end += 1  # "recruiters look at": "look" is their verb
    return " ".join(words[start : end + 1])


def _has(text: str, key: str) -> bool:
    return bool(re.search(rf"\b{re.escape(key)}\b", text))
