"""libsodium's Ed25519 (the bulk signer) gives exactly the signatures of cryptography's."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.crypto import ed25519


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=300))
def test_property_libsodium_and_cryptography_sign_the_same_bytes(
    seed: bytes, message: bytes
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    signature = ed25519.signer(seed)(message)
    assert signature == key.sign(message)
    key.public_key().verify(signature, message)  # raises if it does not verify


def test_rfc_8032_test_vector_2() -> None:
    """RFC 8032 §7.1, TEST 2: a one-byte message."""
    seed = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
    signature = ed25519.signer(seed)(bytes.fromhex("72"))
    assert signature.hex() == (
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    )
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    assert (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
        == "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
    )


def test_a_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes, not 31"):
        ed25519.signer(bytes(31))
