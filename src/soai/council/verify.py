"""Offline verification of a council decision file, with nothing but the file and the
instance's DID document (``soai keys did``). Every check says what it found:

1. the evidence bundle hashes to the subject digest the votes signed;
2. the roster of the epoch hashes to the digest the ledger recorded, and that ledger entry is
   included under a checkpoint signed by a key of the DID document;
3. the quorum certificate holds ≥ 22 valid signatures of distinct seats active in that epoch
   on the same statement — or the human panel's decision is signed by a DID key;
4. the decision's ledger entry names this certificate (or panel decision) and is included
   under a signed checkpoint.
"""

from __future__ import annotations

import hashlib
from typing import Any

from soai.council import protocol
from soai.crypto.did import DidDocumentError, find_method
from soai.crypto.jcs import canonicalize
from soai.crypto.multibase import MultibaseError, public_key_from_multikey
from soai.ledger import note
from soai.ledger.verify import LedgerVerificationError
from soai.ledger.verify import verify as verify_proof


class CouncilVerificationError(ValueError):
    """The decision file does not prove what it claims; the message says which check failed."""


def _sha(value: Any) -> str:
    return hashlib.sha256(canonicalize(value)).hexdigest()


def _vkeys(did_document: dict[str, Any], checkpoint: str) -> list[str]:
    """The log's verifier keys: the DID document's Ed25519 keys under the checkpoint's origin."""
    origin = checkpoint.split("\n", 1)[0]
    found = []
    for method in did_document.get("verificationMethod", []):
        try:
            public = public_key_from_multikey(str(method.get("publicKeyMultibase", "")))
        except (MultibaseError, AttributeError):
            continue
        found.append(note.vkey(origin, public))
    if not found:
        raise CouncilVerificationError("the DID document lists no Ed25519 key")
    return found


def _included(proof: Any, did_document: dict[str, Any], what: str) -> dict[str, Any]:
    if not isinstance(proof, dict) or not isinstance(proof.get("entry"), dict):
        raise CouncilVerificationError(f"{what}: no ledger proof with its entry")
    try:
        verify_proof(proof, _vkeys(did_document, str(proof.get("checkpoint", ""))))
    except LedgerVerificationError as exc:
        raise CouncilVerificationError(f"{what}: {exc}") from None
    data = proof["entry"].get("data")
    if not isinstance(data, dict):
        raise CouncilVerificationError(f"{what}: the ledger entry has no data")
    return data


def verify(document: dict[str, Any], did_document: dict[str, Any]) -> list[str]:
    """Every check passed, as sentences; raises :class:`CouncilVerificationError` otherwise."""
    if document.get("format") != "soai-council-decision/1":
        raise CouncilVerificationError("not a soai council decision file")
    passed = []
    session, council = document.get("session") or {}, document.get("council")
    digest = document.get("subject_digest")
    if _sha(document.get("bundle")) != digest:
        raise CouncilVerificationError("the evidence bundle does not hash to the subject digest")
    passed.append(f"evidence bundle hashes to {digest}")
    roster = document.get("roster") or {}
    if roster.get("epoch") != session.get("epoch") or roster.get("council") != council:
        raise CouncilVerificationError("the roster is not of the session's council and epoch")
    recorded = _included(document.get("roster_proof"), did_document, "roster")
    if recorded.get("roster_digest") != _sha(roster) or recorded.get("epoch") != roster["epoch"]:
        raise CouncilVerificationError("the roster differs from the one the ledger recorded")
    passed.append(f"roster of epoch {roster['epoch']} recorded in the ledger")
    decided = _included(document.get("decision_proof"), did_document, "decision")
    if decided.get("session") != session.get("id") or decided.get("subject_digest") != digest:
        raise CouncilVerificationError("the decision entry is about another session or subject")
    if decided.get("choice") != session.get("decision"):
        raise CouncilVerificationError("the ledger records another choice than the file claims")
    if decided.get("decided_by") == "council":
        certificate = document.get("certificate")
        if decided.get("certificate_digest") != _sha(certificate):
            raise CouncilVerificationError("the certificate differs from the one in the ledger")
        keys = {
            int(s["seat"]): protocol.SeatKey(
                seat=int(s["seat"]), public_key=bytes.fromhex(s["public_key"]), status=s["status"]
            )
            for s in roster.get("seats", [])
        }
        try:
            qc = protocol.QuorumCertificate.from_json(certificate)
            protocol.verify_certificate(qc, keys)
        except (protocol.InvalidCertificate, KeyError, TypeError, ValueError) as exc:
            raise CouncilVerificationError(f"quorum certificate: {exc}") from None
        if qc.session != session.get("id") or qc.subject_digest != digest:
            raise CouncilVerificationError("the certificate is about another session or subject")
        passed.append(
            f"quorum certificate: {len(qc.votes)} valid signatures of distinct active seats "
            f"(quorum {protocol.QUORUM}) for {qc.choice}"
        )
    elif decided.get("decided_by") == "panel":
        panel = document.get("panel") or {}
        signed = {k: panel.get(k) for k in ("statement", "kid", "signature")}
        if decided.get("decision_digest") != _sha(signed):
            raise CouncilVerificationError("the panel decision differs from the one in the ledger")
        try:
            method = find_method(did_document, str(panel.get("kid")))
            method_key = protocol.public_key(method.public_key)
            method_key.verify(
                bytes.fromhex(str(panel.get("signature"))), canonicalize(panel["statement"])
            )
        except (DidDocumentError, ValueError, KeyError, protocol.InvalidSignature) as exc:
            raise CouncilVerificationError(f"panel decision signature: {exc}") from None
        passed.append("human panel decision signed by a key of the DID document")
    else:
        raise CouncilVerificationError("the decision entry does not say who decided")
    passed.append(f"decision {session.get('decision')} recorded in the ledger")
    return passed
