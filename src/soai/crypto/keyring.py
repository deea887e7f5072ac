"""The instance's Ed25519 signing keys, kept in ``$SOAI_HOME/keys`` and encrypted at rest.

Layout: ``keyring.json`` lists every key (id, public key, creation and retirement times) and
each private key is a PKCS#8 PEM file encrypted with ``SOAI_KEY_PASSPHRASE``. Exactly one key
is active; rotation retires it (it stays valid for what it signed before its retirement) and
makes a new one. Keys are only ever created by an explicit ``soai init``, ``soai keys init`` or
``soai keys rotate``: a missing, damaged or undecryptable key is an error, never a reason to
make a new key.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from soai.crypto.multibase import public_key_from_multikey, public_multikey
from soai.errors import SoaiError
from soai.i18n.markers import N_

INDEX_FILE = "keyring.json"
FORMAT_VERSION = 1


class KeyringError(SoaiError):
    code = "keyring"
    status = 500
    hint = "Check SOAI_KEY_PASSPHRASE and the files in $SOAI_HOME/keys (see docs/trust.md)."


def _utc(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class KeyInfo:
    """The public facts of one key: what a verifier needs, no secret."""

    kid: str
    public_key: bytes
    created: datetime
    retired: datetime | None = None

    @property
    def multikey(self) -> str:
        return public_multikey(self.public_key)

    def valid_at(self, moment: datetime) -> bool:
        """Could this key sign at ``moment``? (After creation, before retirement.)"""
        return self.created <= moment and (self.retired is None or moment < self.retired)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "publicKeyMultibase": self.multikey,
            "created": _iso(self.created),
            "retired": _iso(self.retired) if self.retired else None,
        }


class Signer:
    """The active private key, ready to sign."""

    def __init__(self, info: KeyInfo, private: Ed25519PrivateKey) -> None:
        self.info = info
        self.kid = info.kid
        self.public_key = info.public_key
        self._private = private
        self.sign = private.sign  # bound method: no extra call layer on the hot path

    def private_bytes(self) -> bytes:
        """The raw 32-byte key, for signing workers of this instance (never stored)."""
        return self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )


def key_id(public_key: bytes, created: datetime) -> str:
    """A readable, unique key id: creation date and the start of the key's fingerprint."""
    return f"{created:%Y%m%d}-{hashlib.sha256(public_key).hexdigest()[:8]}"


class Keyring:
    """The keys in one ``keys/`` folder."""

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        self.directory = directory
        self._passphrase = passphrase
        self.keys = self._read_index()
        self._signer: Signer | None = None
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    def _read_index(self) -> list[KeyInfo]:
        index = self.directory / INDEX_FILE
        if not index.is_file():
            raise KeyringError(
                N_("No signing keys in {folder}: run `soai keys init` to create the first one."),
                folder=str(self.directory),
            )
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
            keys = [
                KeyInfo(
                    kid=str(entry["kid"]),
                    public_key=public_key_from_multikey(str(entry["publicKeyMultibase"])),
                    created=_utc(str(entry["created"])) or datetime.now(UTC),
                    retired=_utc(entry.get("retired")),
                )
                for entry in data["keys"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(
                N_("The key index {file} is damaged: {reason}"), file=str(index), reason=str(exc)
            ) from exc
        active = [k for k in keys if k.retired is None]
        if len(active) != 1:
            raise KeyringError(
                N_("The key index {file} must have exactly one active key, not {n}."),
                file=str(index),
                n=len(active),
            )
        return keys

    @property
    def active(self) -> KeyInfo:
        return next(k for k in self.keys if k.retired is None)

    def get(self, kid: str) -> KeyInfo:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise KeyringError(N_("No key {kid} in the keyring."), kid=kid)

    def signer(self) -> Signer:
        """The active key, decrypted once and kept for this process."""
        with self._lock:
            if self._signer is None or self._signer.kid != self.active.kid:
                self._signer = Signer(self.active, self._load_private(self.active))
            return self._signer

    def _load_private(self, info: KeyInfo) -> Ed25519PrivateKey:
        path = self.directory / f"{info.kid}.pem"
        if not path.is_file():
            raise KeyringError(N_("The signing key file {file} is missing."), file=str(path))
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), self._passphrase)
        except (ValueError, TypeError) as exc:
            raise KeyringError(
                N_(
                    "Cannot decrypt {file}: the passphrase (SOAI_KEY_PASSPHRASE) is wrong or the "
                    "file is damaged."
                ),
                file=str(path),
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyringError(N_("{file} is not an Ed25519 key."), file=str(path))
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        if public != info.public_key:
            raise KeyringError(
                N_("{file} does not hold the key listed in {index}."),
                file=str(path),
                index=str(self.directory / INDEX_FILE),
            )
        return key

    # -- changing --------------------------------------------------------------------------
    @classmethod
    def create(cls, directory: Path, passphrase: bytes, *, now: datetime | None = None) -> Keyring:
        """Make the first key of a new keyring (refused when one exists)."""
        if (directory / INDEX_FILE).exists():
            raise KeyringError(
                N_("A keyring already exists in {folder}; use `soai keys rotate` for a new key."),
                folder=str(directory),
            )
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        info = _new_key(directory, passphrase, now or datetime.now(UTC))
        _write_index(directory, [info])
        return cls(directory, passphrase)

    def rotate(self, *, now: datetime | None = None) -> KeyInfo:
        """Retire the active key now and make a new active key."""
        moment = now or datetime.now(UTC)
        if moment.microsecond:
            # Proofs and retirements are written to the second: retiring at the start of this
            # second would refuse what the old key signed earlier in it, so retire at the next.
            moment = moment.replace(microsecond=0) + timedelta(seconds=1)
        self._load_private(self.active)  # prove the passphrase before changing anything
        new = _new_key(self.directory, self._passphrase, moment)
        keys = [
            KeyInfo(k.kid, k.public_key, k.created, moment) if k.retired is None else k
            for k in self.keys
        ]
        keys.append(new)
        _write_index(self.directory, keys)
        self.keys = keys
        self._signer = None
        return new


def _new_key(directory: Path, passphrase: bytes, created: datetime) -> KeyInfo:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    created = created.replace(microsecond=0)
    info = KeyInfo(kid=key_id(public, created), public_key=public, created=created)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    path = directory / f"{info.kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return info


def _write_index(directory: Path, keys: list[KeyInfo]) -> None:
    data = {"version": FORMAT_VERSION, "keys": [k.to_json() for k in keys]}
    tmp = directory / (INDEX_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(directory / INDEX_FILE)


_open: dict[tuple[str, str], tuple[float, Keyring]] = {}
_open_lock = threading.Lock()


def open_keyring(directory: Path, passphrase: bytes) -> Keyring:
    """The keyring of ``directory``, cached per process until its index changes."""
    key = (str(directory.resolve()), hashlib.sha256(passphrase).hexdigest())
    index = directory / INDEX_FILE
    mtime = index.stat().st_mtime if index.exists() else -1.0
    with _open_lock:
        cached = _open.get(key)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        keyring = Keyring(directory, passphrase)
        _open[key] = (mtime, keyring)
        return keyring
