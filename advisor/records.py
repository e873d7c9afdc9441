"""Typed records passed between layers: chunks in the store, sources in answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from advisor.secrets import public_url

BUNDLED_ROOT = "bundled"
"""The `root` of every chunk from the corpus shipped with the package (ingest.discovery's too)."""


def unit_id(parent: str, n: int) -> str:
    """The id of a passage's n-th sentence unit (its n-th sentence in `text.sentences` order)."""
    return f"{parent}-s{n:03d}"


def parse_unit_id(uid: str) -> tuple[str, int] | None:
    """(passage id, sentence number) of a sentence unit's id; None for any other id."""
    parent, sep, n = uid.rpartition("-s")
    return (parent, int(n)) if sep and n.isdigit() else None


@dataclass(frozen=True, kw_only=True)
class Chunk:
    """One piece of a document as stored in Chroma."""

    id: str
    text: str
    source: str
    """Path relative to its ingest root, or the URL it was fetched from."""
    title: str
    section: str
    """Heading path inside the document, e.g. "5. Deep Learning and Neural Networks"."""
    doc_key: str
    """Root-qualified document identity used for replacement and deletion."""
    doc_hash: str
    """Hash of the document content and the chunking parameters."""
    doc_chunks: int
    """How many records (chunks and sentence units) the document produced."""
    url: str = ""
    kind: str = ""
    root: str = ""
    unit: str = "chunk"
    """"chunk" (a passage shown to users) or "sentence" (a retrieval unit inside one)."""
    parent: str = ""
    """For a sentence unit: the id of its chunk."""
    step: int = 0
    """The guide step (1-7) a resource card serves (front matter `guide_step`), else 0."""
    cost: str = ""
    """A resource's cost as its card states it ("free", "paid", ...), else empty."""
    level: str = ""
    """A resource's level as its card states it ("beginner", ...), else empty."""
    flagged: str = ""
    """Injection rules (advisor/injection.py) the passage trips, comma-joined; empty when clean."""

    @property
    def trusted(self) -> bool:
        """Whether the chunk comes from the bundled corpus (anything else a user added)."""
        return self.root == BUNDLED_ROOT

    @property
    def origin(self) -> str:
        """Where a user-added document came from (its URL or file path); "" when bundled."""
        if self.trusted:
            return ""
        if self.root.startswith(("http://", "https://")):
            return self.root
        return f"{self.root.rstrip('/')}/{self.source}" if self.root else self.source

    def index_text(self) -> str:
        """What is embedded and keyword-indexed: the text under its heading path.

        Short titles (a resource's name) are prefixed too; a long document title
        would only dilute every passage of that document.
        """
        parts = [self.title] if self.title and len(self.title) <= 40 else []
        if self.section:
            parts.append(self.section)
        head = " — ".join(parts)
        if not head:
            return self.text
        return f"{head}: {self.text}" if self.unit == "sentence" else f"{head}\n{self.text}"

    @classmethod
    def from_stored(cls, cid: str, text: str | None, meta: Any) -> Chunk:
        """A chunk rebuilt from a Chroma id, document and metadata (the inverse of `metadata`)."""
        m = dict(meta or {})
        return cls(
            id=cid,
            text=text or "",
            source=str(m.get("source", "")),
            title=str(m.get("title", "")),
            section=str(m.get("section", "")),
            doc_key=str(m.get("doc_key", "")),
            doc_hash=str(m.get("doc_hash", "")),
            doc_chunks=int(m.get("doc_chunks", 0)),
            url=str(m.get("url", "")),
            kind=str(m.get("kind", "")),
            root=str(m.get("root", "")),
            unit=str(m.get("unit", "chunk")),
            parent=str(m.get("parent", "")),
            step=int(m.get("step", 0) or 0),
            cost=str(m.get("cost", "")),
            level=str(m.get("level", "")),
            flagged=str(m.get("flagged", "")),
        )

    def as_source(self, score: float, matches: tuple[tuple[str, float], ...] = ()) -> Source:
        """This passage as a citable source."""
        return Source(
            id=self.id,
            text=self.text,
            title=self.title,
            section=self.section,
            source=public_url(self.source),  # an index built before URLs lost their credentials
            url=public_url(self.url),
            score=score,
            kind=self.kind,
            matches=matches,
            origin=public_url(self.origin),
            trusted=self.trusted,
            flagged=self.flagged,
            step=self.step,
            cost=self.cost,
            level=self.level,
            root=public_url(self.root),
            doc_key=public_url(self.doc_key),
        )

    @property
    def top_section(self) -> str:
        """The first heading of the section path (a filterable field)."""
        return self.section.split(" > ")[0]

    def metadata(self) -> dict[str, str | int]:
        """Chroma metadata (scalars only)."""
        data: dict[str, str | int] = asdict(self)
        del data["id"], data["text"]
        data["top_section"] = self.top_section
        return data


@dataclass(frozen=True, kw_only=True)
class Source:
    """A retrieved passage shown to the user and cited as [n]."""

    id: str
    text: str
    title: str
    section: str
    source: str
    url: str = ""
    score: float = 0.0
    kind: str = ""
    cited: bool = True
    step: int = 0
    """A resource card's guide step (front matter `guide_step`), else 0."""
    cost: str = ""
    """A resource card's cost as stated ("free", "paid", ...), else empty."""
    level: str = ""
    """A resource card's level as stated ("beginner", ...), else empty."""
    matches: tuple[tuple[str, float], ...] = field(default=(), compare=False, repr=False)
    """Sentences of this passage that matched the question densely, with cosine similarity."""
    origin: str = ""
    """Where a user-added document came from (file path or URL); "" for the bundled corpus."""
    trusted: bool = True
    """True for the bundled corpus; False for documents a user ingested."""
    flagged: str = ""
    """Injection rules the passage trips (never quoted, marked untrusted to an LLM), else ""."""
    root: str = ""
    """Where its document was ingested from ("bundled" for the shipped corpus)."""
    doc_key: str = ""
    """Its document's identity in the store."""

    @property
    def top_section(self) -> str:
        """The first heading of the section path (a filterable field)."""
        return self.section.split(" > ")[0]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape used by the CLI and the API."""
        return {
            "id": self.id,
            "text": self.text,
            "title": self.title,
            "section": self.section,
            "source": self.source,
            "url": self.url,
            "score": round(self.score, 4),
            "cited": self.cited,
            "origin": self.origin,
            "trusted": self.trusted,
            "flagged": self.flagged,
        }


@dataclass(frozen=True)
class Usage:
    """Tokens a language model spent on one answer (prompt and completion), as the server
    reported them or, when it reported none, `estimated` by counting the text sent and received."""

    prompt_tokens: int
    completion_tokens: int
    estimated: bool = False

    def __add__(self, other: Usage) -> Usage:
        """Both calls' tokens (an estimate if either is one)."""
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.estimated or other.estimated,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape, with the total."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "estimated": self.estimated,
        }


