"""What shape of answer a question asks for: a definition, a comparison, resources, next steps."""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.conversation.vocabulary import AUDIENCE_SECTION, CARD_SECTIONS, topics_of
from advisor.planning.profile import role_named
from advisor.text import normalize, tokens

AMOUNT = re.compile(
    r"(?<![\w$£€])(\d++(?:[.,]\d++)?+)\s*+(?:(?:-|to|–)\s*+)?+(\d++(?:[.,]\d++)?+)?+\s*+"
    r"(hours?|hrs?|h|days?|weeks?|months?|years?|yrs?|k|%|dollars?|usd)\b"
    r"(?:\s++(?:a|per|each|every|/)\s++(day|week|month|year))?+",
    re.I,
)
"""An amount with its unit; possessive runs, so a long run of digits or spaces is read once."""
_DEFINITION = re.compile(
    r"^(?:so |and |ok |okay )?(?:what(?:'s|s| is| are)|define|meaning of|explain|"
    r"tell me (?:more )?about)\s++"
    r"(?:an? |the )?(?P<term>[^?]*[^?\s])\s*(?:\?|$)"
)
"""The term runs to the first "?" and ends on its last visible character: read once, where a
lazy term followed by `\\s*` re-read every run of spaces inside it."""
_DOES = re.compile(
    r"^(?:so |and )?what (?:does|do) (?:an? |the )?(?P<term>[^?]+?) (?:actually |really )?"
    r"(?:do|involve|include|cover|mean)\b"
)
_USED_FOR = re.compile(r"(?<!\s)\s++(?:(?:used|good|useful) )?for$")
""""what's pandas for", "what is docker used for": the term without its purpose words."""
_HEDGE = re.compile(r"(?<!\s)\s++(?:actually|really|exactly|basically)$")
""""what's pandas actually for": a hedge before the purpose words is no part of the term."""
_DIFFERENCE = r"(?:difference|diff|diference|differnce)"
"""The word as people type it ("whats the diff between ...")."""
_NOT_A_TERM = re.compile(rf"^(?:the )?(?:{_DIFFERENCE}|best|easiest|fastest|most|next|better)\b")
_BETWEEN = re.compile(rf"\b{_DIFFERENCE} between (?P<a>.+?) and (?P<b>[^?.,]+)")
_BETWEEN_START = re.compile(rf"\b{_DIFFERENCE} between ")
_COMPARES = r"(?:vs\.?|versus|or|compared to|over|than)"
_SIDE_WORD = r"[\w+#./-]++"
_VERSUS = re.compile(
    rf"(?<![\w+#./ -])(?P<a> (?= ++{_COMPARES}\s[^?.,])"
    rf"|(?> *+){_SIDE_WORD}(?: ++(?!{_COMPARES}\s[^?.,]){_SIDE_WORD})*+)"
    rf"\s++{_COMPARES}\s+(?P<b>[^?.,]+)"
)
"""'pytorch vs tensorflow': side a runs from where a stretch of name characters starts, word by
word, up to the first comparing word that has something after it; side b up to "?", "." or ",".
Each character is read once (possessive runs, a fixed-length look-ahead), where the lazy side
a followed by `\\s+` that this replaces backtracked cubically on a run of spaces."""
_SIDE_NOISE = re.compile(
    r"^(?:should i|do i|can i|is it|which is|what is|whats|what's|learn|use|start with|pick|"
    r"choose|go with|become|be|an?|the|first|better|best|more|to|i|me)\b\s*"
)
_SIDE_TAIL = re.compile(r"(?<!\s)\s++(?:first|better|best|more|then|now|to learn|to start)\s*+$")
_RESOURCE = re.compile(
    r"\b(?:videos?|youtube|courses?|books?|tutorials?|resources?|channels?|lectures?|"
    r"free|cost|costs|price|pricing|paid|pay for|subscription|cheap|beginner[- ]friendly)\b"
    r"|\bwhere (?:can|could|do|should|would) (?:i|you|one|we) (?:learn|study|pick up|practi[cs]e)\b"
    r"|\bwhere to (?:learn|study)\b"
)
_KINDS = {
    "video series": r"\b(?:videos?|youtube|channels?|lectures?)\b",
    "course": r"\b(?:courses?|class(?:es)?|curriculum)\b",
}
_AUDIENCE = re.compile(r"\bfor whom\b|\baimed at\b|\bsuitable for\b")
_WHO = re.compile(r"\bwho(?: is|'s| are)\b")
_FOR = re.compile(r"\bfor\b")
_COST = re.compile(r"\b(?:free|cost|costs|price|pricing|paid|pay for|subscription|cheap)\b")
_NEXT = re.compile(
    r"\b(?:where (?:should|do|can) i (?:\w+ )?(?:start|begin)|"
    r"how (?:do|should|can) i (?:start|begin)|"
    r"what(?:'s| is| should i do| do i do)? next|next steps?|what now|get started|"
    r"(?:give|show|tell) me the steps|what are the steps|(?:a|the|my) roadmap|"
    r"where to (?:start|begin)|what (?:should|do|must|would) i (?:learn|do|study) "
    r"(?:first|now|next)|what (?:should|do) i (?:start|begin) with)\b"
)
_BECOME = re.compile(
    r"\bhow (?:do|can|should|would) i (?:become|get started as)\b|\bhow to become\b"
)
"""'How do I become an ML engineer?' asks for the path, when what follows names the field."""
_CAREER_WORDS = frozenset(
    """ml ai machine engineer scientist data applied becom career path journey field
    ok okay""".split()
)
"""Words a rewritten "what next?" may carry ("what next about becoming an ML engineer?")."""
_CHOOSE = re.compile(rf"\b(?:which|compare[ds]?|comparison|{_DIFFERENCE}|versus|vs)\b")
_ASPECT_WORDS = {
    "Entry accessibility": r"\b(?:easi(?:er|est)|harder|hardest|accessible|get (?:into|in)|"
    r"break (?:into|in)|entry|beginners?)\b",
    "Pay": r"\b(?:pay|pays|paid more|salar(?:y|ies)|earn|earns|compensation|money)\b",
}
"""Words that ask the role comparison for one aspect rather than each role's focus."""
_AUTHOR = re.compile(
    r"\b(?:author|wrote (?:it|this|the guide)|written by|ryan)\b"
    r"|\bwho wrote(?=\s*[?.!]*$|\s+(?:(?:this|the)\s+(?:guide|article|page|post)|this|that|it"
    r"|btw|anyway)\b)"
)
"""The guide's author: "who wrote this?", "who wrote the guide btw" (not "who wrote fastapi?",
a card's maker)."""
_ABOUT_GUIDE = re.compile(r"\b(?:guide|publisher|published|ryan mitchell|classpedia)\b")


