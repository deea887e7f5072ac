"""Offline verification of ledger proofs: needs the proof file and the log's public key only.

``verify`` raises :class:`LedgerVerificationError` naming the first check that failed, and
returns a short description of what was proven; it never consults the issuing database.
"""

from __future__ import annotations

from typing import Any

from soai.crypto.jcs import CanonicalizationError, canonicalize
from soai.ledger import merkle, note


class LedgerVerificationError(ValueError):
    """A proof that does not hold, with the reason."""


def _hex(value: Any, what: str) -> bytes:
    try:
        raw = bytes.fromhex(str(value))
    except ValueError:
        raise LedgerVerificationError(f"{what} is not hexadecimal") from None
    if len(raw) != 32:
        raise LedgerVerificationError(f"{what} is not a 32-byte SHA-256 hash")
    return raw


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LedgerVerificationError(f"{what} must be a non-negative integer")
    return value


def _checkpoint(text: Any, vkeys: list[str]) -> note.Checkpoint:
    if not isinstance(text, str):
        raise LedgerVerificationError("checkpoint must be the signed note text")
    try:
        body = note.open_note(text, vkeys)
        return note.parse_checkpoint(body)
    except ValueError as exc:
        raise LedgerVerificationError(f"checkpoint: {exc}") from None


def verify(proof: dict[str, Any], vkeys: list[str]) -> str:
    """Verify an inclusion or consistency proof (as written by ``soai ledger proof|consistency``)."""
    if not isinstance(proof, dict):
        raise LedgerVerificationError("the proof must be a JSON object")
    if "leaf_index" in proof:
        return _verify_inclusion(proof, vkeys)
    if "size1" in proof:
        return _verify_consistency(proof, vkeys)
    raise LedgerVerificationError("not a ledger proof (no leaf_index and no size1)")


def _verify_inclusion(proof: dict[str, Any], vkeys: list[str]) -> str:
    # 1. The checkpoint is signed by the log's key (C2SP signed-note).
    checkpoint = _checkpoint(proof.get("checkpoint"), vkeys)
    index = _int(proof.get("leaf_index"), "leaf_index")
    size = _int(proof.get("tree_size"), "tree_size")
    # 2. The proof is for the tree the checkpoint commits to.
    if size != checkpoint.size:
        raise LedgerVerificationError(
            f"tree_size {size} differs from the checkpoint's size {checkpoint.size}"
        )
    leaf = _hex(proof.get("leaf_hash"), "leaf_hash")
    # 3. The entry, when included, is the one hashed (RFC 9162 §2.1.1: H(0x00 || entry)).
    if "entry" in proof:
        try:
            body = canonicalize(proof["entry"])
        except CanonicalizationError as exc:
            raise LedgerVerificationError(f"entry is not canonicalisable JSON: {exc}") from None
        if merkle.leaf_hash(body) != leaf:
            raise LedgerVerificationError("the entry does not hash to leaf_hash: it was altered")
    path = proof.get("audit_path")
    if not isinstance(path, list):
        raise LedgerVerificationError("audit_path must be a list of hex hashes")
    # 4. The audit path leads from the leaf to the checkpoint's root (RFC 9162 §2.1.3.2).
    try:
        merkle.verify_inclusion(
            leaf,
            index,
            size,
            [_hex(h, f"audit_path[{i}]") for i, h in enumerate(path)],
            checkpoint.root,
        )
    except merkle.ProofError as exc:
        raise LedgerVerificationError(str(exc)) from None
    return f"entry {index} is in {checkpoint.origin} at size {size}"


def _verify_consistency(proof: dict[str, Any], vkeys: list[str]) -> str:
    size1 = _int(proof.get("size1"), "size1")
    size2 = _int(proof.get("size2"), "size2")
    root1 = _hex(proof.get("root1"), "root1")
    root2 = _hex(proof.get("root2"), "root2")
    # 1. When a checkpoint is given, it is signed and commits to root2 at size2.
    if proof.get("checkpoint"):
        checkpoint = _checkpoint(proof["checkpoint"], vkeys)
        if (checkpoint.size, checkpoint.root) != (size2, root2):
            raise LedgerVerificationError("the checkpoint does not commit to size2 and root2")
    hashes = proof.get("proof")
    if not isinstance(hashes, list):
        raise LedgerVerificationError("proof must be a list of hex hashes")
    # 2. The proof shows the tree of size2 extends the tree of size1 (RFC 9162 §2.1.4.2).
    try:
        merkle.verify_consistency(
            size1, size2, root1, root2, [_hex(h, f"proof[{i}]") for i, h in enumerate(hashes)]
        )
    except merkle.ProofError as exc:
        raise LedgerVerificationError(str(exc)) from None
    return f"the log at size {size2} extends the log at size {size1}"
