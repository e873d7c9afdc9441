"""Citations as links: each [n] of an answer jumps to its source, which shows what was quoted.

Safety: the answer is sanitised Markdown (advisor/safety.py) before it gets here; this module
only turns a bare `[n]` into a link to a fixed in-page anchor (`#src-<turn id>-<n>`) built from
our own turn id and a number, and marks quoted sentences with a background colour directive
whose brackets are escaped. No model or document text ever becomes a link target or markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from advisor import Answer, CareerAdvisor, Source
from advisor.records import Chunk, parse_unit_id
from advisor.safety import safe_markdown
from advisor.text import sentences
from ui.landing import ENTRY_PREFIX

_BARE_CITATION = re.compile(r"(?<![\\!\w])\[(\d{1,3})\](?![(:])")
"""`[n]` not already part of a link, an image, a definition or an escape; "[2][3]" is two."""
_GROUP = re.compile(r"\\\[(\d{1,3}(?:[ \t]*+,[ \t]*+\d{1,3})++)\\\]")
"""A group "[1, 2]" as sanitised Markdown writes it, its brackets escaped (an answer kept from
before the advisor wrote groups as "[1][2]")."""
_STEP = re.compile(r"^(\d+)\.\s+(.*)$")
_MARK = ":orange-background[{}]"
_BARE_BRACKET = re.compile(r"\\[\s\S]|\\$|[\[\]]")
"""An escape pair (kept), a lone backslash at the end, or a bracket (both escaped)."""
_MIN_QUOTE = 20
"""Shorter sentences ("Yes.") are not marked as quoted: they match too easily."""


def anchor(turn_id: str, n: int) -> str:
    """The in-page id of source `n` of one answer."""
    return f"src-{re.sub(r'[^0-9a-zA-Z]', '', turn_id)}-{n}"


def link_citations(text: str, turn_id: str, n_sources: int) -> str:
    """Sanitised answer text with each bare [n] (1 <= n <= n_sources) linked to its source;
    "[2][3]" and "[1, 2]" link each number."""
    safe = safe_markdown(text)

    def link(n: int) -> str:
        if not 1 <= n <= n_sources:
            return f"\\[{n}\\]"
        return f"[\\[{n}\\]](#{anchor(turn_id, n)})"

    def one(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return link(n) if 1 <= n <= n_sources else match.group(0)

    def group(match: re.Match[str]) -> str:
        numbers = [int(n) for n in match.group(1).split(",")]
        if min(numbers) < 1:  # "[0, 1]" is an interval, not citations
            return match.group(0)
        return "".join(link(n) for n in numbers)

    return _GROUP.sub(group, _BARE_CITATION.sub(one, safe))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def quoted_sentences(passage: str, answer_text: str) -> list[str]:
    """The sentences of `passage` the answer repeats word for word (after normalising)."""
    said = f" {_plain(answer_text)} "
    found = []
    for sentence in sentences(passage):
        plain = _plain(sentence)
        if len(plain) >= _MIN_QUOTE and f" {plain} " in said:
            found.append(sentence)
    return found


def _escape(text: str) -> str:
    """Safe Markdown fit for a `:color[…]` directive: its bare brackets escaped, escapes kept."""
    return _BARE_BRACKET.sub(
        lambda m: m.group(0) if len(m.group(0)) == 2 else "\\" + m.group(0), text
    )


def highlight(passage: str, quoted: Sequence[str]) -> str:
    """Safe Markdown of the passage with the quoted sentences on a coloured background."""
    text = safe_markdown(passage)
    for sentence in sorted(set(quoted), key=len, reverse=True):
        clean = safe_markdown(sentence)
        if clean and "\n" not in clean and clean in text:
            text = text.replace(clean, _MARK.format(_escape(clean)), 1)
    return text


def where(source: Source) -> str:
    """Where a passage sits: "Step 3 · Learn Python › Libraries" for the guide, else its section."""
    parts = [p.strip() for p in source.section.split(">") if p.strip()]
    if source.kind == "guide" and parts and (step := _STEP.match(parts[0])):
        label = f"Step {step.group(1)} · {step.group(2)}"
        return " › ".join([label, *parts[1:]])
    return " › ".join(parts)


def _section_root(source: Source) -> str:
    """The section to read in full: a guide step as a whole, else the passage's own section."""
    parts = [p.strip() for p in source.section.split(">") if p.strip()]
    if source.kind == "guide" and parts and _STEP.match(parts[0]):
        return parts[0]
    return " > ".join(parts)


