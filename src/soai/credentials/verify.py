"""Offline verification of an Open Badges 3.0 / VC 2.0 credential.

Needs only the credential, the issuer's DID document and (to check revocation) snapshots of
its status lists: no network, no database. ``verify`` raises
:class:`CredentialVerificationError` naming the first check that failed; on success it returns
what was checked, including whether revocation could be checked at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from soai.credentials import proof as suite
from soai.credentials.status import StatusListError, decode_list, is_set
from soai.crypto.did import DidDocumentError, find_method
from soai.crypto.jcs import canonicalize
from soai.i18n.markers import N_

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


class CredentialVerificationError(ValueError):
    """A credential that must not be trusted, and why (an English template and parameters,
    so the portal can say it in the reader's language)."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params))

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.message) if gettext else self.message
        return template.format(**self.params)


@dataclass
class Verified:
    """What a successful verification established."""

    credential_id: str
    issuer: str
    name: str
    valid_from: datetime | None
    valid_until: datetime | None
    verification_method: str
    status_checked: list[str] = field(default_factory=list)
    status_unchecked: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": True,
            "id": self.credential_id,
            "issuer": self.issuer,
            "name": self.name,
            "validFrom": self.valid_from.isoformat() if self.valid_from else None,
            "validUntil": self.valid_until.isoformat() if self.valid_until else None,
            "verificationMethod": self.verification_method,
            "statusChecked": self.status_checked,
            "statusNotChecked": self.status_unchecked,
        }


def _fail(message: str, **params: Any) -> CredentialVerificationError:
    return CredentialVerificationError(message, **params)


