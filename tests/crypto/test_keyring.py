"""The keyring: encrypted at rest, clear errors, rotation that keeps old signatures valid."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from soai.crypto import did
from soai.crypto.keyring import Keyring, KeyringError, open_keyring

PASS = b"a long enough passphrase"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    Keyring.create(tmp_path / "keys", PASS, now=T0)
    return tmp_path / "keys"


def test_private_key_is_encrypted_and_private(keys: Path) -> None:
    keyring = Keyring(keys, PASS)
    pem = (keys / f"{keyring.active.kid}.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert (keys / f"{keyring.active.kid}.pem").stat().st_mode & 0o777 == 0o600
    signer = keyring.signer()
    signature = signer.sign(b"hello")
    assert keyring.active.verify(signature, b"hello")
    assert not keyring.active.verify(signature, b"hellO")


def test_wrong_passphrase_is_a_clear_error_and_no_key_is_made(keys: Path) -> None:
    before = sorted(p.name for p in keys.iterdir())
    with pytest.raises(KeyringError) as caught:
        Keyring(keys, b"not the passphrase").signer()
    assert "passphrase (SOAI_KEY_PASSPHRASE) is wrong" in caught.value.render()
    assert sorted(p.name for p in keys.iterdir()) == before


def test_missing_key_file_is_named(keys: Path) -> None:
    keyring = Keyring(keys, PASS)
    (keys / f"{keyring.active.kid}.pem").unlink()
    with pytest.raises(KeyringError, match=r"\.pem is missing"):
        Keyring(keys, PASS).signer()


def test_corrupt_key_file_and_index_are_reported(keys: Path) -> None:
    keyring = Keyring(keys, PASS)
    (keys / f"{keyring.active.kid}.pem").write_bytes(b"-----BEGIN garbage")
    with pytest.raises(KeyringError, match="wrong or the file is damaged"):
        Keyring(keys, PASS).signer()
    (keys / "keyring.json").write_text("{not json")
    with pytest.raises(KeyringError, match="is damaged"):
        Keyring(keys, PASS)


def test_a_key_file_swapped_for_another_key_is_refused(keys: Path, tmp_path: Path) -> None:
    other = Keyring.create(tmp_path / "other", PASS, now=T0)
    mine = Keyring(keys, PASS).active.kid
    (keys / f"{mine}.pem").write_bytes(
        (tmp_path / "other" / f"{other.active.kid}.pem").read_bytes()
    )
    with pytest.raises(KeyringError, match="does not hold the key listed"):
        Keyring(keys, PASS).signer()


def test_no_keyring_means_an_error_not_a_new_key(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="soai keys init"):
        Keyring(tmp_path / "nothing", PASS)
    assert not (tmp_path / "nothing").exists()


def test_creating_twice_is_refused(keys: Path) -> None:
    with pytest.raises(KeyringError, match="already exists"):
        Keyring.create(keys, PASS)


def test_rotation_retires_the_old_key_which_stays_valid_for_its_past(keys: Path) -> None:
    keyring = Keyring(keys, PASS)
    old = keyring.active
    old_signature = keyring.signer().sign(b"decision 1")
    new = keyring.rotate(now=T0 + timedelta(days=30))
    assert keyring.active == new and new.kid != old.kid
    reopened = Keyring(keys, PASS)
    retired = reopened.get(old.kid)
    assert retired.retired == T0 + timedelta(days=30)
    assert retired.valid_at(T0 + timedelta(days=1))
    assert not retired.valid_at(T0 + timedelta(days=31))
    assert retired.verify(old_signature, b"decision 1")
    assert reopened.signer().kid == new.kid
    document = did.document("did:web:aisafety.mptc.gov.kh", reopened.keys)
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert methods[f"did:web:aisafety.mptc.gov.kh#{old.kid}"]["expires"] == "2026-03-31T09:00:00Z"
    assert "expires" not in methods[f"did:web:aisafety.mptc.gov.kh#{new.kid}"]
    assert document["assertionMethod"] == list(methods)


def test_rotation_with_a_wrong_passphrase_changes_nothing(keys: Path) -> None:
    index = (keys / "keyring.json").read_text()
    with pytest.raises(KeyringError):
        Keyring(keys, b"wrong").rotate()
    assert (keys / "keyring.json").read_text() == index
    assert len(list(keys.glob("*.pem"))) == 1


def test_open_keyring_is_cached_until_the_index_changes(keys: Path) -> None:
    first = open_keyring(keys, PASS)
    assert open_keyring(keys, PASS) is first
    data = json.loads((keys / "keyring.json").read_text())
    assert data["version"] == 1
    first.rotate()
    assert open_keyring(keys, PASS).active.kid == first.active.kid


def test_find_method_checks_purpose_type_and_controller(keys: Path) -> None:
    keyring = Keyring(keys, PASS)
    issuer = "did:web:aisafety.mptc.gov.kh"
    document = did.document(issuer, keyring.keys)
    method = did.find_method(document, f"{issuer}#{keyring.active.kid}")
    assert method.public_key == keyring.active.public_key and method.expires is None
    with pytest.raises(did.DidDocumentError, match="has no key"):
        did.find_method(document, f"{issuer}#nope")
    with pytest.raises(did.DidDocumentError, match="does not belong"):
        did.find_method(document, f"did:web:evil.example#{keyring.active.kid}")
    document["assertionMethod"] = []
    with pytest.raises(did.DidDocumentError, match="not listed for assertionMethod"):
        did.find_method(document, f"{issuer}#{keyring.active.kid}")