def section_chunks(chunks: Sequence[Chunk], source: Source) -> list[Chunk]:
    """The passages of `source`'s section (a whole card for a resource), in document order."""
    same_doc = [c for c in chunks if c.source == source.source]
    if source.kind == "guide":
        root = _section_root(source)
        same_doc = [c for c in same_doc if c.section == root or c.section.startswith(root + " > ")]
    return sorted(same_doc, key=lambda c: c.id)


def passage_id(source: Source) -> str:
    """The chunk id of a source (its passage when the id names a sentence inside it)."""
    parsed = parse_unit_id(source.id)
    return parsed[0] if parsed else source.id


@st.cache_data(ttl=600, show_spinner=False)
def _all_chunks(_advisor: CareerAdvisor, store_key: str, last_ingest: str | None) -> list[Chunk]:
    """Every passage of the index (cached per index state; chunks are small)."""
    return _advisor.store.all_chunks()


def read_section(advisor: CareerAdvisor, source: Source, n: int, answer_text: str) -> None:
    """The "Read this section" dialog: the whole section (a whole card for a resource), the
    cited passage marked. A card is titled by its own title, its sections as bold lines, so
    no heading inside reads larger than the source's title."""
    stats = advisor.stats()
    chunks = _all_chunks(advisor, str(advisor.settings.store_dir), stats.get("last_ingest"))
    if source.kind == "guide":
        title = _section_root(source).replace(" > ", " › ") or source.title
        step = _STEP.match(title)
        title = f"Step {step.group(1)} · {step.group(2)}" if step else title
        caption = source.title
    else:
        title, caption = source.title, "The whole resource card"

    def body() -> None:
        st.caption(safe_markdown(caption))
        cited = passage_id(source)
        found = section_chunks(chunks, source)
        if not found:
            st.info("This section is no longer in the index.", icon=":material/info:")
        section = None
        for chunk in found:
            if source.kind != "guide" and chunk.section and chunk.section != section:
                section = chunk.section
                st.markdown(f"**{safe_markdown(section.replace(' > ', ' › '))}**")
            if chunk.id == cited:
                with st.container(border=True):
                    st.caption(f"The passage cited as [{n}]")
                    st.markdown(highlight(chunk.text, quoted_sentences(chunk.text, answer_text)))
            else:
                st.markdown(safe_markdown(chunk.text))

    st.dialog(safe_markdown(title), width="large")(body)()


def source_entry(
    advisor: CareerAdvisor, turn_id: str, n: int, source: Source, answer: Answer
) -> None:
    """One numbered source: heading (the [n] target), where it sits, the quoted passage."""
    with st.container(key=f"{ENTRY_PREFIX}{anchor(turn_id, n)}"):  # what a citation lights up
        _source_entry(advisor, turn_id, n, source, answer)


def _source_entry(
    advisor: CareerAdvisor, turn_id: str, n: int, source: Source, answer: Answer
) -> None:
    title = f"[{source.title}]({source.url})" if source.url else source.title
    heading = safe_markdown(f"[{n}] {title}").replace("[" + str(n) + "]", f"\\[{n}\\]", 1)
    st.subheader(heading, anchor=anchor(turn_id, n))
    line = where(source)
    if not source.cited:
        line = f"{line} · _not cited_" if line else "_not cited_"
    if line:
        st.caption(safe_markdown(line))
    quoted = quoted_sentences(source.text, answer.text)
    st.markdown(_blockquote(highlight(preview(source.text, quoted), quoted)))
    if st.button(
        "Read this section", key=f"read_{turn_id}_{n}", icon=":material/article:", type="tertiary"
    ):
        read_section(advisor, source, n, answer.text)


PREVIEW_CHARS = 900
"""About how much of a passage a source shows before "Read this section"."""


def preview(text: str, quoted: Sequence[str], limit: int = PREVIEW_CHARS) -> str:
    """Safe Markdown of at most about `limit` characters of a passage, always including the
    first sentence the answer quoted (the window then starts at its paragraph, or at it)."""
    safe = safe_markdown(text).strip()  # sanitise before cutting: half a tag would slip through
    if len(safe) <= limit:
        return safe
    found = [(i, len(q)) for q in map(safe_markdown, quoted) if q and (i := safe.find(q)) >= 0]
    start = 0
    if found:
        at, length = min(found)
        if at + length > limit:  # the quote lies beyond the first `limit` characters
            paragraph = max(safe.rfind("\n", 0, at) + 1, 0)
            start = paragraph if at - paragraph < limit // 3 else safe.rfind(" ", 0, at) + 1
    window = safe[start : start + limit]
    if start + limit < len(safe):
        window = window.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + window.strip()


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())
