"""The ``eddsa-jcs-2022`` Data Integrity cryptosuite (W3C Data Integrity EdDSA Cryptosuites).

Creating a proof (§3.3 of the suite): the proof configuration is the proof without its
``proofValue``, carrying the document's ``@context``; the signed bytes are
SHA-256(JCS(proof configuration)) ‖ SHA-256(JCS(document without proof)); the signature is
Ed25519, written as a base58btc multibase string.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from soai.crypto.jcs import canonicalize
from soai.crypto.multibase import MultibaseError, decode, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PURPOSE = "assertionMethod"


class ProofError(ValueError):
    """The proof is malformed or its signature does not verify."""


def proof_config(document: dict[str, Any], *, method: str, created: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": method,
        "proofPurpose": PURPOSE,
    }
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def hash_data(config: dict[str, Any], document: dict[str, Any]) -> bytes:
    """What is signed: SHA-256 of the canonical proof configuration, then of the document."""
    return (
        hashlib.sha256(canonicalize(config)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )


def sign(
    document: dict[str, Any],
    *,
    sign_bytes: Callable[[bytes], bytes],
    method: str,
    created: str,
    config_hash: bytes | None = None,
) -> dict[str, Any]:
    """The document with an ``eddsa-jcs-2022`` proof added (the input is not changed).

    ``config_hash`` lets a bulk issuer hash the (shared) proof configuration once.
    """
    config = proof_config(document, method=method, created=created)
    first = config_hash or hashlib.sha256(canonicalize(config)).digest()
    signature = sign_bytes(first + hashlib.sha256(canonicalize(document)).digest())
    config["proofValue"] = encode_base58btc(signature)
    return {**document, "proof": config}


def split(secured: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """The unsecured document, the proof configuration and the signature of ``secured``."""
    proof = secured.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("the credential has no proof (or more than one)")
    if proof.get("type") != PROOF_TYPE:
        raise ProofError(f"proof type is {proof.get('type')!r}, not {PROOF_TYPE}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"cryptosuite is {proof.get('cryptosuite')!r}, not {CRYPTOSUITE}")
    if proof.get("proofPurpose") != PURPOSE:
        raise ProofError(f"proof purpose is {proof.get('proofPurpose')!r}, not {PURPOSE}")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue must be a base58btc multibase string ('z…')")
    try:
        signature = decode(value)
    except MultibaseError as exc:
        raise ProofError(f"proofValue: {exc}") from None
    if len(signature) != 64:
        raise ProofError("proofValue is not a 64-byte Ed25519 signature")
    document = dict(secured)
    del document["proof"]
    config = dict(proof)
    del config["proofValue"]
    if "@context" in config and config["@context"] != document.get("@context"):
        raise ProofError("the proof's @context differs from the credential's @context")
    return document, config, signature