@dataclass(frozen=True)
class Ask:
    """The shape of answer a question wants."""

    definition: str = ""
    """The term of a "what is X" question."""
    sides: tuple[str, ...] = ()
    """The things compared ("pytorch", "tensorflow")."""
    roles: tuple[str, ...] = ()
    """The guide's roles the question compares (two or more, canonical names)."""
    resource: bool = False
    kind: str = ""
    """The resource kind asked for ("video series", "course"), or ""."""
    cost: bool = False
    audience: bool = False
    """ "Who is it for?": a resource card's "Who it is for" section answers."""
    next_steps: bool = False
    about_guide: bool = False
    about_author: bool = False
    aspect: str = ""
    """The role comparison's aspect a roles question asks about ("Entry accessibility"), or ""."""
    section: str = ""
    """The resource card section the question asks for ("who made it?": "What it is"; "who
    is it for?": "Who it is for"), or ""."""


def read_ask(question: str) -> Ask:
    """What the question asks for, read from its wording alone."""
    text = normalize(question).strip()
    sides = _sides(text)
    roles = tuple(dict.fromkeys(r for r in (role_named(s) or _role_in(s) for s in sides) if r))
    if len(roles) < 2 and _CHOOSE.search(text):
        roles = _roles_in(text)  # "which of ml engineer and data scientist is easier?"
    kind = next((k for k, pattern in _KINDS.items() if re.search(pattern, text)), "")
    audience = _asks_audience(text)
    author = bool(_AUTHOR.search(text))
    section = next((CARD_SECTIONS[t] for t in topics_of(text) if t in CARD_SECTIONS), "")
    return Ask(
        definition=_term(text) if not sides else "",
        sides=sides,
        roles=roles if len(roles) >= 2 else (),
        resource=bool(_RESOURCE.search(text)) or audience,
        kind=kind,
        cost=bool(_COST.search(text)),
        audience=audience,
        next_steps=not sides and _asks_next_step(text),
        about_guide=bool(_ABOUT_GUIDE.search(text) or author),
        about_author=author,
        aspect=next((a for a, words in _ASPECT_WORDS.items() if re.search(words, text)), ""),
        section=section or (AUDIENCE_SECTION if audience else ""),
    )


