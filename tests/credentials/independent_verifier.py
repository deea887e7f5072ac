"""An independent verifier of the credentials soai issues, written from the specifications alone.

It imports no soai code: only the standard library, ``cryptography`` (Ed25519) and the
third-party ``rfc8785`` package (canonical JSON), so that a mistake shared by soai's issuer and
soai's verifier cannot hide here. It follows:

- W3C Verifiable Credentials Data Model v2.0 (§4: contexts, types, issuer, subject, validity);
- W3C Data Integrity EdDSA Cryptosuites v1.0, ``eddsa-jcs-2022`` (§3.3: verify proof,
  transformation, hashing, proof configuration);
- W3C Controlled Identifiers v1.0 (Multikey verification methods, ``expires``, ``revoked``);
- W3C Bitstring Status List v1.0 (§3.2 validate algorithm, §4 bitstring encoding).

``verify`` returns nothing when the credential is valid and raises ``ValueError`` (or
``AssertionError``) naming the reason otherwise: there is no boolean to forget to check.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

VC_V2 = "https://www.w3.org/ns/credentials/v2"
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ED25519_PUB_MULTICODEC = b"\xed\x01"
MIN_STATUS_LIST_BITS = 131_072
# XML Schema dateTimeStamp: a dateTime that must carry a timezone (VC 2.0 §4.9).
DATE_TIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class Invalid(ValueError):
    """The credential must not be trusted; the message says why."""


# -- encodings --------------------------------------------------------------------------------


def base58btc_decode(text: str) -> bytes:
    """Bitcoin base58: big-endian base-58 digits; each leading '1' is one leading zero byte."""
    number = 0
    for char in text:
        digit = BASE58_ALPHABET.find(char)
        if digit < 0:
            raise Invalid(f"{char!r} is not a base58btc character")
        number = number * 58 + digit
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * leading_zeros + body


def multibase_decode(value: Any) -> bytes:
    """Multibase with the two prefixes these specs use: 'z' base58btc, 'u' base64url (no pad)."""
    if not isinstance(value, str) or not value:
        raise Invalid("a multibase value must be a non-empty string")
    prefix, body = value[0], value[1:]
    if prefix == "z":
        return base58btc_decode(body)
    if prefix == "u":
        if not BASE64URL.match(body) or len(body) % 4 == 1:
            raise Invalid("not unpadded base64url")
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    raise Invalid(f"unsupported multibase prefix {prefix!r}")


def moment(value: Any, what: str) -> datetime:
    if not isinstance(value, str) or not DATE_TIME_STAMP.match(value):
        raise Invalid(f"{what} is not an XML Schema dateTimeStamp: {value!r}")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise Invalid(f"{what} is not a valid date-time: {value!r}") from None


def jcs_sha256(value: Any) -> bytes:
    try:
        return hashlib.sha256(rfc8785.dumps(value)).digest()
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise Invalid(f"cannot canonicalise: {exc}") from None


# -- VC Data Model 2.0 basic structure (§4) ------------------------------------------------------


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value) is not None


def issuer_id(credential: dict[str, Any]) -> str:
    issuer = credential.get("issuer")
    found = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not _is_url(found):
        raise Invalid("issuer must be a URL or an object whose id is a URL (VC 2.0 §4.7)")
    return str(found)


def check_structure(credential: Any, *, required_type: str = "VerifiableCredential") -> None:
    if not isinstance(credential, dict):
        raise Invalid("a credential is a JSON object")
    contexts = credential.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != VC_V2:
        raise Invalid(f"@context must be a list starting with {VC_V2} (VC 2.0 §4.3)")
    if not all(isinstance(c, str | dict) for c in contexts):
        raise Invalid("@context entries must be URLs or objects")
    types = credential.get("type")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise Invalid("type must be a list of strings (VC 2.0 §4.5)")
    for needed in ("VerifiableCredential", required_type):
        if needed not in types:
            raise Invalid(f"type must include {needed}")
    if "id" in credential and not _is_url(credential["id"]):
        raise Invalid("id must be a URL (VC 2.0 §4.4)")
    issuer_id(credential)
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise Invalid("credentialSubject must be a non-empty object or list of them (§4.8)")
    for key in ("validFrom", "validUntil"):
        if key in credential:
            moment(credential[key], key)
    status = credential.get("credentialStatus", [])
    for entry in status if isinstance(status, list) else [status]:
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise Invalid("each credentialStatus entry is an object with a type (§4.10)")


def check_validity_period(credential: dict[str, Any], now: datetime) -> None:
    if "validFrom" in credential and now < moment(credential["validFrom"], "validFrom"):
        raise Invalid(f"not yet valid: validFrom is {credential['validFrom']}")
    if "validUntil" in credential and now >= moment(credential["validUntil"], "validUntil"):
        raise Invalid(f"expired: validUntil was {credential['validUntil']}")


# -- Controlled identifier document: resolve the verification method ----------------------------


def resolve_method(did_document: Any, method_id: str, created: datetime) -> bytes:
    """The Ed25519 public key of ``method_id``, if it may assert at ``created``."""
    if not isinstance(did_document, dict) or not isinstance(did_document.get("id"), str):
        raise Invalid("the DID document must be an object with an id")
    controller = did_document["id"]
    if method_id.split("#", 1)[0] != controller:
        raise Invalid(f"{method_id} is not a key of {controller}")
    methods = did_document.get("verificationMethod", [])
    found = [m for m in methods if isinstance(m, dict) and m.get("id") == method_id]
    if len(found) != 1:
        raise Invalid(f"the DID document lists {len(found)} methods with id {method_id}")
    method = found[0]
    relation = did_document.get("assertionMethod", [])
    if not isinstance(relation, list) or (method_id not in relation and method not in relation):
        raise Invalid(f"{method_id} is not authorised for assertionMethod")
    if method.get("type") != "Multikey" or method.get("controller") != controller:
        raise Invalid(f"{method_id} must be a Multikey controlled by {controller}")
    if "expires" in method and created >= moment(method["expires"], "expires"):
        raise Invalid(f"key {method_id} retired (expires {method['expires']}) before the proof")
    if "revoked" in method and created >= moment(method["revoked"], "revoked"):
        raise Invalid(f"key {method_id} was revoked ({method['revoked']}) before the proof")
    value = method.get("publicKeyMultibase")
    if not isinstance(value, str) or not value.startswith("z"):
        raise Invalid("publicKeyMultibase must be base58btc ('z')")
    raw = multibase_decode(value)
    if raw[:2] != ED25519_PUB_MULTICODEC or len(raw) != 34:
        raise Invalid("publicKeyMultibase is not an Ed25519 public key (0xed01 + 32 bytes)")
    return raw[2:]


# -- Data Integrity eddsa-jcs-2022 (§3.3) --------------------------------------------------------


def verify_proof(secured: Any, did_document: Any) -> dict[str, Any]:
    """Verify the single ``eddsa-jcs-2022`` proof of ``secured``; returns its proof options."""
    if not isinstance(secured, dict) or not isinstance(secured.get("proof"), dict):
        raise Invalid("the document must have exactly one proof object")
    proof = secured["proof"]
    # Data Integrity §4.3 / eddsa §3.3.2 step 1-3: split the document, options and proof bytes.
    if proof.get("type") != "DataIntegrityProof":
        raise Invalid("proof type must be DataIntegrityProof")
    if proof.get("cryptosuite") != "eddsa-jcs-2022":
        raise Invalid("cryptosuite must be eddsa-jcs-2022")
    if proof.get("proofPurpose") != "assertionMethod":
        raise Invalid("proofPurpose must be assertionMethod")
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        raise Invalid("proofValue must be a base58btc multibase string")
    signature = multibase_decode(proof_value)
    if len(signature) != 64:
        raise Invalid(f"proofValue holds {len(signature)} bytes, not a 64-byte signature")
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    # Step 4: the spec lets the document's @context start with the proof's and then hashes the
    # proof's; contexts the signature does not cover are refused here (fail closed).
    if "@context" in options and options["@context"] != unsecured.get("@context"):
        raise Invalid("the proof's @context differs from the document's")
    # §3.3.6 proof configuration: created must be a dateTime; @context is the document's.
    created = moment(options.get("created"), "proof.created")
    method_id = options.get("verificationMethod")
    if not isinstance(method_id, str):
        raise Invalid("the proof has no verificationMethod")
    public_key = resolve_method(did_document, method_id, created)
    # §3.3.4-3.3.5 transformation and hashing: SHA-256(JCS(config)) || SHA-256(JCS(document)).
    hash_data = jcs_sha256(options) + jcs_sha256(unsecured)
    # §3.3.7 verification: Ed25519 over hashData.
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, hash_data)
    except InvalidSignature:
        raise Invalid("signature does not verify: the document was altered") from None
    return options


# -- Bitstring Status List v1.0 -----------------------------------------------------------------


def status_bit(status_list: dict[str, Any], index: int) -> int:
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise Invalid("the status list's subject must be a BitstringStatusList")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise Invalid("encodedList must be multibase base64url ('u')")
    compressed = multibase_decode(encoded)
    if compressed[:2] != b"\x1f\x8b":
        raise Invalid("encodedList is not GZIP data")
    try:
        bits = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as exc:
        raise Invalid(f"encodedList does not decompress: {exc}") from None
    if len(bits) * 8 < MIN_STATUS_LIST_BITS:
        raise Invalid(f"the status list has {len(bits) * 8} entries, below the minimum")
    if not 0 <= index < len(bits) * 8:
        raise Invalid(f"statusListIndex {index} is outside the list")
    # §4: index 0 is the left-most (most significant) bit of the first byte.
    return (bits[index // 8] >> (7 - index % 8)) & 1


def check_status(
    entry: dict[str, Any],
    status_lists: list[dict[str, Any]],
    did_document: Any,
    issuer: str,
    now: datetime,
) -> None:
    """Bitstring Status List §3.2, for one BitstringStatusListEntry."""
    if entry.get("type") != "BitstringStatusListEntry":
        raise Invalid(f"unsupported credentialStatus type {entry.get('type')!r}")
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    index_text = entry.get("statusListIndex")
    if not isinstance(index_text, str) or not re.fullmatch(r"0|[1-9]\d*", index_text):
        raise Invalid("statusListIndex must be a string holding a non-negative integer")
    if entry.get("statusSize", 1) != 1:
        raise Invalid("only statusSize 1 is supported")
    matching = [s for s in status_lists if isinstance(s, dict) and s.get("id") == url]
    if len(matching) != 1:
        raise Invalid(f"no status list credential {url} was given (fail closed)")
    status_list = matching[0]
    check_structure(status_list, required_type="BitstringStatusListCredential")
    if issuer_id(status_list) != issuer:
        raise Invalid("the status list was issued by someone else")
    verify_proof(status_list, did_document)
    check_validity_period(status_list, now)
    if status_list["credentialSubject"].get("statusPurpose") != purpose:
        raise Invalid(f"the status list is not a {purpose} list")
    if status_bit(status_list, int(index_text)):
        raise Invalid("revoked" if purpose == "revocation" else f"status {purpose}: suspended")


# -- the whole check ------------------------------------------------------------------------------


def verify(
    credential: Any,
    did_document: Any,
    status_lists: list[dict[str, Any]],
    *,
    now: datetime | None = None,
) -> None:
    """Raise ``Invalid`` (a ``ValueError``) unless ``credential`` is valid at ``now``."""
    at = now or datetime.now(UTC)
    try:
        check_structure(credential)
        issuer = issuer_id(credential)
        if did_document.get("id") != issuer:
            raise Invalid(f"the DID document is not the issuer's ({issuer})")
        options = verify_proof(credential, did_document)
        if not options["verificationMethod"].startswith(issuer + "#"):
            raise Invalid("the signing key is not the issuer's")
        check_validity_period(credential, at)
        entries = credential.get("credentialStatus", [])
        for entry in entries if isinstance(entries, list) else [entries]:
            check_status(entry, status_lists, did_document, issuer, at)
    except (KeyError, TypeError, AttributeError) as exc:  # malformed input is invalid input
        raise Invalid(f"malformed credential: {exc!r}") from None
