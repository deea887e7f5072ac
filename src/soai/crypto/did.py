"""The instance's ``did:web`` identifier and its DID document, for offline verification.

The DID document lists every key the instance ever signed with, as a Multikey verification
method. A retired key carries ``expires`` (Controlled Identifiers v1.0): proofs it made before
that moment stay valid, later ones are refused. Verifiers need only this document, never the
issuer's server or database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from soai.crypto.keyring import KeyInfo
from soai.crypto.multibase import MultibaseError, public_key_from_multikey

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_web(domain: str) -> str:
    return f"did:web:{domain}"


def method_id(did: str, kid: str) -> str:
    return f"{did}#{kid}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(did: str, keys: list[KeyInfo]) -> dict[str, Any]:
    """The DID document of ``did`` listing ``keys`` (oldest first) with their validity."""
    methods = []
    for key in sorted(keys, key=lambda k: k.created):
        method: dict[str, Any] = {
            "id": method_id(did, key.kid),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.multikey,
        }
        if key.retired is not None:
            method["expires"] = _iso(key.retired)
        methods.append(method)
    ids = [m["id"] for m in methods]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    controller: str
    public_key: bytes
    expires: datetime | None
    revoked: datetime | None


class DidDocumentError(ValueError):
    """The DID document does not list the method, or lists it in a form we cannot use."""


def _moment(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise DidDocumentError(f"{what} {value!r} is not an ISO 8601 date-time") from None


def find_method(
    doc: dict[str, Any], method: str, *, purpose: str = "assertionMethod"
) -> VerificationMethod:
    """The verification method ``method`` of ``doc``, authorised for ``purpose``."""
    did = doc.get("id")
    if not isinstance(did, str) or not method.startswith(did + "#"):
        raise DidDocumentError(f"{method} does not belong to the DID document of {did}")
    for candidate in doc.get("verificationMethod", []):
        if isinstance(candidate, dict) and candidate.get("id") == method:
            break
    else:
        raise DidDocumentError(f"the DID document of {did} has no key {method}")
    allowed = doc.get(purpose, [])
    if method not in allowed and candidate not in allowed:
        raise DidDocumentError(f"the key {method} is not listed for {purpose}")
    if candidate.get("type") != "Multikey":
        raise DidDocumentError(f"the key {method} is of type {candidate.get('type')}, not Multikey")
    if candidate.get("controller") != did:
        raise DidDocumentError(f"the key {method} is controlled by {candidate.get('controller')}")
    try:
        public = public_key_from_multikey(str(candidate.get("publicKeyMultibase", "")))
    except MultibaseError as exc:
        raise DidDocumentError(f"the key {method} is not an Ed25519 Multikey: {exc}") from None
    return VerificationMethod(
        id=method,
        controller=did,
        public_key=public,
        expires=_moment(candidate.get("expires"), "expires"),
        revoked=_moment(candidate.get("revoked"), "revoked"),
    )
