"""Signing a batch of credentials: the hot loop of issuance, free of database and web.

Everything it needs travels in a picklable :class:`Plan`, so a batch can be signed in this
process or in worker processes (bulk issuance uses every core: while workers sign the next
batch, the job stores the last one). The canonical form of each credential comes from
templates compiled once per batch (:class:`~soai.crypto.jcs.CanonicalTemplate`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from soai.crypto import ed25519
from soai.crypto.jcs import CanonicalTemplate
from soai.crypto.multibase import encode_base58btc

Item = tuple[str, int, int]  # normalised e-mail, status list id, status index


@dataclass(frozen=True)
class Plan:
    """What signing one batch needs: the key, the compiled forms, the status-list URLs."""

    private_key: bytes
    config_hash: bytes
    issued_ms: int  # Unix time in milliseconds: the time-ordered part of credential ids
    document: CanonicalTemplate
    secured: CanonicalTemplate
    urls: dict[int, tuple[str, str]]
    want_documents: bool


class Signed(NamedTuple):
    """A signed batch, column by column (cheap to send back from a worker process)."""

    credential_ids: list[str]
    identities: list[str]
    salts: list[str]
    proof_values: list[str]
    document_hashes: list[str]
    secured: list[bytes]  # empty unless the plan wants the documents

    @property
    def size(self) -> int:
        return len(self.credential_ids)


_signers: dict[bytes, Callable[[bytes], bytes]] = {}


# Credential ids are version-7 UUIDs (RFC 9562 §5.7): 48 bits of Unix time in milliseconds,
# then 74 random bits. Time-ordered ids are appended at the end of the credentials'
# primary-key index instead of landing on a random page of it, which keeps bulk issuance fast
# however large the table grows (docs/performance.md). The variant is the bits 10 and two
# random bits, made from one random hex digit (RFC 9562 §4.1):
_VARIANT = {digit: "89ab"[int(digit, 16) >> 2] for digit in "0123456789abcdef"}


def sign_batch(plan: Plan, items: list[Item], randomness: bytes) -> Signed:
    """Sign one credential per item; ``randomness`` gives 32 random bytes per item."""
    sign = _signers.get(plan.private_key)
    if sign is None:  # libsodium: the same signatures as cryptography's, sooner
        sign = _signers[plan.private_key] = ed25519.signer(plan.private_key)
    sha256, config_hash = hashlib.sha256, plan.config_hash
    render_document, render_secured = plan.document.render, plan.secured.render
    want_documents, urls = plan.want_documents, plan.urls
    out = Signed([], [], [], [], [], [])
    ids, identities, salts = out.credential_ids, out.identities, out.salts
    proof_values, hashes = out.proof_values, out.document_hashes
    stamp = (plan.issued_ms & 0xFFFFFFFFFFFF).to_bytes(6, "big").hex()
    head = f"urn:uuid:{stamp[:8]}-{stamp[8:]}-7"  # the batch's millisecond, version 7
    for number, (email, list_id, index) in enumerate(items):
        r = randomness[32 * number : 32 * number + 32].hex()  # 16 bytes for the id, 16 salt
        credential_id = f"{head}{r[:3]}-{_VARIANT[r[3]]}{r[4:7]}-{r[8:20]}"
        salt = r[32:]
        identity = "sha256$" + sha256((email + salt).encode("utf-8")).hexdigest()
        revocation_url, suspension_url = urls[list_id]
        position = str(index)
        values: list[str | int] = [
            credential_id,
            identity,
            salt,
            f"{revocation_url}#{position}",
            position,
            revocation_url,
            f"{suspension_url}#{position}",
            position,
            suspension_url,
        ]
        document_hash = sha256(render_document(values)).digest()
        proof_value = encode_base58btc(sign(config_hash + document_hash))
        ids.append(credential_id)
        identities.append(identity)
        salts.append(salt)
        proof_values.append(proof_value)
        hashes.append(document_hash.hex())
        if want_documents:
            values.append(proof_value)
            out.secured.append(render_secured(values))
    return out


def join(parts: list[Signed]) -> Signed:
    """One batch from the parts that several workers signed (in order)."""
    if len(parts) == 1:
        return parts[0]
    return Signed(
        credential_ids=[v for part in parts for v in part.credential_ids],
        identities=[v for part in parts for v in part.identities],
        salts=[v for part in parts for v in part.salts],
        proof_values=[v for part in parts for v in part.proof_values],
        document_hashes=[v for part in parts for v in part.document_hashes],
        secured=[v for part in parts for v in part.secured],
    )