@lru_cache(maxsize=4096)
def _parse_moment(value: str) -> datetime | None:
    """A date-time string as UTC; None when it is not one (credentials of one batch share
    their dates, so the cache spares most parsing in bulk verification)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def _moment(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise _fail(N_("{what} must be a date and time"), what=what)
    moment = _parse_moment(value)
    if moment is None:
        raise _fail(N_("{what} {value!r} is not a date and time"), what=what, value=value)
    if moment.tzinfo is None:
        raise _fail(N_("{what} {value!r} has no timezone"), what=what, value=value)
    return moment


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise _fail(N_("the credential names no issuer"))
    return issuer_id


CONFIG_KEYS = frozenset(
    {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "@context"}
)


def _config_hash(config: dict[str, Any], cache: dict[Any, bytes] | None) -> bytes:
    """SHA-256 of the canonical proof configuration, remembered across a batch.

    A configuration with exactly the usual keys, whose type, suite and purpose were already
    checked, is determined by its creation time, key and contexts; credentials of one
    issuance share them, so the verifier hashes each configuration once.
    """
    key = None
    if cache is not None and config.keys() == CONFIG_KEYS:
        contexts = config["@context"]
        if isinstance(contexts, list) and all(isinstance(c, str) for c in contexts):
            key = (config["created"], config["verificationMethod"], tuple(contexts))
            found = cache.get(key)
            if found is not None:
                return found
    digest = hashlib.sha256(canonicalize(config)).digest()
    if key is not None and cache is not None:
        cache[key] = digest
    return digest


def _check_signature(
    secured: dict[str, Any],
    did_document: dict[str, Any],
    issuer: str,
    keys: dict[str, tuple[Any, Ed25519PublicKey]] | None = None,
    config_hashes: dict[Any, bytes] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        document, config, signature = suite.split(secured)
    except suite.ProofError as exc:
        raise _fail(N_("the proof is not valid: {detail}"), detail=str(exc)) from None
    method_id = config.get("verificationMethod")
    if not isinstance(method_id, str):
        raise _fail(N_("the proof names no verificationMethod"))
    if not method_id.startswith(issuer + "#"):
        raise _fail(
            N_("the proof's key {method} does not belong to the issuer {issuer}"),
            method=method_id,
            issuer=issuer,
        )
    if did_document.get("id") != issuer:
        raise _fail(
            N_("not issued by {did}: the credential names the issuer {issuer}"),
            did=str(did_document.get("id")),
            issuer=issuer,
        )
    cached = keys.get(method_id) if keys is not None else None
    if cached is None:
        try:
            method = find_method(did_document, method_id)
        except DidDocumentError as exc:
            raise _fail(N_("the issuer's key is not usable: {detail}"), detail=str(exc)) from None
        cached = (method, Ed25519PublicKey.from_public_bytes(method.public_key))
        if keys is not None:
            keys[method_id] = cached
    method, public_key = cached
    created = _moment(config.get("created"), "proof.created")
    if method.expires is not None and created >= method.expires:
        raise _fail(
            N_("key {method} was retired on {retired}, credential signed {signed}"),
            method=method_id,
            retired=f"{method.expires:%Y-%m-%d}",
            signed=f"{created:%Y-%m-%d}",
        )
    if method.revoked is not None and created >= method.revoked:
        raise _fail(
            N_("key {method} was revoked on {date}"),
            method=method_id,
            date=f"{method.revoked:%Y-%m-%d}",
        )
    try:
        data = _config_hash(config, config_hashes) + hashlib.sha256(canonicalize(document)).digest()
        public_key.verify(signature, data)
    except InvalidSignature:
        raise _fail(
            N_("the signature does not match: the credential was altered or forged")
        ) from None
    except ValueError as exc:
        raise _fail(
            N_("the credential cannot be canonicalised: {detail}"), detail=str(exc)
        ) from None
    return document, config


class Verifier:
    """Verifies many credentials against one DID document and one set of status lists.

    Keys are decoded and each status list is verified and decompressed once, then reused.
    """

    def __init__(
        self, did_document: dict[str, Any], status_lists: list[dict[str, Any]] | None = None
    ) -> None:
        self.did_document = did_document
        self.lists = {str(s.get("id")): s for s in status_lists or [] if isinstance(s, dict)}
        self._keys: dict[str, tuple[Any, Ed25519PublicKey]] = {}
        self._bits: dict[tuple[str, datetime], bytes] = {}
        self._config_hashes: dict[Any, bytes] = {}

    def verify(self, credential: dict[str, Any], now: datetime | None = None) -> Verified:
        """Verify ``credential`` completely, or raise naming the failed check."""
        moment = now or datetime.now(UTC)
        if not isinstance(credential, dict):
            raise _fail(N_("a credential is a JSON object"))
        # 1. Structure (VC Data Model 2.0 §4, Open Badges 3.0 §8).
        contexts = credential.get("@context")
        if not isinstance(contexts, list) or not contexts or contexts[0] != VC_CONTEXT:
            raise _fail(N_("the first @context must be {context}"), context=VC_CONTEXT)
        types = credential.get("type")
        if not isinstance(types, list) or "VerifiableCredential" not in types:
            raise _fail(N_("type must include {type}"), type="VerifiableCredential")
        if "OpenBadgeCredential" not in types:
            raise _fail(N_("type must include {type}"), type="OpenBadgeCredential")
        if not isinstance(credential.get("credentialSubject"), dict):
            raise _fail(N_("credentialSubject must be an object"))
        issuer = _issuer_id(credential)
        # 2. Proof and key: signed by a key of the issuer that was valid when it signed.
        _document, config = _check_signature(
            credential, self.did_document, issuer, self._keys, self._config_hashes
        )
        # 3. Validity period.
        valid_from = (
            _moment(credential["validFrom"], "validFrom") if "validFrom" in credential else None
        )
        valid_until = (
            _moment(credential["validUntil"], "validUntil") if "validUntil" in credential else None
        )
        if valid_from is not None and moment < valid_from:
            raise _fail(N_("not valid before {date} UTC"), date=f"{valid_from:%Y-%m-%d %H:%M}")
        if valid_until is not None and moment >= valid_until:
            raise _fail(N_("expired on {date}"), date=f"{valid_until:%Y-%m-%d}")
        result = Verified(
            credential_id=str(credential.get("id", "")),
            issuer=issuer,
            name=str(credential.get("name", "")),
            valid_from=valid_from,
            valid_until=valid_until,
            verification_method=str(config["verificationMethod"]),
        )
        # 4. Status (Bitstring Status List v1.0 §3.2): revoked or suspended?
        entries = credential.get("credentialStatus", [])
        for entry in entries if isinstance(entries, list) else [entries]:
            self._check_status(entry, issuer, moment, result)
        return result

    def _status_bits(self, url: str, purpose: str, issuer: str, moment: datetime) -> bytes | None:
        status_list = self.lists.get(url)
        if status_list is None:
            return None
        key = (url, moment.replace(second=0, microsecond=0))
        bits = self._bits.get(key)
        if bits is not None:
            return bits
        try:
            _check_signature(status_list, self.did_document, issuer, self._keys)
        except CredentialVerificationError as exc:
            raise _fail(
                N_("the {purpose} status list does not verify: {detail}"),
                purpose=purpose,
                detail=str(exc),
            ) from None
        subject = status_list.get("credentialSubject", {})
        if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
            other = subject.get("statusPurpose") if isinstance(subject, dict) else None
            raise _fail(
                N_("the status list is for {other}, not {purpose}"),
                other=str(other),
                purpose=purpose,
            )
        if "validUntil" in status_list and moment >= _moment(
            status_list["validUntil"], "validUntil"
        ):
            raise _fail(
                N_("the {purpose} status list snapshot is out of date; fetch a newer one"),
                purpose=purpose,
            )
        try:
            bits = decode_list(str(subject.get("encodedList", "")))
        except StatusListError as exc:
            raise _fail(
                N_("{purpose} status list: {detail}"), purpose=purpose, detail=str(exc)
            ) from None
        self._bits[key] = bits
        return bits

    def _check_status(self, entry: Any, issuer: str, moment: datetime, result: Verified) -> None:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise _fail(N_("credentialStatus entries must be BitstringStatusListEntry objects"))
        purpose = str(entry.get("statusPurpose"))
        bits = self._status_bits(str(entry.get("statusListCredential")), purpose, issuer, moment)
        if bits is None:
            result.status_unchecked.append(purpose)
            return
        try:
            index = int(str(entry.get("statusListIndex")))
        except ValueError:
            raise _fail(N_("statusListIndex is not an integer")) from None
        try:
            flagged = is_set(bits, index)
        except StatusListError as exc:
            raise _fail(
                N_("{purpose} status list: {detail}"), purpose=purpose, detail=str(exc)
            ) from None
        if flagged:
            if purpose == "revocation":
                raise _fail(N_("the credential has been revoked"))
            raise _fail(N_("the credential has been suspended"))
        result.status_checked.append(purpose)


def verify(
    credential: dict[str, Any],
    *,
    did_document: dict[str, Any],
    status_lists: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Verified:
    """Verify one credential completely, or raise naming the failed check."""
    return Verifier(did_document, status_lists).verify(credential, now)
