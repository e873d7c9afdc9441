"""CPU time of every public text function on adversarial input, and how it grows.

    .venv/bin/python bench/text_speed.py            # the table: worst input per function
    .venv/bin/python bench/text_speed.py --all      # every (function, input) pair

Each function that reads a question or a document (reading the ask, the profile and
programming experience, resolving a follow-up, tidying it, classifying a turn, finding
names and qualifiers, tokens and sentences, the number check, injection scanning,
chunking) runs on inputs built to make a backtracking regex explode: long runs of
spaces, digits, letters, brackets, "vs vs vs", newlines, tabs, hashes and mixtures,
behind prefixes that reach each pattern ("pytorch", "I have ", "what is ", "# ").
Questions are 2,000 characters (the question limit), documents 20,000.

Times are the CPU time of the calling thread (`time.thread_time`), the least of a few
runs, so other processes on a loaded machine barely move them. Linear growth shows as
a ratio of about 2 between the full length and half of it; quadratic would be 4, cubic 8.
A normal question of the same length is the baseline, measured in the same process.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `advisor` importable
    sys.path.insert(0, str(ROOT))

from advisor.conversation.asks import read_ask  # noqa: E402
from advisor.conversation.layout import bare, parts_of, sentences_of  # noqa: E402
from advisor.conversation.notes import career_move, qualifiers, uncovered  # noqa: E402
from advisor.conversation.phrasing import tidy  # noqa: E402
from advisor.conversation.rewrite import replay, resolve  # noqa: E402
from advisor.conversation.state import ConversationState  # noqa: E402
from advisor.conversation.structure import units  # noqa: E402
from advisor.conversation.turns import classify  # noqa: E402
from advisor.conversation.vocabulary import Vocabulary, title_parts, topics_of  # noqa: E402
from advisor.injection import scan  # noqa: E402
from advisor.numbers import check_by_paragraph, check_numbers  # noqa: E402
from advisor.planning.chat_reply import asks_something  # noqa: E402
from advisor.planning.profile import read_profile  # noqa: E402
from advisor.planning.programming import read_programming  # noqa: E402
from advisor.records import Source  # noqa: E402
from advisor.safety import safe_markdown  # noqa: E402
from advisor.text import headed_sentences, tokens  # noqa: E402
from ingest.chunking import chunk_document  # noqa: E402

QUESTION_CHARS = 2_000
DOCUMENT_CHARS = 20_000
NORMAL_QUESTION = (
    "I'm a Java developer with some Python and no maths, about 10 hours a week. "
    "Should I learn PyTorch or TensorFlow first, and is the Coursera course free? "
)
NORMAL_DOCUMENT = (
    "# Deep learning\n\n## PyTorch\n\nPyTorch is a framework for neural networks. "
    "Most people take 6-12 months to get there, at $120,000 a year [1].\n\n"
    "- Learn tensors first.\n- Then autograd.\n\n"
)
PUMPS = (
    " ", "1", "a", "ab ", "[", "(", "[(", "vs ", "or ", "\n", " \t", "#", "1.", "1-", "a.",
    "?", ", ", "- ", "* ", "then ", "<a", "<!--", "$1,", "`", "é ", "who is ",
    "difference between ",
)  # fmt: skip
"""What repeats: each defeats some pattern that lets two quantifiers share characters."""
QUESTION_HEADS = (
    "", "pytorch", "I have ", "what is ab ", "# ", "and ", "is it ", "x vs ", "I'm ", "1 ",
)  # fmt: skip
"""What comes first: the words that take each pattern to its repeated part."""
DOCUMENT_HEADS = ("", "# ", "## a ", "- ", "1. ", "<a ", "Ignore ", "[1] ")
TITLES = (
    "PyTorch",
    "TensorFlow / Keras",
    "MLflow",
    "DVC (Data Version Control)",
    "3Blue1Brown – Essence of Linear Algebra",
    "Machine Learning Specialization (Coursera)",
)


@dataclass(frozen=True)
class Case:
    """One text function and the inputs it is timed on."""

    name: str
    run: Callable[[str], object]
    heads: tuple[str, ...]
    length: int
    normal: str


def adversarial(
    heads: tuple[str, ...], length: int, pumps: tuple[str, ...] = PUMPS
) -> list[tuple[str, str]]:
    """(label, text) pairs of exactly `length` characters: a head, a pump, an ending."""
    found = []
    for head, pump in itertools.product(heads, pumps):
        for tail in ("x", "?", "x\ny\n"):
            body = length - len(head) - len(tail)
            text = head + (pump * (body // len(pump) + 1))[:body] + tail
            found.append((f"{head!r}+{pump!r}*n+{tail!r}", text))
    mixed = "".join(PUMPS) + "pytorch vs 10 hours a week ## then "
    found.append(("mixed", (mixed * (length // len(mixed) + 1))[:length]))
    return found


def cases(document_chars: int = DOCUMENT_CHARS) -> list[Case]:
    """Every timed function, with what it needs bound (vocabulary, history, sources)."""
    vocabulary = Vocabulary.from_titles(TITLES)
    history = [("user", "What is PyTorch?"), ("assistant", "PyTorch is a framework [1].")]
    statement = [("user", "I'm a Java developer."), ("assistant", "Noted.")]
    state = replay(history, vocabulary)
    told = replay(statement + history, vocabulary)
    source = Source(
        id="s1", text=NORMAL_DOCUMENT, title="PyTorch", section="Deep learning", source="g.md"
    )

    def chunk(text: str) -> object:
        return chunk_document(
            text=text, doc_key="d", digest="0" * 64, source="d.md", title="d", root="r",
            chunk_size=1500, chunk_overlap=150,
        )  # fmt: skip

    fresh = itertools.count()

    def document(text: str) -> Source:
        """A passage with a new id each time: `units` remembers the ones it has seen."""
        return Source(id=f"s{next(fresh)}", text=text, title="Doc", section="", source="d.md")

    def previous_answer(text: str) -> object:
        """What composing reads of the last answer in the history (the client sends it)."""
        return bare(text), sentences_of(text), parts_of(text)

    q, d = (QUESTION_HEADS, QUESTION_CHARS, NORMAL_QUESTION), (DOCUMENT_HEADS, document_chars)
    doc = (*d, NORMAL_DOCUMENT)
    return [
        Case("read_ask", read_ask, *q),
        Case("read_profile", read_profile, *q),
        Case("read_programming", read_programming, *q),
        Case("asks_something", asks_something, *q),
        Case("resolve", lambda t: resolve(t, state, vocabulary), *q),
        Case("resolve (after a statement)", lambda t: resolve(t, told, vocabulary), *q),
        Case("resolve (first turn)", lambda t: resolve(t, ConversationState(), vocabulary), *q),
        Case("tidy", tidy, *q),
        Case("classify", lambda t: classify(t, state, vocabulary), *q),
        Case("vocabulary.find", vocabulary.find, *q),
        Case("topics_of", topics_of, *q),
        Case("qualifiers", qualifiers, *q),
        Case("career_move", career_move, *q),
        Case("uncovered", lambda t: uncovered(t, [NORMAL_DOCUMENT], TITLES), *q),
        Case("title_parts", title_parts, *q),
        Case("tokens", tokens, *q),
        Case("injection.scan (question)", scan, *q),
        Case("check_numbers", lambda t: check_numbers(t, [source]), *q),
        Case("check_by_paragraph", lambda t: check_by_paragraph(t, [source], False), *q),
        Case("headed_sentences", headed_sentences, *doc),
        Case("injection.scan", scan, *doc),
        Case("structure.units", lambda t: units(document(t), 1), *doc),
        Case("check_numbers (answer)", lambda t: check_numbers(t, [source]), *doc),
        Case("chunk_document", chunk, *doc),
        Case("previous answer (bare, sentences_of, parts_of)", previous_answer, *doc),
        Case("safe_markdown (question)", safe_markdown, *q),
        Case("safe_markdown", safe_markdown, *doc),
    ]


def cpu_seconds(run: Callable[[str], object], text: str, repeat: int = 3) -> float:
    """The least CPU time of this thread over `repeat` runs of `run(text)` (the cyclic garbage
    collector paused, so a collection another test's objects trigger is not counted)."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.thread_time()
            run(text)
            best = min(best, time.thread_time() - start)
    finally:
        if enabled:
            gc.enable()
    return best


@dataclass(frozen=True)
class Timing:
    """The slowest adversarial input of one function, against a normal input."""

    name: str
    label: str
    seconds: float
    half_seconds: float
    normal_seconds: float
    length: int
    quarter_seconds: float = float("inf")

    @property
    def growth(self) -> float:
        """Time at the full length over time at half of it (2 linear, 4 quadratic, 8 cubic)."""
        return self.seconds / max(self.half_seconds, 1e-6)

    @property
    def growth4(self) -> float:
        """Time at the full length over time at a quarter (4 linear, 16 quadratic, 64 cubic)."""
        return self.seconds / max(self.quarter_seconds, 1e-6)


def measure(
    case: Case, repeat: int = 2, heads: int | None = None, pumps: tuple[str, ...] = PUMPS
) -> tuple[Timing, list[tuple[str, float]]]:
    """The worst input for one function (timed again, and at half length), and every input's
    time; `heads` keeps only the first few heads, `pumps` picks what repeats."""
    chosen = case.heads[:heads]
    normal = (case.normal * (case.length // len(case.normal) + 1))[: case.length]
    normal_seconds = cpu_seconds(case.run, normal, repeat + 1)
    inputs = adversarial(chosen, case.length, pumps)
    times = [(label, cpu_seconds(case.run, text, repeat)) for label, text in inputs]
    label, _ = max(times, key=lambda t: t[1])
    full = dict(inputs)[label]
    half = dict(adversarial(chosen, case.length // 2, pumps))[label]
    quarter = dict(adversarial(chosen, case.length // 4, pumps))[label]
    seconds = half_seconds = quarter_seconds = float("inf")
    for _ in range(3):  # alternate, so a slow spell of the machine hits every length
        seconds = min(seconds, cpu_seconds(case.run, full, repeat))
        half_seconds = min(half_seconds, cpu_seconds(case.run, half, repeat))
        quarter_seconds = min(quarter_seconds, cpu_seconds(case.run, quarter, repeat))
    timing = Timing(
        case.name, label, seconds, half_seconds, normal_seconds, case.length, quarter_seconds
    )
    return timing, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="print every input's time")
    parser.add_argument("--only", default="", help="functions whose name contains this")
    args = parser.parse_args()
    print(f"{'function':30} {'chars':>6} {'worst ms':>9} {'normal ms':>9} {'growth':>6}  input")
    for case in cases():
        if args.only not in case.name:
            continue
        timing, times = measure(case)
        print(
            f"{timing.name:30} {timing.length:6d} {timing.seconds * 1000:9.2f} "
            f"{timing.normal_seconds * 1000:9.2f} {timing.growth:6.2f}  {timing.label}",
            flush=True,
        )
        if args.all:
            for label, seconds in sorted(times, key=lambda t: -t[1]):
                print(f"    {seconds * 1000:9.2f} ms  {label}")


if __name__ == "__main__":
    main()
