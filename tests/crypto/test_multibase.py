"""Multibase and Multikey encodings round-trip and match published examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soai.crypto import multibase

# From the W3C Data Integrity EdDSA test vectors (TestVectors/keyPair.json, vc-di-eddsa).
PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
PRIVATE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


@given(st.binary(max_size=100))
def test_base58btc_round_trips_with_leading_zeros(data: bytes) -> None:
    assert multibase.decode(multibase.encode_base58btc(data)) == data
    assert multibase.decode(multibase.encode_base58btc(b"\0\0" + data)) == b"\0\0" + data


@given(st.binary(max_size=100))
def test_base64url_round_trips_without_padding(data: bytes) -> None:
    text = multibase.encode_base64url(data)
    assert text.startswith("u") and "=" not in text
    assert multibase.decode(text) == data


def test_the_published_key_pair_decodes_to_a_matching_ed25519_pair() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.from_private_bytes(multibase.private_key_from_multikey(PRIVATE))
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert multibase.public_multikey(public) == PUBLIC
    assert multibase.public_key_from_multikey(PUBLIC) == public


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("m3q", "prefix"),
        ("z0OIl", "not a base58btc character"),
        ("u!!", "base64url"),
    ],
)
def test_bad_multibase_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(multibase.MultibaseError, match=reason):
        multibase.decode(text)


def test_a_public_key_must_be_an_ed25519_multikey() -> None:
    with pytest.raises(multibase.MultibaseError, match="Ed25519 Multikey"):
        multibase.public_key_from_multikey(multibase.encode_base58btc(b"\x12\x00" + bytes(32)))