def _asks_audience(text: str) -> bool:
    """ "Who is it for?", "aimed at": a "who is" with a "for" after it on its line, or a phrase.

    Only each line's first "who is" is tried: a later one has less text after it."""
    if _AUDIENCE.search(text):
        return True
    for line in text.split("\n"):
        who = _WHO.search(line)
        if who and _FOR.search(line, who.end()):
            return True
    return False


def _between(text: str) -> re.Match[str] | None:
    """`_BETWEEN`'s first match, trying only the first "difference between" of each line (a
    later one on the same line can only fail where the first did): each line is read once."""
    pos = 0
    while (start := _BETWEEN_START.search(text, pos)) is not None:
        found = _BETWEEN.match(text, start.start())
        if found:
            return found
        pos = text.find("\n", start.start()) + 1
        if not pos:
            return None
    return None


def _asks_next_step(text: str) -> bool:
    """ "Where should I start?", "what next?": the sentence asks for a step, not about a topic."""
    for sentence in re.split(r"[.?!]+", AMOUNT.sub(" ", text)):  # an amount is no subject
        become = _BECOME.search(sentence)
        if become:  # "how do I become a lawyer?" is no step of this path
            rest = set(tokens(sentence[: become.start()] + sentence[become.end() :]))
            if rest and rest <= _CAREER_WORDS | {"learn"}:
                return True
        match = _NEXT.search(sentence)
        if not match:
            continue
        rest = set(tokens(sentence[: match.start()] + sentence[match.end() :])) - _CAREER_WORDS
        if len(rest) <= 1:
            return True
    return False


def _term(text: str) -> str:
    match = _DEFINITION.match(text) or _DOES.match(text)
    if not match:
        return ""
    term = _HEDGE.sub("", _USED_FOR.sub("", match.group("term").strip()))
    if _NOT_A_TERM.match(term) or not tokens(term) or len(term.split()) > 5:
        return ""
    return term


def _sides(text: str) -> tuple[str, ...]:
    match = _between(text) or _VERSUS.search(text)
    if not match:
        return ()
    found = []
    for side in (match.group("a"), match.group("b")):
        side = side.strip(" ?!.")
        while True:
            trimmed = _SIDE_NOISE.sub("", side, count=1).strip()
            if trimmed == side:
                break
            side = trimmed
        side = _SIDE_TAIL.sub("", side).strip()
        if not tokens(side):
            return ()
        found.append(side)
    return tuple(found)


def _roles_in(text: str) -> tuple[str, ...]:
    """Every role of the guide the text names, in order of appearance."""
    found = re.finditer(
        r"\b(?:machine learning engineer|ml engineer|data scientist|data science|"
        r"(?:applied )?ai engineer)s?\b",
        text,
    )
    return tuple(dict.fromkeys(r for m in found if (r := _role_in(m.group(0)))))


def _role_in(side: str) -> str | None:
    """A role named inside a longer phrase ("an ml engineer at a startup")."""
    for words in ("machine learning engineer", "ml engineer", "data scientist", "data science"):
        if words in side:
            return role_named(words)
    if re.search(r"\b(?:applied )?ai engineer\b", side):
        return role_named("applied ai engineer")
    return None
