"""The keyring of an instance: where it lives and how it is opened with the instance settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from soai.crypto import did
from soai.crypto.keyring import KeyInfo, Keyring, open_keyring
from soai.settings import Settings

KEYS_DIR = "keys"


def keyring(settings: Settings) -> Keyring:
    """The instance's keyring (errors say what is missing; nothing is created here)."""
    return open_keyring(settings.home / KEYS_DIR, settings.signing_passphrase())


def public_keys(settings: Settings) -> list[KeyInfo]:
    """Every key's public facts, read without the passphrase (verifying needs no secret)."""
    return Keyring(settings.home / KEYS_DIR, b"").keys


def has_keyring(settings: Settings) -> bool:
    return (settings.home / KEYS_DIR / "keyring.json").is_file()


def create_keyring(settings: Settings) -> KeyInfo:
    """Make the instance's first signing key (refused when a keyring exists)."""
    return Keyring.create(settings.home / KEYS_DIR, settings.signing_passphrase()).active


def rotate(settings: Settings, *, now: datetime | None = None) -> KeyInfo:
    return keyring(settings).rotate(now=now or datetime.now(UTC))


def did_document(settings: Settings, issuer_did: str) -> dict[str, Any]:
    return did.document(issuer_did, public_keys(settings))
