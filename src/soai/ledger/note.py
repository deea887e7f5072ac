"""C2SP signed notes and tlog checkpoints with Ed25519, byte for byte as Go's sumdb/note writes them.

A checkpoint is the note text ``origin\\nsize\\nbase64(root)\\n`` (c2sp.org/tlog-checkpoint),
signed as a note (c2sp.org/signed-note): the text, a blank line, then one line per signature,
``— name base64(key ID ‖ Ed25519 signature)``. Verifier keys travel as the Go ``vkey`` string
``name+keyid+base64(0x01 ‖ public key)``.

:func:`open_note` raises :class:`NoteError` with the exact reason and otherwise returns the
verified text; :func:`parse_checkpoint` reads only text that :func:`open_note` returned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01
"""The signed-note signature type byte of Ed25519."""

SIGNATURE_PREFIX = "— "  # em dash U+2014, space
MAX_SIGNATURES = 100  # the spec asks for at least 16; Go's note package allows 100
_KEY_SIZE = 32
_SIGNATURE_SIZE = 64
_ROOT_SIZE = 32
_MAX_TREE_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_KEY_HASH = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A signed note, verifier key or checkpoint is malformed or unverified; says exactly why."""


@dataclass(frozen=True)
class Checkpoint:
    """The tree head a log signed: its origin line, tree size and RFC 9162 root hash."""

    origin: str
    size: int
    root: bytes


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The note text of a checkpoint, without extension lines."""
    _check_origin(origin)
    if not 0 <= size <= _MAX_TREE_SIZE:
        raise NoteError(f"the tree size {size} is out of range")
    if len(root) != _ROOT_SIZE:
        raise NoteError(f"the root hash is {len(root)} bytes, not {_ROOT_SIZE}")
    return f"{origin}\n{size}\n{_b64(root)}\n"


def parse_checkpoint(body: str) -> Checkpoint:
    """Read a checkpoint's note text strictly (c2sp.org/tlog-checkpoint, no extension lines)."""
    _check_text(body, "checkpoint")
    if not body.endswith("\n"):
        raise NoteError("the checkpoint does not end with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError(f"the checkpoint has {len(lines)} lines, not origin, size and root")
    if len(lines) > 3:
        raise NoteError(f"the checkpoint has {len(lines) - 3} extension lines; soai reads none")
    origin, size_text, root_text = lines
    _check_origin(origin)
    if not _DECIMAL.fullmatch(size_text):
        raise NoteError(f"the tree size {size_text!r} is not a decimal without leading zeros")
    size = int(size_text)
    if size > _MAX_TREE_SIZE:
        raise NoteError(f"the tree size {size_text} does not fit in 64 bits")
    root = _unb64(root_text, "root hash")
    if len(root) != _ROOT_SIZE:
        raise NoteError(f"the root hash is {len(root)} bytes, not {_ROOT_SIZE}")
    return Checkpoint(origin=origin, size=size, root=root)


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID: ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    """The verifier key string ``name+keyid+base64(0x01 ‖ public key)``."""
    _check_name(name)
    if len(public_key) != _KEY_SIZE:
        raise NoteError(f"an Ed25519 public key is {_KEY_SIZE} bytes, not {len(public_key)}")
    return f"{name}+{key_hash(name, public_key).hex()}+{_b64(bytes([ED25519]) + public_key)}"


def parse_vkey(text: str) -> tuple[str, bytes, bytes]:
    """Read a verifier key string into ``(name, key_hash, public_key)``, checking its key ID."""
    parts = text.split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3:
        raise NoteError(f"the verifier key {text!r} is not name+keyid+key")
    name, hash_text, key_text = parts
    _check_name(name)
    if not _KEY_HASH.fullmatch(hash_text):
        raise NoteError(f"the key ID {hash_text!r} of {name} is not 8 lowercase hex digits")
    key = _unb64(key_text, f"verifier key of {name}")
    if not key or key[0] != ED25519:
        raise NoteError(f"the verifier key of {name} is not an Ed25519 key (type byte 0x01)")
    public_key = key[1:]
    if len(public_key) != _KEY_SIZE:
        raise NoteError(f"the Ed25519 key of {name} is {len(public_key)} bytes, not {_KEY_SIZE}")
    try:
        Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError as error:
        raise NoteError(f"the Ed25519 key of {name} is not a valid public key") from error
    expected = key_hash(name, public_key)
    if bytes.fromhex(hash_text) != expected:
        raise NoteError(
            f"the key ID {hash_text} of {name} does not match its key (expected {expected.hex()})"
        )
    return name, expected, public_key


def sign_note(body: str, name: str, sign: Callable[[bytes], bytes], public_key: bytes) -> str:
    """Sign ``body`` as a note with one Ed25519 signature line.

    ``sign`` is the signer's Ed25519 signing function; the signature is checked against
    ``public_key`` before the note is returned, so a mismatched pair never publishes a
    checkpoint nobody can verify.
    """
    _check_body(body)
    vkey(name, public_key)  # checks the name and the key size
    key_id = key_hash(name, public_key)
    signature = sign(body.encode())
    if len(signature) != _SIGNATURE_SIZE:
        raise NoteError(f"the signer returned {len(signature)} bytes, not an Ed25519 signature")
    if not _verifies(public_key, signature, body.encode()):
        raise NoteError(f"the signer's signature does not verify under the key of {name}")
    return f"{body}\n{SIGNATURE_PREFIX}{name} {_b64(key_id + signature)}\n"


def open_note(text: str, vkeys: Sequence[str]) -> str:
    """Verify a signed note against trusted verifier keys and return its text.

    Follows c2sp.org/signed-note: lines by unknown keys (name or key ID differ) are ignored;
    every line by a known key must verify; at least one must.
    """
    known: dict[tuple[str, bytes], bytes] = {}
    for entry in vkeys:
        name, key_id, public_key = parse_vkey(entry)
        if known.setdefault((name, key_id), public_key) != public_key:
            raise NoteError(f"two trusted keys share the name and key ID {name}+{key_id.hex()}")
    # 1. Valid UTF-8 (a str already is) without ASCII control characters other than newline.
    _check_text(text, "note")
    # 2. The text ends at the last blank line; the signature lines follow it.
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("the note has no blank line before its signatures")
    body, signature_block = text[: split + 1], text[split + 2 :]
    if not signature_block:
        raise NoteError("the note has no signature lines after its blank line")
    if not signature_block.endswith("\n"):
        raise NoteError("the note's signature lines do not end with a newline")
    lines = signature_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"the note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    verified = 0
    for number, line in enumerate(lines, start=1):
        # 3. Each line is "— name base64(key ID ‖ signature)".
        name, key_id, signature = _parse_signature_line(line, number)
        # 4. Lines by unknown keys are ignored, even if the name or the key ID matches.
        trusted_key = known.get((name, key_id))
        if trusted_key is None:
            continue
        # 5. A known key's signature must verify over the text, final newline included.
        if not _verifies(trusted_key, signature, body.encode()):
            raise NoteError(f"the signature of {name}+{key_id.hex()} does not verify")
        verified += 1
    # 6. At least one known key must have signed.
    if not verified:
        raise NoteError("the note has no signature by a trusted key")
    return body


def _parse_signature_line(line: str, number: int) -> tuple[str, bytes, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"signature line {number} does not start with an em dash and a space")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space or not encoded:
        raise NoteError(f"signature line {number} has no signature after the key name")
    _check_name(name)
    raw = _unb64(encoded, f"signature of {name}")
    if len(raw) < 5:
        raise NoteError(f"the signature of {name} is too short to hold a key ID and a signature")
    return name, raw[:4], raw[4:]


def _verifies(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _check_body(body: str) -> None:
    _check_text(body, "note text")
    if not body.endswith("\n"):
        raise NoteError("the note text does not end with a newline")


def _check_text(text: str, what: str) -> None:
    for position, character in enumerate(text):
        if character < " " and character != "\n":
            raise NoteError(f"the {what} has control character {ord(character):#04x} at {position}")
    try:
        text.encode()
    except UnicodeEncodeError as error:  # lone surrogates
        raise NoteError(f"the {what} is not valid UTF-8") from error


def _check_name(name: str) -> None:
    if not name:
        raise NoteError("a key name is empty")
    if "+" in name or any(character.isspace() for character in name):
        raise NoteError(f"the key name {name!r} contains a space or a plus sign")


def _check_origin(origin: str) -> None:
    if not origin:
        raise NoteError("the checkpoint origin is empty")
    if "\n" in origin:
        raise NoteError("the checkpoint origin spans several lines")
    _check_text(origin, "checkpoint origin")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NoteError(f"the {what} is not standard base64") from error
    if _b64(value) != text:  # one encoding per value: no stray padding bits
        raise NoteError(f"the {what} is not canonical base64")
    return value
