"""The scale benchmark's printed report: a summary of the corpus and vectors, then a table."""

from __future__ import annotations

from typing import Any

from bench.scale_measure import FILTERED_QUERIES, K
from bench.scale_vectors import VALIDATION

COLUMNS = (
    ("records", "records", "{:>9.0f}"),
    ("chroma_write_s", "write s", "{:>8.1f}"),
    ("fetch_s", "fetch s", "{:>8.2f}"),
    ("bm25_build_s", "bm25 s", "{:>7.2f}"),
    ("rss_built_mb", "RSS built", "{:>10.0f}"),
    ("rss_queried_mb", "RSS qry", "{:>8.0f}"),
    ("rss_filtered_mb", "RSS filt", "{:>9.0f}"),
    ("rss_peak_mb", "RSS peak", "{:>9.0f}"),
    ("total_p50_ms", "p50", "{:>6.1f}"),
    ("total_p95_ms", "p95", "{:>6.1f}"),
    ("dense_p50_ms", "dense", "{:>6.1f}"),
    ("dense_p95_ms", "/p95", "{:>6.1f}"),
    ("bm25_p50_ms", "bm25", "{:>6.1f}"),
    ("bm25_p95_ms", "/p95", "{:>6.1f}"),
    ("fusion_p50_ms", "fuse", "{:>5.1f}"),
    ("fusion_p95_ms", "/p95", "{:>5.1f}"),
    ("baseline_p50_ms", "dense-k", "{:>8.1f}"),
    ("filtered_p50_ms", "filtered", "{:>9.1f}"),
)


def table(rows: list[dict[str, Any]]) -> str:
    """Rows per size (and units setting), then the growth from the smallest to the largest."""
    head = f"{'chunks':>8} {'units':>5} " + " ".join(
        f"{label:>{len(fmt.format(0))}}" for _, label, fmt in COLUMNS
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = " ".join(fmt.format(row.get(key, float("nan"))) for key, _, fmt in COLUMNS)
        lines.append(f"{row['size']:>8} {row['units']:>5} {cells}")
    for units in ("on", "off"):
        mine = [r for r in rows if r["units"] == units]
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        cells = " ".join(
            f"{'x' + format(large[key] / small[key], '.1f'):>{len(fmt.format(0))}}"
            if small.get(key)
            else " " * len(fmt.format(0))
            for key, _, fmt in COLUMNS
        )
        label = f"x{large['size'] // max(1, small['size'])}"
        lines.append(f"{label:>8} {units:>5} {cells}")
    return "\n".join(lines)


def summary(report: dict[str, Any]) -> str:
    m, s = report["material"], report["vector_scheme"]
    return (
        f"corpus: recombined from {m['sentences']} real sentences and {m['headings']} headings, "
        f"{m['units_per_chunk']} sentence units per chunk\n"
        f"vectors: real MiniLM for the material and {report['queries']} queries; the rest are "
        f"real vectors drifted by r={s['drift']} (substitution keeps cos "
        f"{s['substituted_vs_original_cos']}); the real model embeds "
        f"{report['real_embedding_texts_per_s']} chunks/s here{_real_cost(report)}\n"
        f"scheme check on {VALIDATION} synthetic chunks, real embedding vs scheme: mean "
        f"pairwise cos {s['pairwise_real']} vs {s['pairwise_scheme']}, mean best query cos "
        f"{s['query_best_real']} vs {s['query_best_scheme']}; cos(scheme, real) of the same "
        f"text: chunks {s['chunk_cos_mean']}, units {s['unit_cos_mean']}\n"
        f"latency in ms with the query vector precomputed (k={K}); dense-k = dense-only "
        f"Chroma top-{K} baseline; filtered = kind != guide ({FILTERED_QUERIES} queries)\n"
    )


def _real_cost(report: dict[str, Any]) -> str:
    rate = report["real_embedding_texts_per_s"]
    records = max((row["records"] for row in report["rows"]), default=0)
    if not records or not rate:
        return ""
    minutes = records / rate / 60
    took = f"{minutes / 60:.1f} h" if minutes >= 60 else f"{minutes:.0f} min"
    return f", so embedding all {records} records for real would take {took}"
