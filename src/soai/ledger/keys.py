"""The log's name and keys, as the instance knows them: its signer, its verifier keys, and
the checkpoints and proofs it signs with them (what the CLI, the API and the pages call)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from soai.crypto import service as crypto
from soai.crypto.keyring import Signer
from soai.ledger import note, service
from soai.ledger.models import LedgerCheckpoint
from soai.ledger.schemas import InclusionProof
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


def checkpoint(session: Session, settings: Settings) -> LedgerCheckpoint:
    """The latest checkpoint, signed now with the instance's key if the log has grown."""
    return service.checkpoint(session, signer=lambda: signer(settings), origin=origin(settings))


def proof(session: Session, settings: Settings, *, position: int) -> InclusionProof:
    """An entry's proof against the latest checkpoint (signed now if none covers it)."""
    return service.proof_at_latest(
        session, position=position, signer=lambda: signer(settings), origin=origin(settings)
    )
