"""Evidence files on disk: content-addressed, read-only, checked, and nothing left when refused."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from soai.errors import InvalidInput
from soai.pdca.evidence_store import EvidenceStore

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"
KHMER = "ក្របខ័ណ្ឌសុវត្ថិភាព AI ជាតិ — ភស្តុតាង\n".encode()


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def in_chunks(data: bytes, size: int = 7) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def office_package(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


def test_a_pdf_is_stored_read_only_under_its_sha256(store: EvidenceStore) -> None:
    stored = store.put(in_chunks(PDF), filename="risk-assessment.pdf")

    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.sha256 == digest
    assert stored.size == len(PDF)
    assert stored.media_type == "application/pdf"
    assert stored.path == store.root / digest[:2] / digest[2:4] / digest
    assert stored.path.read_bytes() == PDF
    assert stat.S_IMODE(stored.path.stat().st_mode) == 0o444
    assert files_under(store.root) == [stored.path]
    assert store.exists(digest) and store.verify(digest)
    with store.open(digest) as reopened:
        assert reopened.read() == PDF


def test_the_same_file_twice_is_stored_once(store: EvidenceStore) -> None:
    first = store.put([PDF], filename="a.pdf")
    second = store.put(in_chunks(PDF, 3), filename="copy of a.PDF")

    assert second == first
    assert files_under(store.root) == [first.path]


def test_a_file_at_the_limit_is_accepted(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, max_bytes=len(PDF))
    assert store.put([PDF], filename="a.pdf").size == len(PDF)


def test_an_oversized_upload_stops_early_and_leaves_nothing(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence", max_bytes=1024)
    sent = []

    def upload() -> Iterator[bytes]:
        for _ in range(1000):
            sent.append(512)
            yield PDF[:5] + bytes(507)

    with pytest.raises(InvalidInput) as refused:
        store.put(upload(), filename="huge.pdf")

    assert refused.value.field == "file"
    assert "larger than" in str(refused.value)
    assert len(sent) == 3  # aborted as soon as the size went over, not at the end
    assert files_under(store.root) == []


@pytest.mark.parametrize(
    "filename", ["setup.exe", "lib.dll", "app.js", "run.sh", "go.bat", "page.html", "logo.svg"]
)
def test_an_executable_or_active_file_type_is_refused(store: EvidenceStore, filename: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        store.put([b"MZ\x90\x00" + bytes(60)], filename=filename)

    message = str(refused.value)
    assert f".{filename.rsplit('.', 1)[1]}" in message and ".pdf" in message
    assert files_under(store.root) == []


def test_a_file_name_without_extension_is_refused(store: EvidenceStore) -> None:
    with pytest.raises(InvalidInput, match="no extension"):
        store.put([PDF], filename="report")
    assert files_under(store.root) == []


@pytest.mark.parametrize(
    ("payload", "filename"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(57), "report.pdf"),
        (b"\x7fELF\x02\x01\x01" + bytes(57), "report.txt"),
        (b"MZ\x90\x00\x03" + bytes(59), "notes.txt"),
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", "data.csv"),
        (b"#!/bin/sh\nrm -rf /\n", "readme.md"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "notes.txt"),
        (PNG, "photo.jpg"),
        (PDF, "slides.pptx"),
        (office_package("word/"), "sheet.xlsx"),
        (b"PK\x03\x04" + bytes(40), "memo.docx"),
        (b"", "empty.pdf"),
    ],
)
def test_content_that_does_not_match_its_name_is_refused(
    store: EvidenceStore, payload: bytes, filename: str
) -> None:
    with pytest.raises(InvalidInput, match="does not match its name"):
        store.put(in_chunks(payload), filename=filename)
    assert files_under(store.root) == []


def test_an_interrupted_upload_leaves_nothing(store: EvidenceStore) -> None:
    def upload() -> Iterator[bytes]:
        yield PDF[:20]
        raise ConnectionResetError("client went away")

    with pytest.raises(InvalidInput, match="interrupted; nothing was stored") as refused:
        store.put(upload(), filename="a.pdf")

    assert isinstance(refused.value.__cause__, ConnectionResetError)
    assert files_under(store.root) == []


def test_a_keyboard_interrupt_mid_upload_leaves_nothing_and_propagates(
    store: EvidenceStore,
) -> None:
    def upload() -> Iterator[bytes]:
        yield PDF[:20]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.put(upload(), filename="a.pdf")
    assert files_under(store.root) == []


@pytest.mark.parametrize(
    "crafted",
    [
        "../../etc/passwd",
        "ab/../../../../etc/passwd",
        "A" * 64,
        "a" * 63,
        "a" * 64 + "\n",
        "/" + "a" * 63,
        "",
    ],
)
def test_a_crafted_identifier_is_refused(store: EvidenceStore, crafted: str) -> None:
    for use in (store.path_of, store.open, store.exists, store.verify, store.delete):
        with pytest.raises(InvalidInput, match="64 lowercase hexadecimal"):
            use(crafted)


def test_verify_detects_a_tampered_file(store: EvidenceStore) -> None:
    stored = store.put([PDF], filename="a.pdf")
    stored.path.chmod(0o644)
    tampered = bytearray(PDF)
    tampered[10] ^= 0x01
    stored.path.write_bytes(bytes(tampered))

    assert store.verify(stored.sha256) is False


def test_a_missing_file_does_not_verify(store: EvidenceStore) -> None:
    assert store.verify("0" * 64) is False
    assert store.exists("0" * 64) is False


@pytest.mark.parametrize(
    ("filename", "content", "media_type"),
    [
        ("notes.txt", b"Meeting notes\r\nNo issues.\n", "text/plain"),
        ("README.md", b"# Evidence\n\n- item <b>one</b>\n", "text/markdown"),
        ("results.csv", b"group,rate\nA,0.81\nB,0.79\n", "text/csv"),
        ("metrics.json", b'{"accuracy": 0.93}', "application/json"),
        ("khmer.txt", KHMER, "text/plain"),
        ("scan.png", PNG, "image/png"),
        ("photo.JPEG", JPEG, "image/jpeg"),
        (
            "policy.docx",
            office_package("word/"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "budget.xlsx",
            office_package("xl/"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_accepted_types_are_stored_with_their_media_type(
    store: EvidenceStore, filename: str, content: bytes, media_type: str
) -> None:
    # Chunks of 5 bytes split Khmer characters (3 bytes each in UTF-8) across chunk boundaries.
    stored = store.put(in_chunks(content, 5), filename=filename, declared_type="text/html")

    assert stored.media_type == media_type
    assert stored.path.read_bytes() == content


@pytest.mark.parametrize(
    "blob",
    [b"plain start\x00\x01\x02binary", b"\xff\xfe\x00t\x00e\x00x\x00t", KHMER[:-2]],
    ids=["nul-bytes", "utf-16", "truncated-utf-8"],
)
def test_binary_named_as_text_is_refused(store: EvidenceStore, blob: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"does not match its name \(\.txt\)"):
        store.put([blob], filename="notes.txt")
    assert files_under(store.root) == []


def test_delete_removes_the_file_and_is_idempotent(store: EvidenceStore) -> None:
    stored = store.put([PDF], filename="a.pdf")

    store.delete(stored.sha256)
    store.delete(stored.sha256)

    assert not store.exists(stored.sha256)
    assert files_under(store.root) == []
