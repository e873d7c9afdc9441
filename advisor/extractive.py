"""The offline answerer: the most relevant sentences of the sources, each cited."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from advisor.injection import flagged
from advisor.records import Source
from advisor.text import headed_sentences, tokens

MAX_SENTENCES = 3
PER_SOURCE = 2
SIM_WEIGHT = 3.0
"""Weight of a sentence's precomputed cosine similarity to the question."""
RANK_WEIGHT = 0.6
"""Bonus for sentences of better-ranked sources (divided by the source's rank)."""


@dataclass(frozen=True)
class Draft:
    """An answer's text and whether it finished (streamed LLM answers can be cut off)."""

    text: str
    complete: bool = True


class ExtractiveAnswerer:
    """Builds an answer only from sentences of the retrieved sources; never writes its own."""

    name = "extractive"

    def __init__(self, idf: Callable[[str], float] | None = None) -> None:
        self._idf = idf or (lambda _token: 1.0)

    def set_idf(self, idf: Callable[[str], float]) -> None:
        """Use term weights from the keyword index (rare words count more)."""
        self._idf = idf

    def pick(self, question: str, sources: Sequence[Source]) -> list[tuple[str, int]]:
        """(sentence, source number) pairs, most relevant first.

        A passage flagged at ingest, and any sentence that trips an injection rule (in a
        store indexed before flagging existed too), is never quoted.
        """
        wanted = set(tokens(question))
        total = sum(self._idf(w) for w in wanted) or 1.0
        scored: list[tuple[float, int, int, str]] = []
        for n, source in enumerate(sources, start=1):
            if source.flagged:
                continue
            outer = f"{source.title} {source.section}"
            similarity = dict(source.matches)
            for position, (inner, sentence) in enumerate(headed_sentences(source.text)):
                context = set(tokens(f"{outer} {inner}"))
                words = set(tokens(sentence))
                if len(words) < 3:
                    continue
                hit = sum(self._idf(w) for w in wanted & words) / total
                framed = 0.5 * sum(self._idf(w) for w in (wanted & context) - words) / total
                sim = similarity.get(sentence, 0.0)
                if hit + framed + sim <= 0:
                    continue
                score = SIM_WEIGHT * sim + hit + framed + RANK_WEIGHT / n - 0.01 * position
                scored.append((score, n, position, sentence))
        scored.sort(key=lambda row: (-row[0], row[1], row[2]))
        chosen: list[tuple[str, int]] = []
        per_source: dict[int, int] = {}
        for score, n, _, sentence in scored:
            if score <= 0 or per_source.get(n, 0) >= PER_SOURCE:
                continue
            if any(sentence == s for s, _ in chosen) or flagged(sentence):
                continue
            chosen.append((sentence, n))
            per_source[n] = per_source.get(n, 0) + 1
            if len(chosen) == MAX_SENTENCES:
                break
        return chosen

    def stream(
        self,
        question: str,
        sources: Sequence[Source],
        history: Sequence[tuple[str, str]] = (),
        deadline: object = None,
    ) -> Iterator[str]:
        """Yield the answer sentence by sentence (local and quick: no deadline applies)."""
        for i, (sentence, n) in enumerate(self.pick(question, sources)):
            yield f"{'' if i == 0 else ' '}{sentence} [{n}]"

    def answer(
        self, question: str, sources: Sequence[Source], history: Sequence[tuple[str, str]] = ()
    ) -> Draft:
        """The whole answer at once."""
        return Draft("".join(self.stream(question, sources, history)))
