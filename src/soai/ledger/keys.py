"""The log's name and keys, as the instance knows them: its signer and its verifier keys."""

from __future__ import annotations

from soai.crypto import service as crypto
from soai.crypto.keyring import Signer
from soai.ledger import note
from soai.profiles import service as profiles
from soai.settings import Settings


def origin(settings: Settings) -> str:
    """The log's origin line (and note key name), from the jurisdiction profile."""
    return profiles.instance_profile(settings.home.resolve()).origin


def signer(settings: Settings) -> Signer:
    return crypto.keyring(settings).signer()


def vkeys(settings: Settings) -> list[str]:
    """Verifier keys of every key the log was ever signed with (active key first)."""
    keys = crypto.public_keys(settings)
    name = origin(settings)
    ordered = [k for k in keys if k.retired is None] + [k for k in keys if k.retired is not None]
    return [note.vkey(name, key.public_key) for key in ordered]