Fallback = Literal["", "ungrounded", "error"]
"""Why an offline answer stands in for the model's (`Answer.fallback`)."""


@dataclass(frozen=True, kw_only=True)
class Answer:
    """What the advisor says, with the sources it rests on."""

    text: str
    sources: list[Source] = field(default_factory=list)
    backend: str = "extractive"
    refused: bool = False
    question: str = ""
    """The standalone question used for retrieval (after condensing a follow-up)."""
    incomplete: bool = False
    """True when a streamed LLM answer was cut off before it finished."""
    unsupported_numbers: tuple[str, ...] = ()
    """Numbers in the text that no cited source contains (flagged "not in the sources")."""
    warning: str = ""
    """A note about the index the answer came from (e.g. an ingest that did not finish)."""
    usage: Usage | None = None
    """Tokens the language model reported for this answer; None offline or when it reports none."""
    fallback: Fallback = ""
    """Why this is the offline answer standing in for the model's: "" (it is not),
    "ungrounded" (the model's answer cited none of its sources, or little more than citation
    marks: advisor/grounding.py), "error" (the model failed; the CLI and the app answer offline)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `advisor ask --json` and `POST /v1/ask`."""
        return {
            "answer": self.text,
            "sources": [s.to_dict() for s in self.sources],
            "backend": self.backend,
            "refused": self.refused,
            "question": self.question,
            "incomplete": self.incomplete,
            "unsupported_numbers": list(self.unsupported_numbers),
            "warning": self.warning,
            "fallback": self.fallback,
            "usage": self.usage.to_dict() if self.usage is not None else None,
        }
