"""An ingest holds one file's bytes at a time: its peak memory does not grow with the file count.

Each file is read, hashed and parsed (in the parser process), then skipped as longer than
`ADVISOR_MAX_FILE_CHARS`, so no model loads; the peak traced in this process is compared
for N and 2N files. Holding every file's bytes until the end (as before) adds N files' worth.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from advisor import Settings
from ingest import IngestReport, ingest

FILE_BYTES = 1 << 20
COUNT = 16


def notes(folder: Path, count: int) -> Path:
    """`count` Markdown files of FILE_BYTES each, all different."""
    folder.mkdir(parents=True)
    for i in range(count):
        line = f"Note {i} explains feature stores, drift and retraining schedules.\n"
        body = f"# Note {i}\n\n" + line * (FILE_BYTES // len(line))
        (folder / f"note-{i:03d}.md").write_text(body[:FILE_BYTES], "utf-8")
    return folder


def traced_ingest(folder: Path, store_dir: Path) -> tuple[IngestReport, int]:
    """The report, and the peak of memory traced while the ingest ran."""
    settings = Settings.from_env(env={}, store_dir=store_dir, max_file_chars=1000)
    tracemalloc.start()
    try:
        report = ingest([folder], settings=settings, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return report, peak


def test_peak_memory_of_a_folder_ingest_does_not_grow_with_the_file_count(
    tmp_path: Path,
) -> None:
    traced_ingest(notes(tmp_path / "warm", 2), tmp_path / "warm-store")  # imports, first store
    few, few_peak = traced_ingest(notes(tmp_path / "few", COUNT), tmp_path / "few-store")
    many, many_peak = traced_ingest(notes(tmp_path / "many", 2 * COUNT), tmp_path / "many-store")
    for report, count in ((few, COUNT), (many, 2 * COUNT)):
        assert report.files == count and len(report.skipped) == count
        assert all("ADVISOR_MAX_FILE_CHARS" in s.reason for s in report.skipped)
    print(
        f"\npeak traced: {COUNT} files {few_peak / 2**20:.1f} MiB, "
        f"{2 * COUNT} files {many_peak / 2**20:.1f} MiB ({FILE_BYTES // 1024} KiB each)"
    )
    assert many_peak - few_peak < 2 * FILE_BYTES  # holding them all would add 16 MiB
    assert few_peak < COUNT * FILE_BYTES / 2
