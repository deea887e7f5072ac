"""Interoperability: soai's credentials verify with an independent verifier, and the W3C test
vector verifies with soai; changing any single field of a credential breaks both verifiers."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session, sessionmaker

from soai.credentials import proof as suite
from soai.credentials.verify import CredentialVerificationError
from soai.credentials.verify import verify as soai_verify
from soai.crypto.did import find_method
from soai.crypto.multibase import private_key_from_multikey, public_multikey
from soai.settings import Settings
from tests.credentials import factories
from tests.credentials import independent_verifier as independent

VECTOR = json.loads(
    (Path(__file__).parent / "vectors" / "eddsa-jcs-2022-signed.json").read_text(encoding="utf-8")
)
VECTOR_CONTROLLER = "https://vc.example/issuers/5678"
VECTOR_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
# The test key pair published with the vector (W3C vc-di-eddsa, "Representation: eddsa-jcs-2022").
VECTOR_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
VECTOR_METHOD = f"{VECTOR_CONTROLLER}#{VECTOR_KEY}"
VECTOR_DID = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": VECTOR_CONTROLLER,
    "verificationMethod": [
        {
            "id": VECTOR_METHOD,
            "type": "Multikey",
            "controller": VECTOR_CONTROLLER,
            "publicKeyMultibase": VECTOR_KEY,
        }
    ],
    "assertionMethod": [VECTOR_METHOD],
}


def soai_proof_layer(secured: dict[str, Any], did_document: dict[str, Any]) -> None:
    """soai's eddsa-jcs-2022 layer alone: split, resolve the key, hash, Ed25519-verify."""
    document, config, signature = suite.split(secured)
    method = find_method(did_document, config["verificationMethod"])
    Ed25519PublicKey.from_public_bytes(method.public_key).verify(
        signature, suite.hash_data(config, document)
    )


# -- the W3C test vector ---------------------------------------------------------------------


def test_w3c_vector_verifies_with_both_proof_layers() -> None:
    assert independent.verify_proof(VECTOR, VECTOR_DID)["verificationMethod"] == VECTOR_METHOD
    independent.verify(VECTOR, VECTOR_DID, [])  # no status, no validUntil: fully valid
    soai_proof_layer(VECTOR, VECTOR_DID)


def test_soai_signs_the_vector_byte_for_byte() -> None:
    """Ed25519 is deterministic: soai's signer must reproduce the published proofValue."""
    key = Ed25519PrivateKey.from_private_bytes(private_key_from_multikey(VECTOR_SECRET))
    unsigned = {k: v for k, v in VECTOR.items() if k != "proof"}
    signed = suite.sign(
        unsigned,
        sign_bytes=key.sign,
        method=VECTOR_METHOD,
        created=VECTOR["proof"]["created"],
    )
    assert signed == VECTOR


def test_w3c_vector_altered_fails_both_proof_layers() -> None:
    for path, value in [(("name",), "Forged"), (("credentialSubject", "alumniOf"), "Elsewhere")]:
        forged = copy.deepcopy(VECTOR)
        forged[path[0]] = value if len(path) == 1 else {**forged[path[0]], path[1]: value}
        with pytest.raises(ValueError, match="altered"):
            independent.verify_proof(forged, VECTOR_DID)
        with pytest.raises(InvalidSignature):
            soai_proof_layer(forged, VECTOR_DID)


# -- soai's credentials, independently verified ------------------------------------------------


def both_accept(credential: dict[str, Any], did: dict[str, Any], lists: list[Any]) -> None:
    independent.verify(credential, did, lists)
    soai_verify(credential, did_document=did, status_lists=lists)


