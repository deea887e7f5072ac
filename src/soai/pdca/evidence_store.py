"""Evidence files of PDCA cycles, stored content-addressed on disk.

A file lives at ``<root>/ab/cd/<sha256>`` (``root`` is ``$SOAI_HOME/evidence``), where ``ab`` and
``cd`` are the first two byte pairs of its SHA-256 in lowercase hex. Naming a file by its hash
gives three things: integrity (:meth:`EvidenceStore.verify` recomputes the hash, so a changed
byte is detected), dedupe (the same document uploaded twice is stored once), and a stable
reference that goes into the ledger and the cycle's report, so anyone holding the file can check
it is the evidence that was assessed.

An upload streams into ``<root>/.incoming/`` (same file system, so the final rename is atomic) and
is checked on the way: size limit, an allow-list of extensions, and content magic bytes that must
agree with the extension. Whatever goes wrong (too large, wrong type, interrupted, even
KeyboardInterrupt), the temporary file is removed and nothing is left. Stored files are
read-only (0o444) and fsynced before the rename. This module knows nothing of the database: the
caller records rows, and decides which files are unreferenced and may be deleted.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, NoReturn

from soai.errors import InvalidInput
from soai.i18n.markers import N_

ALLOWED_EXTENSIONS: Final[Mapping[str, str]] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
"""Accepted file name extensions and the media type a file of each is stored as."""

TOO_LARGE = N_("The file is larger than {limit} MB.")
TYPE_REFUSED = N_("Files of type {extension} are not accepted; allowed: {allowed}.")
NO_EXTENSION = N_("The file name has no extension; allowed: {allowed}.")
CONTENT_MISMATCH = N_("The file's content does not match its name ({extension}).")
INTERRUPTED = N_("The upload was interrupted; nothing was stored.")
BAD_IDENTIFIER = N_(
    "The evidence file identifier is not valid; it must be 64 lowercase hexadecimal characters."
)

_MIB = 1024 * 1024
_HEAD = 8192  # bytes kept to check magic numbers and look for NUL in text
_INCOMING = ".incoming"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_MAGIC = {
    ".pdf": b"%PDF-",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
}
_TEXT = frozenset({".txt", ".md", ".csv", ".json"})
_OOXML = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}  # the part folder each must hold
# ELF, Mach-O (32/64-bit, both byte orders, universal) and script shebangs; PE is checked apart.
_EXECUTABLE = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
# Markup a browser could run if it ever sniffed a "text" file as HTML.
_MARKUP = (b"<!doctype html", b"<html", b"<svg", b"<script")


@dataclass(frozen=True)
class StoredFile:
    """A file in the store; ``path`` is absolute (``root/ab/cd/<sha256>``)."""

    sha256: str
    size: int
    media_type: str
    path: Path


class EvidenceStore:
    """Content-addressed evidence files under one root directory."""

    def __init__(self, root: Path, *, max_bytes: int = 25 * _MIB) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.allowed = ALLOWED_EXTENSIONS

    def put(
        self, chunks: Iterable[bytes], *, filename: str, declared_type: str | None = None
    ) -> StoredFile:
        """Store an upload and return where it is; raise InvalidInput, leaving nothing, if refused.

        ``declared_type`` (the client's Content-Type) is advisory and never trusted: the stored
        media type follows from the extension, once the content has been checked against it.
        An identical file already stored is returned as is (the new copy is discarded).
        """
        extension = self._accepted_extension(filename)
        incoming = self.root / _INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        temporary = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest, size, head = self._receive(iter(chunks), out, extension)
                out.flush()
                os.fsync(out.fileno())
            if _looks_executable(head) or not _content_matches(extension, head, temporary):
                _refuse(CONTENT_MISMATCH, extension=extension)
            temporary.chmod(0o444)
            final = self.path_of(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.is_file() and final.stat().st_size == size:
                temporary.unlink()  # dedupe; a same-named file of another size is repaired below
            else:
                os.replace(temporary, final)
                _fsync_directory(final.parent)
            return StoredFile(digest, size, self.allowed[extension], final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def path_of(self, sha256: str) -> Path:
        """Where the file with this hash lives (whether or not it exists)."""
        if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
            raise InvalidInput(BAD_IDENTIFIER, field="sha256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def open(self, sha256: str) -> BinaryIO:
        """The stored file for reading; FileNotFoundError if it is not in the store."""
        return self.path_of(sha256).open("rb")

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def verify(self, sha256: str) -> bool:
        """Whether the file is present and its content still hashes to its name."""
        try:
            with self.path_of(sha256).open("rb") as stored:
                return hashlib.file_digest(stored, "sha256").hexdigest() == sha256
        except FileNotFoundError:
            return False

    def delete(self, sha256: str) -> None:
        """Remove a file (no error if absent), for garbage collection only.

        The database decides what is unreferenced: since identical uploads share one file, a
        caller must never delete a file just because its own row was rolled back.
        """
        self.path_of(sha256).unlink(missing_ok=True)

    def _accepted_extension(self, filename: str) -> str:
        allowed = ", ".join(sorted(self.allowed))
        base = re.split(r"[/\\]", filename)[-1]
        _, dot, suffix = base.rpartition(".")
        if not dot or not suffix:
            _refuse(NO_EXTENSION, allowed=allowed)
        extension = f".{suffix.lower()}"
        if extension not in self.allowed:
            _refuse(TYPE_REFUSED, extension=extension, allowed=allowed)
        return extension

    def _receive(
        self, chunks: Iterator[bytes], out: BinaryIO, extension: str
    ) -> tuple[str, int, bytes]:
        """Copy the chunks to ``out``; return their SHA-256, size and first 8 KB."""
        digest = hashlib.sha256()
        size = 0
        head = bytearray()
        decoder = codecs.getincrementaldecoder("utf-8")() if extension in _TEXT else None
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except Exception as exc:  # the client went away or the stream broke
                raise InvalidInput(INTERRUPTED, field="file") from exc
            size += len(chunk)
            if size > self.max_bytes:
                _refuse(TOO_LARGE, limit=_megabytes(self.max_bytes))
            if len(head) < _HEAD:
                head += chunk[: _HEAD - len(head)]
            if decoder is not None:
                _decode(decoder, chunk, extension)
            digest.update(chunk)
            out.write(chunk)
        if decoder is not None:
            _decode(decoder, b"", extension, final=True)
        return digest.hexdigest(), size, bytes(head)


def _refuse(message: str, **params: object) -> NoReturn:
    raise InvalidInput(message, field="file", **params)


def _decode(
    decoder: codecs.IncrementalDecoder, chunk: bytes, extension: str, *, final: bool = False
) -> None:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        _refuse(CONTENT_MISMATCH, extension=extension)


def _looks_executable(head: bytes) -> bool:
    # A DOS/PE header starts with "MZ" and has NUL bytes soon after; text starting "MZ" does not.
    return head.startswith(_EXECUTABLE) or (head.startswith(b"MZ") and b"\x00" in head[:64])


def _content_matches(extension: str, head: bytes, path: Path) -> bool:
    if extension in _TEXT:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        return b"\x00" not in head and not start.startswith(_MARKUP)
    if extension in _OOXML:
        return head.startswith(b"PK\x03\x04") and _is_office_document(path, _OOXML[extension])
    return head.startswith(_MAGIC[extension])


def _is_office_document(path: Path, folder: str) -> bool:
    """Whether the ZIP at ``path`` is an Office Open XML package of the expected kind."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)


def _megabytes(size: int) -> int | float:
    value = size / _MIB
    return int(value) if value.is_integer() else round(value, 2)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
