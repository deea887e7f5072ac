"""JSON Canonicalization Scheme (RFC 8785).

``canonicalize`` turns a JSON value into the one byte string every implementation agrees on:
object members sorted by the UTF-16 code units of their names, no insignificant white space,
strings escaped minimally (RFC 8785 §3.2.2.2), numbers written as ECMAScript writes them
(§3.2.2.3). Most documents soai signs hold only strings, integers, booleans and nulls; for
those ``orjson`` with sorted keys already writes the canonical form (its string escapes are
JCS's, and for keys inside the Basic Multilingual Plane UTF-8 order is UTF-16 order), which is
the fast path: about 15 times quicker than the standard ``json`` encoder, and most of the
cost of verifying a credential besides Ed25519. Anything else (floats, keys outside the Basic
Multilingual Plane) takes the full path. Both are property-tested against the reference
``rfc8785`` package.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

_FAST_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalizationError(ValueError):
    """The value cannot be expressed in canonical JSON (NaN, infinity, huge integer, bad type)."""


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``."""
    if _fast_path_ok(value):
        try:
            data = orjson.dumps(value, option=_FAST_OPTIONS)
        except TypeError:  # a lone surrogate: the full path names the problem
            data = None
        # Keys outside the Basic Multilingual Plane sort differently in UTF-16: only then
        # (a 4-byte UTF-8 sequence somewhere, rare) are the keys looked at.
        if data is not None and (
            data.isascii() or not _ASTRAL_UTF8.search(data) or _keys_in_bmp(value)
        ):
            return data
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CanonicalizationError(f"string is not valid Unicode: {exc.reason}") from exc


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ASTRAL_UTF8 = re.compile(b"[\xf0-\xf4]")  # the lead byte of every 4-byte UTF-8 sequence


def _fast_path_ok(value: Any) -> bool:
    """True when ``json`` would produce the canonical form, keys' sort order aside.

    That holds unless the value has a float, an integer beyond ±2^53, a non-string key or a
    non-JSON type. Only containers are pushed on the stack; scalars are checked in place
    (this runs on every credential verified).
    """
    if type(value) not in (dict, list, tuple):
        return _scalar_ok(value)
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if type(item) is dict:
            for key in item:
                if type(key) is not str:
                    return False
            children = item.values()
        else:
            children = item
        for child in children:
            kind = type(child)
            if kind is str or child is None or kind is bool:
                continue
            if kind is dict or kind is list or kind is tuple:
                push(child)
            elif not _scalar_ok(child):
                return False
    return True


def _keys_in_bmp(value: Any) -> bool:
    """True when no object key has a character outside the Basic Multilingual Plane."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if _ASTRAL.search(key):
                    return False
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True


def _scalar_ok(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    return kind is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def _utf16_key(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalizationError(
                f"integer {value} is outside the IEEE 754 safe range (RFC 8785 §3.2.2.3)"
            )
        out.append(str(value))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, dict):
        out.append("{")
        keys = list(value)
        for key in keys:
            if not isinstance(key, str):
                raise CanonicalizationError(f"object key {key!r} is not a string")
        for index, key in enumerate(sorted(keys, key=_utf16_key)):
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalizationError(f"{type(value).__name__} is not a JSON type")


def number(value: float) -> str:
    """A double as ECMAScript's Number.prototype.toString writes it (ECMA-262 7.1.12.1)."""
    if math.isnan(value) or math.isinf(value):
        raise CanonicalizationError("NaN and Infinity are not allowed in JSON (RFC 8785 §3.2.2.3)")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest round-tripping digits; re-lay them out the ECMAScript way.
    digits, exponent = _shortest(abs(value))
    k = len(digits)
    n = exponent + k  # the decimal point sits after n digits
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _shortest(value: float) -> tuple[str, int]:
    """Shortest digits ``d`` and exponent ``e`` with value == int(d) * 10**e."""
    text = repr(value)
    mantissa, _, exp = text.partition("e")
    exponent = int(exp) if exp else 0
    whole, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits = (whole + fraction).lstrip("0")
    exponent -= len(fraction)
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    return stripped or "0", exponent


_encode_string = json.encoder.encode_basestring


class CanonicalTemplate:
    """The canonical form of a document whose string values at some places vary.

    Build the document once with a distinct placeholder string in each varying place, then
    ``render`` the canonical bytes for any values without re-canonicalising the whole
    document: object keys do not move when string values change, so only the values are
    escaped and spliced in. Used on hot paths (bulk issuance); property-tested against the
    full canonicalisation.
    """

    def __init__(self, value: Any, slots: list[str]) -> None:
        text = canonicalize(value).decode("utf-8")
        self.slots = list(slots)
        pieces: list[str] = []
        order: list[int] = []
        positions = []
        for index, slot in enumerate(slots):
            token = _encode_string(slot)
            count = text.count(token)
            if count != 1:
                raise CanonicalizationError(f"placeholder {slot!r} occurs {count} times, not once")
            positions.append((text.index(token), index, token))
        cursor = 0
        for start, index, token in sorted(positions):
            pieces.append(text[cursor:start])
            order.append(index)
            cursor = start + len(token)
        pieces.append(text[cursor:])
        self._pieces = pieces
        self._order = order

    def render(self, values: list[str | int]) -> bytes:
        """Canonical bytes with ``values[i]`` in the place of ``slots[i]``.

        A string value is written as a JSON string; an integer (within ±2^53) as a number.
        """
        pieces = self._pieces
        out = [pieces[0]]
        for position, index in enumerate(self._order, 1):
            value = values[index]
            if isinstance(value, str):
                out.append(_encode_string(value))
            elif type(value) is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                out.append(str(value))
            else:
                raise CanonicalizationError(f"{value!r} cannot fill a template slot")
            out.append(pieces[position])
        return "".join(out).encode("utf-8")