def test_issued_credentials_verify_independently(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    single = factories.issue(instance, sessions, "One@Example.org")
    batch = factories.issue_many(
        instance,
        sessions,
        [f"holder{i}@example.org" for i in range(5)],
        achievement="ceasai-expert",
    )
    did = factories.did_document(instance)
    lists = factories.status_lists(instance, sessions)
    for credential in [single, *batch]:
        both_accept(credential, did, lists)
    for status_list in lists:  # the status lists themselves are valid credentials
        independent.check_structure(status_list, required_type="BitstringStatusListCredential")
        independent.verify_proof(status_list, did)


# -- tampering ---------------------------------------------------------------------------------


def _changed(leaf: Any) -> Any:
    if isinstance(leaf, bool):
        return not leaf
    if isinstance(leaf, int | float):
        return leaf + 1
    if isinstance(leaf, str):
        return leaf[:-1] + ("A" if leaf[-1:] != "A" else "B") if leaf else "x"
    return "x"


def variants(node: Any) -> Iterator[tuple[str, Any]]:
    """Every version of ``node`` with exactly one change: each leaf changed or nulled, each key
    deleted or renamed, a key added to each object (lists: each element changed in place)."""
    if isinstance(node, dict):
        yield "+key", {**node, "tampered": "x"}
        for key, child in node.items():
            yield f"-{key}", {k: v for k, v in node.items() if k != key}
            yield f"{key}->{key}_", {(f"{k}_" if k == key else k): v for k, v in node.items()}
            for label, new in variants(child):
                yield f"{key}.{label}", {**node, key: new}
    elif isinstance(node, list):
        for i, child in enumerate(node):
            for label, new in variants(child):
                yield f"[{i}].{label}", [*node[:i], new, *node[i + 1 :]]
    else:
        yield f"={_changed(node)!r}", _changed(node)
    if node is not None:
        yield "=null", None


def survivors(
    credential: dict[str, Any], did: dict[str, Any], lists: list[Any]
) -> tuple[int, list[str]]:
    """How many mutations of ``credential`` were tried, and those a verifier failed to reject
    (a crash with any other exception type fails the test outright)."""
    missed: list[str] = []
    tried = 0
    for label, forged in variants(credential):
        if forged is None or forged == credential:
            continue
        tried += 1
        try:
            soai_verify(forged, did_document=did, status_lists=lists)
            missed.append(f"soai accepted {label}")
        except CredentialVerificationError:
            pass
        try:
            independent.verify(forged, did, lists)
            missed.append(f"independent accepted {label}")
        except (ValueError, AssertionError):
            pass
    return tried, missed


def test_any_single_change_to_an_issued_credential_fails_both_verifiers(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, sessions, "tamper@example.org")
    did = factories.did_document(instance)
    lists = factories.status_lists(instance, sessions)
    both_accept(credential, did, lists)
    tried, missed = survivors(credential, did, lists)
    assert missed == []
    # Every key and leaf of the credential (proof included) was tried several ways.
    assert tried >= 190, tried


def test_forged_status_list_or_did_document_fails_both_verifiers(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, sessions, "revoked@example.org")
    factories.change_status(sessions, "revoke", credential["id"], "fraud")
    did = factories.did_document(instance)
    lists = factories.status_lists(instance, sessions)
    unrevoked = copy.deepcopy(lists)
    unrevoked[0]["credentialSubject"]["encodedList"] = lists[1]["credentialSubject"]["encodedList"]
    for forged_lists in (unrevoked, [lists[1]]):  # altered list; revocation list withheld
        with pytest.raises(ValueError):
            independent.verify(credential, did, forged_lists)
    with pytest.raises(CredentialVerificationError, match="does not verify"):
        soai_verify(credential, did_document=did, status_lists=unrevoked)
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    swapped = copy.deepcopy(did)
    swapped["verificationMethod"][0]["publicKeyMultibase"] = public_multikey(other)
    with pytest.raises(ValueError, match="altered"):
        independent.verify_proof(credential, swapped)
    with pytest.raises(CredentialVerificationError, match="altered or forged"):
        soai_verify(credential, did_document=swapped, status_lists=[])
