"""Bitstring Status List v1.0: the compressed bit list that says which credentials are revoked.

Bit ``i`` is the ``i``-th bit from the left of the uncompressed list (most significant bit of
the first byte is index 0). The list is GZIP-compressed and written as base64url multibase
(``u…``); it has at least 131,072 entries so that a list reveals little about any one holder.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable

import numpy as np

from soai.crypto.multibase import MultibaseError, decode, encode_base64url

MIN_SIZE = 131_072
PURPOSES = ("revocation", "suspension")


class StatusListError(ValueError):
    """An encoded list that cannot be read."""


def encode_list(set_indexes: Iterable[int], size: int = MIN_SIZE) -> str:
    """The ``encodedList`` of a list of ``size`` bits where ``set_indexes`` are 1."""
    if size < MIN_SIZE or size % 8:
        raise StatusListError(f"a status list has at least {MIN_SIZE} bits, in whole bytes")
    bits = np.zeros(size, dtype=np.uint8)
    indexes = np.fromiter(set_indexes, dtype=np.int64)
    if indexes.size:
        if indexes.min() < 0 or indexes.max() >= size:
            raise StatusListError(f"status index outside 0..{size - 1}")
        bits[indexes] = 1
    packed = np.packbits(bits, bitorder="big").tobytes()
    return encode_base64url(gzip.compress(packed, compresslevel=9, mtime=0))


def decode_list(encoded: str) -> bytes:
    """The uncompressed bytes of an ``encodedList``."""
    if not encoded.startswith("u"):
        raise StatusListError("encodedList must be base64url multibase ('u…')")
    try:
        raw = gzip.decompress(decode(encoded))
    except (MultibaseError, OSError, EOFError) as exc:
        raise StatusListError(f"encodedList is not GZIP data in base64url: {exc}") from None
    if len(raw) * 8 < MIN_SIZE:
        raise StatusListError(f"the list has {len(raw) * 8} entries, fewer than {MIN_SIZE}")
    return raw


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list (0..{len(bits) * 8 - 1})")
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))
