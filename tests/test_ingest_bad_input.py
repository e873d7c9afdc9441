"""Bad input: a clear reason in `skipped`, never a traceback, and good files still indexed."""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from advisor import Settings, Store
from advisor.cli import main
from ingest import IngestReport, ingest
from ingest.discovery import Skipped, read_file

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
GOOD = "# Good notes\n\nCross-validation estimates how a model generalises.\n"

pytestmark = pytest.mark.slow


def _pdf(text: str | None, password: str = "") -> bytes:
    """A one-page PDF (with a text content stream when `text` is given)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    if text is not None:
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _ingest(folder: Path) -> IngestReport:
    return ingest([folder], settings=Settings.from_env(), progress=False)


def _stored() -> dict[str, str]:
    """Stored passage text by source path."""
    chunks = Store.open(Settings.from_env()).all_chunks()
    return {c.source: c.text for c in chunks}


def _folder(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    (folder / name).write_bytes(data)
    return folder


BAD_CASES = [
    (
        "binary.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "binary content behind a text extension",
    ),
    ("control.md", bytes(range(1, 9)) * 20, "binary content behind a text extension"),
    ("empty.md", b"", "empty or whitespace-only document"),
    ("blank.txt", b"  \n\t\r\n \xc2\xa0\n", "empty or whitespace-only document"),
    (
        "bad-bytes.txt",
        b"caf\x81 na\x8fve \x90 \x9d",
        "undecodable bytes: neither UTF-8 nor cp1252 text",
    ),
    (
        "bad-bom.txt",
        codecs.BOM_UTF16_LE + b"a\x00b",
        "not valid UTF-16 text despite its byte-order mark",
    ),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated", "broken PDF"),
    ("not-a.pdf", b"just some text with a pdf extension", "broken PDF"),
    ("image-only.pdf", _pdf(None), "empty or whitespace-only document"),
    (
        "locked.pdf",
        _pdf("CANARY_ENCRYPTED", password="secret"),
        "encrypted PDF (a password is needed)",
    ),
    ("report.docx", b"PK\x03\x04 zip bytes", "unsupported file type .docx"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_file_is_skipped_with_a_reason_and_the_good_one_indexed(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    report = _ingest(_folder(tmp_path, name, data))
    [skipped] = report.skipped
    assert skipped.path == name and skipped.reason.startswith(reason), skipped
    assert "Traceback" not in skipped.reason and "\n" not in skipped.reason
    assert (report.files, report.added) == (1 if name.endswith(".docx") else 2, 1)
    assert report.ok
    assert set(_stored()) == {"good.md"}
    assert "CANARY" not in json.dumps(_stored())


def test_oversized_file_is_skipped_by_the_configurable_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_MAX_FILE_BYTES", "1000")
    report = _ingest(_folder(tmp_path, "huge.md", b"# Huge\n\n" + b"word " * 400))
    [skipped] = report.skipped
    assert skipped.path == "huge.md"
    assert skipped.reason == "larger than the 1000-byte cap (ADVISOR_MAX_FILE_BYTES)"
    assert set(_stored()) == {"good.md"}


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("cp1252", "Café — naïve “quotes” and 50 € fees.\n"),
        ("utf-16", "Über naïve résumé — “typographic” ✓ text.\n"),  # Python writes a BOM
        ("utf-8-sig", "Ångström café — naïve.\n"),
        ("utf-32", "Zürich café — naïve.\n"),
    ],
)
def test_legacy_and_bom_encodings_are_decoded_correctly(
    tmp_path: Path, codec: str, text: str
) -> None:
    report = _ingest(_folder(tmp_path, "encoded.txt", text.encode(codec)))
    assert report.skipped == [] and report.added == 2
    assert _stored()["encoded.txt"] == text.strip()


def test_symlinks_leading_outside_the_root_are_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nCANARY_OUTSIDE_FILE\n")
    (outside / "dir").mkdir()
    (outside / "dir" / "inner.md").write_text("# Inner\n\nCANARY_OUTSIDE_DIR\n")
    folder = _folder(tmp_path, "inside.md", b"# Inside\n\nA file inside the root.\n")
    (folder / "leak.md").symlink_to(outside / "secret.md")
    (folder / "leakdir").symlink_to(outside / "dir", target_is_directory=True)
    (folder / "alias.md").symlink_to(folder / "inside.md")  # inside the root: fine
    (folder / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (folder / "broken.md").symlink_to(folder / "deleted-target.md")

    report = _ingest(folder)
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["leak.md"] == "symlink leads outside the ingested root"
    assert reasons["dangling.md"] == "symlink leads outside the ingested root"
    assert reasons["broken.md"] == "broken symlink"
    assert set(_stored()) == {"good.md", "inside.md", "alias.md"}
    assert "CANARY" not in json.dumps(_stored())


def test_a_file_that_vanishes_mid_run_is_a_reason(tmp_path: Path) -> None:
    """Listed, then gone before it is read: `read_file` on a path removed in between."""
    folder = _folder(tmp_path, "gone.md", b"# Gone\n\nSoon deleted.\n")
    path = folder / "gone.md"
    path.unlink()
    skipped: list[Skipped] = []
    assert read_file(path, "gone.md", "k", str(folder), Settings.from_env(), skipped) is None
    assert [asdict(s) for s in skipped] == [
        {"path": "gone.md", "reason": "file vanished during ingest"}
    ]


def test_a_missing_input_path_is_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, "more.md", b"# More\n\nText.\n")
    missing = str(tmp_path / "no-such-folder")
    assert main(["ingest", str(folder), missing, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["skipped"] == [{"path": missing, "reason": "no such file or directory"}]
    assert report["added"] == 2


def test_nothing_indexable_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03")
    result = subprocess.run(
        [str(BIN / "advisor"), "ingest", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ADVISOR_STORE_DIR": str(tmp_path / "store")},
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stderr.strip().splitlines() == [
        "advisor: nothing could be indexed: binary.txt: binary content behind a text extension"
    ]
    assert "skipped empty.md: empty or whitespace-only document" in result.stdout


def test_exit_zero_when_nothing_needed_to_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, "empty.md", b"")
    assert main(["ingest", str(folder), "--json"]) == 0
    assert main(["ingest", str(folder), "--json"]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (second["unchanged"], second["added"], len(second["skipped"])) == (1, 0, 1)
