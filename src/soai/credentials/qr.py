"""The verification link a certificate's QR code carries: the whole credential, compressed.

``https://<domain>/verify?c=<base64url(zlib(JCS(credential)))>`` — so scanning the code gives
anyone everything needed to verify (the credential itself), on the issuer's page or offline.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

import segno

from soai.crypto.jcs import canonicalize

MAX_PARAM = 8_192


class LinkError(ValueError):
    """A verification link whose credential cannot be read."""


def pack(credential: dict[str, Any]) -> str:
    packed = zlib.compress(canonicalize(credential), 9)
    return base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def unpack(param: str) -> dict[str, Any]:
    if len(param) > MAX_PARAM:
        raise LinkError("the link is too long to hold a credential")
    try:
        raw = base64.urlsafe_b64decode(param + "=" * (-len(param) % 4))
        text = zlib.decompressobj().decompress(raw, 64 * 1024)
        value = json.loads(text)
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise LinkError(f"the link does not hold a readable credential ({exc})") from None
    if not isinstance(value, dict):
        raise LinkError("the link does not hold a credential object")
    return value


def verification_url(domain: str, credential: dict[str, Any]) -> str:
    return f"https://{domain}/verify?c={pack(credential)}"


def qr_svg_data_uri(url: str) -> str:
    """An SVG QR code of ``url`` as a data URI (for the portal and for PDFs)."""
    code = segno.make(url, error="l", micro=False)
    return str(code.svg_data_uri(scale=2, border=2, dark="#000000"))
