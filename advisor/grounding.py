"""Grounding gate: a model's answer is shown only when it rests on its sources.

The rule (one mechanism, no list of bad phrasings). A generated answer is grounded when,
in its safe text (`stream_safety.SafeStream` has already dropped every [n] that names no
listed source, so a literal "[n]" or "[9]" of 4 is no citation):

1. it cites at least one listed source, and
2. outside its citation marks it says something: at least MIN_WORDS distinct content
   words or numbers (`text.tokens`: stopwords out), not counting words about citing
   itself ("see", "source", "cites", "according"...).

"[1] [2][3]", "[1]", "See [1] and [2]." and "The guide recommends PyTorch and cites [n] as
a source." all fail; an empty answer fails too. An ungrounded answer is replaced by the
offline (extractive) answer to the same question over the same sources, after NOTICE.

Streaming. Both conditions only become true as text grows, never false again, so a stream
can decide early and never take back what it showed: `hold_until_grounded` holds the
model's deltas until the text so far is grounded, then releases it and passes the rest
through. If the model's answer ends ungrounded, none of it was shown; the stream goes on
with NOTICE, a blank line and the offline answer's deltas, and the final `Answer` has
`fallback="ungrounded"`. A client renders deltas as always and ends with exactly
`Answer.text`: there is no replacement event to handle. The cost is that nothing shows
until the model's first citation (usually its first sentence).

An answer cut off (deadline, length, a lost connection) before it was grounded is replaced
the same way, after CUT_NOTICE; one cut off later keeps what it said, marked incomplete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace

from advisor.records import Answer
from advisor.safety import CITATION
from advisor.text import tokens

log = logging.getLogger(__name__)

MIN_WORDS = 4
"""Distinct content words (outside citation marks) a grounded answer says at least."""
NOTICE = "The language model's answer did not cite its sources, so this is the offline answer."
"""The one plain line put before the offline answer that replaces an ungrounded one."""
CUT_NOTICE = (
    "The language model's answer was cut off before it cited its sources, "
    "so this is the offline answer."
)
"""The line instead when the model's answer was cut off (deadline, length) before that."""
_ABOUT_CITING = frozenset(
    tokens(
        "see source sources cite cites cited citing citation citations reference references "
        "referenced refer refers according per listed number numbers"
    )
)
"""Words a citation-only answer uses to talk about its marks: they say nothing themselves."""


def content_words(text: str) -> set[str]:
    """The distinct content words of a text, citation marks and words about citing left out."""
    return {word for word in tokens(CITATION.sub(" ", text)) if word not in _ABOUT_CITING}


def grounded(text: str) -> bool:
    """Whether safe answer text cites a listed source and says at least MIN_WORDS things."""
    return CITATION.search(text) is not None and len(content_words(text)) >= MIN_WORDS


class GroundingGate:
    """Holds a stream's safe deltas until the text so far is grounded, then lets all through.

    Work is linear: each delta is scanned once, up to its last whitespace (SafeStream
    releases whole citation marks and whole words, so none is split at that point).
    """

    def __init__(self) -> None:
        self.open = False
        self._held: list[str] = []
        self._pending = ""
        """Held text after the last whitespace: a word that may still grow."""
        self._words: set[str] = set()
        self._cited = False

    def push(self, delta: str) -> str:
        """Add a safe delta; return what may be shown now ("" while the text is ungrounded)."""
        if self.open:
            return delta
        self._held.append(delta)
        scan = self._pending + delta
        cut = max(scan.rfind(" "), scan.rfind("\n")) + 1
        self._note(scan[:cut])
        self._pending = scan[cut:]
        return self._release() if self._satisfied() else ""

    def flush(self) -> str:
        """The held text, released for good (the final answer was found grounded)."""
        return "" if self.open else self._release()

    def _note(self, text: str) -> None:
        if text:
            self._cited = self._cited or CITATION.search(text) is not None
            self._words |= content_words(text)

    def _satisfied(self) -> bool:
        return self.open or (self._cited and len(self._words) >= MIN_WORDS)

    def _release(self) -> str:
        self.open = True
        held, self._held = "".join(self._held), []
        return held


def hold_until_grounded(
    items: Iterator[str | Answer], offline: Callable[[Answer], Iterator[str | Answer]]
) -> Iterator[str | Answer]:
    """A model's answer stream, shown only once grounded; else NOTICE and `offline(answer)`.

    `items` are safe deltas then the final Answer (a refusal when the model said nothing);
    `offline` streams the offline answer to the same question, given the model's Answer.
    """
    gate = GroundingGate()
    for item in items:
        if isinstance(item, str):
            if shown := gate.push(item):
                yield shown
            continue
        if not item.refused and grounded(item.text):
            if rest := gate.flush():
                yield rest
            yield item
            return
        if gate.open:  # only if the final text is not what was streamed (SafeStream logs it)
            log.warning("a streamed answer turned out ungrounded; the offline answer follows")
        yield from _replacing(offline(item), item)
        return


def _replacing(offline: Iterator[str | Answer], model: Answer) -> Iterator[str | Answer]:
    """NOTICE, then the offline answer's deltas, then its Answer marked as standing in."""
    lead = f"{CUT_NOTICE if model.incomplete else NOTICE}\n\n"
    yield lead
    for item in offline:
        if isinstance(item, Answer):
            yield replace(item, text=lead + item.text, fallback="ungrounded", usage=model.usage)
        else:
            yield item
