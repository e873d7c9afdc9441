"""Scale benchmark: hybrid retrieval over a synthetic corpus of 10,000 and 100,000 chunks.

    .venv/bin/python bench/scale.py                     # 10k and 100k chunks, 200 queries
    .venv/bin/python bench/scale.py --quick             # 2k chunks, 50 queries (about a minute)
    .venv/bin/python bench/scale.py --sizes 10000 --units both --json
    .venv/bin/python bench/scale.py --keep /tmp/scale   # keep the stores; a rerun reuses them
    .venv/bin/python bench/scale.py --compare-bm25s     # also build BM25 the old way (bm25s)

A full run takes about 30 minutes on a shared 2-CPU machine, 25 of them in Chroma's own
upsert writing the 370k records of the 100k-chunk store (it slows as the HNSW graph
grows: ~700 records/s at 10k chunks, ~250/s towards 100k); with `--keep` a rerun takes
about 2 minutes, and `--units off` writes 100k records instead of 370k.

This file is the command line and the driver; the parts live beside it:
bench/scale_corpus.py (material, generator, queries), bench/scale_vectors.py (real
vectors, calibration and checks of the scheme), bench/scale_measure.py (build a store,
serve and time it) and bench/scale_report.py (summary and table).

Corpus. Deterministic (seeded) recombination of the bundled corpus: each synthetic
document takes a real title and kind, each chunk a real section heading and as many
real sentences as a real chunk holds (drawn from the bundled corpus's distribution,
about 2.7), and 15% of the words after the first are replaced by pseudo-words drawn
from a Zipf-distributed vocabulary of 60,000, so every text differs, and the
vocabulary and posting lists grow with the corpus as real text does. Sentence units
are included by default (what `advisor ingest` writes, one record per sentence, about
3.7 records per chunk: 100k chunks are about 370k Chroma records); `--units off`
measures chunks only, `--units both` measures both.

Vectors. Embedding 370k records with MiniLM on 2 CPUs would take hours (the script
measures and prints the real rate), so only the bundled corpus's distinct sentences,
its headings and the queries are embedded with the real model; the rest are built
from those real vectors:
  sentence = normalise(real sentence vector + r * u), u a unit direction orthogonal
             to it (1/4 another real sentence vector, 3/4 Gaussian noise), r set so
             the drift matches what the real model does to a sentence when 15% of its
             words are substituted (measured on a calibration sample);
  unit     = normalise(sentence + 0.5 * real heading vector)  (index text is "head: s");
  chunk    = normalise(mean of its sentences + 0.5 * real heading vector).
The vectors therefore stay on the real model's (anisotropic, topic-clustered)
distribution rather than being uniform noise, which would make HNSW look unrealistically
easy or hard. The script checks the scheme on 48 synthetic chunks embedded for real:
mean pairwise similarity and mean best-query similarity, real vs scheme (what HNSW and
the fusion see; they agree within ~0.05), and the cosine between a text's scheme vector
and its real embedding (~0.58: the real drift direction of a substitution is unknown).
Real vectors are cached in the temp dir, keyed by the texts and the model.

Measured per size, in a fresh process that opens the built store (so resident memory
is what a serving process holds): Chroma write time (through `Store.upsert`, sentence
units included); keyword index build (fetching every chunk from Chroma, then
`KeywordIndex`); resident memory after the build, after the queries, after 20 more
queries with a metadata filter (kind != guide: the retriever filters 4x as many unfiltered
Chroma neighbours in memory; Chroma's own pre-filter, which it falls back to for a rare
filter value, took 1.5 s a query and 370 MB more at 370k records) and at peak;
retrieval latency p50/p95 over the queries with the query vector precomputed
(`Retriever.retrieve_vector`), broken down into dense (Chroma query and mapping units to
passages), BM25 (scores and top candidates) and fusion (fuse, prior, dedup); and a
baseline run in the same process, a dense-only top-k query straight to Chroma.
Timings are noisy on a shared 2-CPU machine; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path, where a script named
# after a package (bench/ingest.py once) would shadow it: use the checkout instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from advisor.settings import Settings  # noqa: E402
from bench.scale_corpus import (  # noqa: E402
    HEADING_WEIGHT,
    OTHER_SHARE,
    SUBSTITUTION_RATE,
    VOCABULARY,
    Generator,
    Material,
    load_material,
    make_queries,
)
from bench.scale_measure import build_store, serve  # noqa: E402
from bench.scale_report import summary, table  # noqa: E402
from bench.scale_vectors import (  # noqa: E402
    CALIBRATION,
    RealVectors,
    calibrate,
    real_vectors,
    validate,
    validation_sample,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--units", choices=("on", "off", "both"), default="on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2k chunks, 50 queries")
    parser.add_argument("--keep", type=Path, help="build stores here and reuse them next time")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--compare-bm25s",
        action="store_true",
        help="also build the keyword index the old way (bm25s) and compare time and scores",
    )
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--query-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        print(json.dumps(serve(args.serve, args.query_file, args.compare_bm25s)))
        return 0
    if args.quick:
        args.sizes, args.queries = [2_000], 50
    report = run(args.sizes, args.queries, args.units, args.seed, args.keep, args.compare_bm25s)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(summary(report))
        print(table(report["rows"]))
        for row in report["rows"]:
            if "bm25s_build_s" in row:
                print(
                    f"{row['size']} chunks: keyword index build {row['bm25_build_s']:.1f} s; "
                    f"built with bm25s as before: {row['bm25s_build_s']:.1f} s, RSS "
                    f"+{row['bm25s_rss_growth_mb']:.0f} MB; identical scores for "
                    f"{row['bm25s_same_scores']} of {row['queries']} queries"
                )
    return 0


def run(
    sizes: Sequence[int] = (10_000, 100_000),
    queries: int = 200,
    units: str = "on",
    seed: int = 0,
    keep: Path | None = None,
    compare_bm25s: bool = False,
) -> dict[str, Any]:
    """Build (or reuse, with `keep`) a store per size and units setting, measure each from a
    fresh process; the JSON-ready report."""
    from advisor.embeddings import get_embeddings

    args = argparse.Namespace(seed=seed, keep=keep, compare_bm25s=compare_bm25s)
    settings = Settings.from_env()
    material = load_material(settings)
    generator = Generator(material, None, seed + 1)
    picks, calibration = generator.calibration_sample(CALIBRATION)
    sample, recipes = validation_sample(generator)
    questions = make_queries(generator, queries)
    real = real_vectors(get_embeddings(settings), material, questions, calibration, sample)
    generator.real = real
    scheme = calibrate(generator, picks, real) | validate(generator, sample, recipes)
    report: dict[str, Any] = {
        "material": {
            "sentences": len(material.sentences),
            "headings": len(material.headings),
            "units_per_chunk": round(float(np.mean(material.units_per_chunk)), 2),
        },
        "real_embedding_texts_per_s": round(real.texts_per_second, 1),
        "vector_scheme": scheme,
        "queries": len(questions),
        "rows": [],
    }
    print(
        f"real MiniLM rate: {real.texts_per_second:.1f} chunks/s; scheme check: {scheme}",
        file=sys.stderr,
    )
    work = Path(tempfile.mkdtemp(prefix="advisor-scale-"))
    try:
        query_file = work / "queries.json"
        query_file.write_text(
            json.dumps({"questions": questions, "vectors": real.queries.tolist()}),
            encoding="utf-8",
        )
        modes = {"on": [True], "off": [False], "both": [True, False]}[units]
        for with_units in modes:
            for size in sizes:
                row = _measure(
                    args, material, real, generator.drift, size, with_units, work, query_file
                )
                report["rows"].append(row)
                print(table([row]).splitlines()[-1], file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _measure(
    args: argparse.Namespace,
    material: Material,
    real: RealVectors,
    drift: float,
    size: int,
    units: bool,
    work: Path,
    query_file: Path,
) -> dict[str, Any]:
    """Build (or reuse) one store, then measure it from a fresh process."""
    name = f"chunks{size}-units{'on' if units else 'off'}-seed{args.seed}"
    where = (args.keep or work) / name
    marker = where / "bench-build.json"
    row: dict[str, Any] = {"size": size, "units": "on" if units else "off"}
    recipe = {
        "scheme": [SUBSTITUTION_RATE, VOCABULARY, HEADING_WEIGHT, OTHER_SHARE, round(drift, 6)],
        "sentences": len(material.sentences),
    }
    kept = json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}
    if args.keep and kept.get("recipe") == recipe:
        row |= kept["built"] | {"reused": True}
        print(f"reusing {where}", file=sys.stderr)
    else:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(where)
        built = build_store(material, real, drift, size, units, args.seed, where)
        marker.write_text(json.dumps({"recipe": recipe, "built": built}), encoding="utf-8")
        row |= built
    done = subprocess.run(
        [sys.executable, __file__, "--serve", str(where), "--query-file", str(query_file)]
        + (["--compare-bm25s"] if args.compare_bm25s else []),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"serving process failed:\n{done.stderr[-3000:]}")
    row |= json.loads(done.stdout.strip().splitlines()[-1])
    if not args.keep:
        shutil.rmtree(where, ignore_errors=True)
    return row


if __name__ == "__main__":
    sys.exit(main())
