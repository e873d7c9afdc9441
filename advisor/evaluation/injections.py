"""Measure injection detection: held-out injections caught, bundled passages wrongly flagged.

The set (`injections.json`, package data) has injections in eight languages and fourteen
disguises, split into `tuning` (what the detector was tuned on) and `held_out` (written
before the detector, never tuned on), each with benign passages beside it. The
false-positive set is the bundled corpus, chunked as the store chunks it, per passage.

Run: `python -m advisor.evaluation.injections [--split held_out|tuning] [--semantic]`. The
English rule
list alone (the detector before issue 25) runs beside it in the same process as a baseline.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

from advisor import injection
from advisor.settings import Settings


@dataclass(frozen=True)
class Item:
    """One passage of the set."""

    id: str
    language: str
    disguise: str
    text: str


@dataclass(frozen=True)
class Rates:
    """What one detector did on one split."""

    name: str
    caught: int
    injections: int
    false_benign: int
    benign: int
    false_corpus: int
    corpus: int
    missed: tuple[str, ...]
    by_language: dict[str, tuple[int, int]]
    by_disguise: dict[str, tuple[int, int]]
    ms_per_passage: float

    @property
    def detection(self) -> float:
        """Share of the split's injections flagged."""
        return self.caught / max(1, self.injections)

    @property
    def false_positive(self) -> float:
        """Share of the bundled corpus's passages flagged."""
        return self.false_corpus / max(1, self.corpus)


def load_items(split: str) -> tuple[list[Item], list[Item]]:
    """(injections, benign passages) of a split: "held_out" or "tuning"."""
    raw = resources.files("advisor.evaluation").joinpath("injections.json").read_text("utf-8")
    data = json.loads(raw)
    return _items(data[split]), _items(data[f"{split}_benign"])


def _items(rows: list[dict[str, str]]) -> list[Item]:
    return [Item(r["id"], r["language"], r["disguise"], r["text"]) for r in rows]


def corpus_passages(settings: Settings | None = None) -> list[str]:
    """The bundled corpus's passages, chunked as ingest chunks them for the store."""
    from ingest.discovery import collect
    from ingest.parsing import Recipe, parse_document

    settings = settings or Settings.from_env(env={})
    docs, _ = collect([], settings, [])
    recipe = Recipe.from_settings(settings)
    return [c.text for d in docs for c in parse_document(d, recipe) if c.unit == "chunk"]


def english_rules_only(text: str) -> bool:
    """The detector before issue 25: the English rule list on the plain text, hidden text."""
    return bool(injection.english_rule_matches(text))


def measure(
    name: str,
    detect: Callable[[str], bool],
    items: Sequence[Item],
    benign: Sequence[Item],
    corpus: Sequence[str],
) -> Rates:
    """Run `detect` over a split and the corpus."""
    started = time.perf_counter()
    hit = {item.id: detect(item.text) for item in items}
    false_benign = sum(detect(item.text) for item in benign)
    false_corpus = sum(detect(text) for text in corpus)
    elapsed = time.perf_counter() - started
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_disguise: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        for table, key in ((by_language, item.language), (by_disguise, item.disguise)):
            table[key][0] += hit[item.id]
            table[key][1] += 1
    return Rates(
        name,
        sum(hit.values()),
        len(items),
        false_benign,
        len(benign),
        false_corpus,
        len(corpus),
        tuple(i.id for i in items if not hit[i.id]),
        {k: (v[0], v[1]) for k, v in sorted(by_language.items())},
        {k: (v[0], v[1]) for k, v in sorted(by_disguise.items())},
        1000 * elapsed / max(1, len(items) + len(benign) + len(corpus)),
    )


def format_rates(split: str, rates: Sequence[Rates]) -> str:
    """A plain-text report, one block per detector."""
    out = []
    for r in rates:
        out += [
            f"{r.name} on {split}: detection {r.caught}/{r.injections} = {r.detection:.1%}; "
            f"false positives: bundled corpus {r.false_corpus}/{r.corpus} passages = "
            f"{r.false_positive:.1%}, benign {r.false_benign}/{r.benign}; "
            f"{r.ms_per_passage:.2f} ms per passage",
            "  by language: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in r.by_language.items()),
            "  by disguise: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in r.by_disguise.items()),
            "  missed: " + (", ".join(r.missed) or "none"),
        ]
    return "\n".join(out)


def evaluate(split: str = "held_out", semantic: bool = False) -> list[Rates]:
    """The detector and the English-rules baseline on one split and the bundled corpus; with
    `semantic`, also the detector as ingest runs it (MiniLM confirming weak windows)."""
    items, benign = load_items(split)
    corpus = corpus_passages()
    rates = [
        measure("detector", injection.flagged, items, benign, corpus),
        measure("english rules only (before)", english_rules_only, items, benign, corpus),
    ]
    if semantic:
        from advisor.embeddings import get_embeddings
        from advisor.screening.semantic import SemanticCheck

        settings = Settings.from_env(env={})
        check = SemanticCheck(lambda: get_embeddings(settings))
        check.similarity(["warm the model up"])  # its load is not a passage's cost

        def ingest_detector(text: str) -> bool:
            return bool(injection.scan(text, check))

        rates.insert(
            1, measure("detector + MiniLM (ingest)", ingest_detector, items, benign, corpus)
        )
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    """Print the rates for a split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="held_out", choices=("held_out", "tuning"))
    parser.add_argument("--semantic", action="store_true", help="also with MiniLM, as ingest")
    args = parser.parse_args(argv)
    print(format_rates(args.split, evaluate(args.split, args.semantic)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
