"""Multibase (base58btc ``z…``, base64url ``u…``) and Multikey encodings of Ed25519 keys.

Data Integrity proofs carry signatures as base58btc multibase strings; DID documents carry
Ed25519 public keys as Multikey (multicodec ``0xed01`` + 32 bytes, base58btc); Bitstring
Status Lists carry their bits GZIP-compressed as base64url multibase.
"""

from __future__ import annotations

import base64
import binascii
import re

import gmpy2

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Base conversion is GMP's (gmpy2): its base-58 digits are 0-9A-Za-v, mapped to base58btc's.
_GMP_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
# Byte tables: bytes.translate is about twice as quick as str.translate here.
_TO_BASE58 = bytes.maketrans(_GMP_DIGITS.encode(), ALPHABET.encode())
_FROM_BASE58 = bytes.maketrans(ALPHABET.encode(), _GMP_DIGITS.encode())
_BASE58 = re.compile("[1-9A-HJ-NP-Za-km-z]*")

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


class MultibaseError(ValueError):
    """Text that is not the multibase or multikey value it claims to be."""


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = gmpy2.mpz.from_bytes(data, "big")
    digits = number.digits(58).encode().translate(_TO_BASE58).decode() if number else ""
    return "1" * zeros + digits


def b58decode(text: str) -> bytes:
    if not _BASE58.fullmatch(text):
        bad = next(ch for ch in text if ch not in ALPHABET)
        raise MultibaseError(f"{bad!r} is not a base58btc character")
    body = text.lstrip("1")
    zeros = len(text) - len(body)
    if not body:
        return b"\0" * zeros
    number = gmpy2.mpz(body.encode("ascii").translate(_FROM_BASE58).decode("ascii"), 58)
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def encode_base58btc(data: bytes) -> str:
    return "z" + b58encode(data)


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(text: str) -> bytes:
    """Decode a multibase string (``z`` base58btc or ``u`` base64url, no padding)."""
    if not text:
        raise MultibaseError("empty multibase value")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        try:
            return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MultibaseError(f"not base64url: {exc}") from None
    raise MultibaseError(f"unsupported multibase prefix {prefix!r} (expected 'z' or 'u')")


def public_multikey(public_key: bytes) -> str:
    """An Ed25519 public key as a Multikey ``publicKeyMultibase`` (``z6Mk…``)."""
    if len(public_key) != 32:
        raise MultibaseError("an Ed25519 public key has 32 bytes")
    return encode_base58btc(ED25519_PUB + public_key)


def public_key_from_multikey(text: str) -> bytes:
    raw = decode(text)
    if not text.startswith("z") or raw[:2] != ED25519_PUB or len(raw) != 34:
        raise MultibaseError("not an Ed25519 Multikey (expected base58btc 'z6Mk…')")
    return raw[2:]


def private_key_from_multikey(text: str) -> bytes:
    raw = decode(text)
    if raw[:2] != ED25519_PRIV or len(raw) != 34:
        raise MultibaseError("not an Ed25519 private Multikey")
    return raw[2:]
