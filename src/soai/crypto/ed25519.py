"""Ed25519 signing for hot loops, through libsodium (PyNaCl).

Ed25519 signatures are deterministic (RFC 8032 §5.1.6): one key and one message give one
signature, whichever library computes it. libsodium signs in about 17 µs on the reference
machine where ``cryptography`` (OpenSSL) takes about 29 µs, so bulk credential issuance signs
with it; keys stay in the keyring (``cryptography``, encrypted PKCS#8) and every verifier keeps
using ``cryptography``. ``tests/crypto/test_ed25519.py`` checks that both libraries give the
same bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

SEED_BYTES = 32


def signer(seed: bytes) -> Callable[[bytes], bytes]:
    """A function that signs a message with the Ed25519 key of this 32-byte seed (RFC 8032's
    private key), returning the 64-byte signature."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"an Ed25519 private key is {SEED_BYTES} bytes, not {len(seed)}")
    secret = crypto_sign_seed_keypair(seed)[1]

    def sign(message: bytes) -> bytes:
        return crypto_sign(message, secret)[:64]

    return sign
