"""Seat keys: every member signs with an Ed25519 key, stored only encrypted (PKCS#8 with the
best available encryption): an AI agent's with the instance's signing passphrase, a human's
with their own portal password, or not at all when they keep their own key file."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from soai.errors import InvalidInput
from soai.i18n.markers import N_


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_hex(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def encrypt(key: Ed25519PrivateKey, secret: bytes) -> str:
    """The key as encrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    ).decode()


def decrypt(pem: str, secret: bytes) -> Ed25519PrivateKey:
    """The key, or a clear error when the secret (passphrase or password) is wrong."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=secret)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            N_("The key could not be unlocked: the password is wrong."), field="password"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(N_("The key is not an Ed25519 key."), field="key")
    return key


def load_key_file(data: bytes, password: bytes | None) -> Ed25519PrivateKey:
    """A member's own key file: PEM PKCS#8, encrypted or not."""
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            N_("The key file cannot be read: {reason}"), field="key", reason=str(exc)
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(N_("The key is not an Ed25519 key."), field="key")
    return key
