"""Opaque secrets handed to browsers and API clients, and CSRF tokens.

Only SHA-256 digests of session ids and API tokens are stored, so a copy of the database
gives no one a way in. CSRF tokens are an HMAC of the browser's CSRF cookie under the
installation's secret (signed double-submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "soai_"  # noqa: S105 - a public prefix, not a secret


def new_opaque() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_token() -> tuple[str, str]:
    """A new API token and its short public prefix (shown in listings)."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def csrf_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: bytes, cookie: str | None, presented: str | None) -> bool:
    if not cookie or not presented:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), presented)
