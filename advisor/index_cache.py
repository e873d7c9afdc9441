"""What the advisor derives from the keyword index (outline, names, lexicon), cached per ingest."""

from __future__ import annotations

from collections.abc import Callable

from advisor.conversation import Vocabulary
from advisor.conversation.focus import card_titles
from advisor.conversation.lexicon import Lexicon, lexicon_of
from advisor.planning.outline import Outline
from advisor.retrieval import Retriever
from advisor.settings import Settings


class IndexCache:
    """The outline, vocabulary and lexicon of the index, rebuilt when an ingest changes it."""

    def __init__(
        self, settings: Settings, retriever: Retriever, ensure_index: Callable[[], None]
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.ensure_index = ensure_index
        self._outline: tuple[object, Outline] | None = None
        self._vocabulary: tuple[object, Vocabulary, dict[str, str]] | None = None
        self._lexicon: tuple[object, Lexicon] | None = None

    def outline(self) -> Outline:
        """The guide's steps and the resource cards per step, as stored (cached per ingest)."""
        self.ensure_index()
        index = self.retriever.keyword_index()  # rebuilt when an ingest changes the store
        cached = self._outline
        if cached is None or cached[0] is not index:
            cached = (index, Outline.from_chunks(index.chunks))
            self._outline = cached
        return cached[1]

    def lexicon(self) -> Lexicon:
        """The corpus's words (what a message may name that the sources never mention)."""
        index = self.retriever.keyword_index()
        cached = self._lexicon
        if cached is None or cached[0] is not index:
            cached = (index, lexicon_of(index))
            self._lexicon = cached
        return cached[1]

    def names(self) -> tuple[object, Vocabulary, dict[str, str]]:
        """(the keyword index they come from, the vocabulary, card titles by short name)."""
        self.ensure_index()
        index = self.retriever.keyword_index()
        cached = self._vocabulary
        if cached is None or cached[0] is not index:
            titles = {c.title for c in index.chunks if c.kind != "guide" and c.title}
            cached = (index, Vocabulary.from_titles(titles), card_titles(titles))
            self._vocabulary = cached
        return cached
