"""Integrity checks of a Chroma collection: a cheap one before serving, a full one for `doctor`.

The cheap check compares the record count with the one the last ingest stored and asks the
vector index for a few canary records by their own vectors (kept in the collection metadata
at the end of each ingest). Damaged HNSW files can crash the process that reads them
(a segfault in the native index), so an embedded store whose index files cannot be proven
unchanged (advisor/store/integrity.py) is first checked in a child process
(`python -m advisor.store.check`).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from advisor.store.client import is_connection_error

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

CANARIES = 5
"""Records whose vectors are kept at the end of an ingest, spread over the collection."""
TIE = 1e-3
"""Cosine distance under which two vectors count as the same (a record's own query, ties)."""
NEIGHBOURS = 4
"""Nearest records asked for per self-query: a record may tie with exact duplicates."""
CHILD_TIMEOUT = 300.0
CRASHES = frozenset({signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT})
"""Signals that mean the index bytes crashed the reader (a SIGKILL may be the OOM killer)."""


def pick_canaries(col: Collection, count: int) -> str:
    """The ids and vectors of up to CANARIES records spread over the collection, as JSON."""
    if count <= 0:
        return "[]"
    spots = sorted({round(i * (count - 1) / max(1, CANARIES - 1)) for i in range(CANARIES)})
    picked: list[list[Any]] = []
    for offset in spots:
        got = col.get(limit=1, offset=offset, include=["embeddings"])
        embeddings = got.get("embeddings")
        if got["ids"] and embeddings is not None and len(embeddings):
            picked.append([got["ids"][0], [float(x) for x in embeddings[0]]])
    return json.dumps(picked)


def _finds_itself(cid: str, ids: Sequence[str], distances: Sequence[float]) -> bool:
    """A self-query found its record, or only exact duplicates of it (near-ties)."""
    return cid in ids or (bool(distances) and max(distances) <= TIE)


def quick_check(col: Collection, meta: dict[str, Any], skip_count: bool = False) -> str | None:
    """Why this collection must not be served, or None: count and canary queries.

    `skip_count` for a collection an unfinished ingest was writing: its count and the
    canaries it may have replaced cannot match the last finished ingest.
    """
    try:
        count = col.count()
        expected = meta.get("records")
        if not skip_count and isinstance(expected, int) and expected >= 0 and count != expected:
            return f"it holds {count} records where the last ingest wrote {expected}"
        canaries = json.loads(str(meta.get("canaries") or "[]"))
        if not canaries and count:  # a store from before canaries: its first record
            canaries = json.loads(pick_canaries(col, 1))
        if not canaries:
            return None
        present = set(col.get(ids=[c[0] for c in canaries], include=[])["ids"])
        if len(present) != len({c[0] for c in canaries}) and not skip_count:
            return "records the last ingest wrote are missing"
        canaries = [c for c in canaries if c[0] in present]  # an unfinished ingest deletes some
        if not canaries:
            return None
        ids = [c[0] for c in canaries]
        got = col.query(
            query_embeddings=[c[1] for c in canaries],
            n_results=max(1, min(NEIGHBOURS, count)),
            include=["distances"],
        )
        distances = got.get("distances") or []
        for cid, found, dist in zip(ids, got["ids"], distances, strict=True):
            if not _finds_itself(cid, found, dist):
                return f"the vector index does not find record {cid} by its own vector"
    except Exception as exc:  # any failure to read is damage, worded in one line
        if is_connection_error(exc):
            raise
        return describe(exc)
    return None


def describe(exc: BaseException) -> str:
    """One line for an exception raised while reading the index."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}"


def full_check(col: Collection, meta: dict[str, Any], page: int = 500) -> dict[str, Any]:
    """Every record readable, every vector finds its own record, counts as stored."""
    problems: list[str] = []
    report: dict[str, Any] = {"collection": col.name, "records": 0, "problems": problems}
    try:
        count = col.count()
    except Exception as exc:
        problems.append(f"cannot count the records: {describe(exc)}")
        return report
    report["records"] = count
    expected = meta.get("records")
    report["expected"] = expected
    if isinstance(expected, int) and expected >= 0 and expected != count:
        problems.append(f"{count} records where the last ingest wrote {expected}")
    dim = int(meta.get("embedding_dim") or 0)
    seen: set[str] = set()
    lost = unreadable = 0
    per_doc: dict[str, list[int]] = {}
    for offset in range(0, count, page):
        try:
            got = col.get(
                limit=page, offset=offset, include=["embeddings", "documents", "metadatas"]
            )
            ids, docs, metas = got["ids"], got["documents"] or [], got["metadatas"] or []
            embeddings = got["embeddings"]
            vectors = [list(map(float, v)) for v in ([] if embeddings is None else embeddings)]
            if not (len(ids) == len(docs) == len(metas) == len(vectors)):
                raise ValueError("records come back without their text, metadata or vector")
        except Exception as exc:
            problems.append(f"records {offset}-{offset + page} unreadable: {describe(exc)}")
            continue
        for cid, doc, m, vec in zip(ids, docs, metas, vectors, strict=True):
            seen.add(cid)
            bad = not doc or not m or (dim and len(vec) != dim)
            if bad or not all(math.isfinite(x) for x in vec):
                unreadable += 1
            entry = per_doc.setdefault(str((m or {}).get("doc_key", "")), [0, 0])
            entry[0] += 1
            entry[1] = int(str((m or {}).get("doc_chunks", 0) or 0))
        lost += _self_queries(col, ids, vectors, count, problems)
    incomplete = sorted(key for key, (n, want) in per_doc.items() if want and n != want)
    report |= {"readable": len(seen) - unreadable, "self_found": len(seen) - lost}
    if len(seen) != count:
        problems.append(f"{len(seen)} records readable of {count}")
    if unreadable:
        problems.append(f"{unreadable} records with a missing text, metadata or bad vector")
    if lost:
        problems.append(f"{lost} records not found by their own vector")
    if incomplete:
        problems.append(f"{len(incomplete)} documents incomplete, e.g. {incomplete[0]}")
    return report


def _self_queries(
    col: Collection, ids: list[str], vectors: list[list[float]], count: int, problems: list[str]
) -> int:
    """How many of these records the index does not return for their own vector."""
    if not ids:
        return 0
    try:
        got = col.query(
            query_embeddings=vectors,  # type: ignore[arg-type]
            n_results=max(1, min(NEIGHBOURS, count)),
            include=["distances"],
        )
    except Exception as exc:
        problems.append(f"vector search failed: {describe(exc)}")
        return len(ids)
    found = zip(ids, got["ids"], got.get("distances") or [], strict=True)
    return sum(not _finds_itself(cid, near, dist) for cid, near, dist in found)


# --- a check in a child process ----------------------------------------------------------------
class Outcome(NamedTuple):
    """What a check in a child process found."""

    body: dict[str, Any]
    """The check's JSON ({} when it did not finish)."""
    failure: str
    """Why the check did not finish ("" when it did)."""
    conclusive: bool
    """The check finished, or the index crashed it: the verdict is about the files."""


def run_child(mode: str, store_dir: Path, name: str, *extra: str) -> Outcome:
    """Run a check in `python -m advisor.store.check`, where a crash cannot kill this process."""
    command = [sys.executable, "-m", "advisor.store.check", mode, str(store_dir), name, *extra]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=CHILD_TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return Outcome({}, f"checking it took more than {CHILD_TIMEOUT:.0f} s", False)
    if done.returncode < 0:
        try:
            sig = signal.Signals(-done.returncode)
        except ValueError:
            return Outcome({}, f"a check process died (signal {-done.returncode})", False)
        crashed = sig in CRASHES
        what = "reading the vector index crashed" if crashed else "a signal stopped"
        return Outcome({}, f"{what} a check process ({sig.name})", crashed)
    try:
        return Outcome(json.loads(done.stdout.strip().splitlines()[-1]), "", True)
    except (ValueError, IndexError):
        tail = " ".join(done.stderr.split())[-200:]
        return Outcome({}, f"the check process failed (exit {done.returncode}): {tail}", False)


def child_verdict(store_dir: Path, name: str, mode: str, skip_count: bool) -> Outcome:
    """The quick or full check in a child; `failure` is set to why the index must not be served."""
    outcome = run_child(mode, store_dir, name, *(["--skip-count"] if skip_count else []))
    if outcome.failure:
        return outcome
    problems = [str(p) for p in outcome.body.get("problems") or []]
    reason = outcome.body.get("reason") if mode == "quick" else first_problem(problems)
    return outcome._replace(failure=str(reason or ""))


def first_problem(problems: Sequence[str]) -> str:
    """The first problem of a full check, and how many more there are ("" when none)."""
    if not problems:
        return ""
    more = f", and {len(problems) - 1} more problems" if len(problems) > 1 else ""
    return problems[0] + more


def _child(argv: Sequence[str]) -> int:
    """`python -m advisor.store.check quick|full STORE_DIR COLLECTION [--skip-count]`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    mode, store_dir, name = argv[0], argv[1], argv[2]
    client = chromadb.PersistentClient(
        path=store_dir, settings=ChromaSettings(anonymized_telemetry=False)
    )
    try:
        col = client.get_collection(name)
        meta = dict(col.metadata or {})
    except Exception as exc:
        print(json.dumps({"reason": describe(exc), "problems": [describe(exc)]}))
        return 0
    if mode == "full":
        print(json.dumps(full_check(col, meta)))
    else:
        print(json.dumps({"reason": quick_check(col, meta, "--skip-count" in argv)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
