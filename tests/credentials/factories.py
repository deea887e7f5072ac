"""Test factories of the credentials part: issue through the real service, fetch what a verifier gets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.credentials import revocation, service
from soai.credentials.models import IssuedCredential
from soai.credentials.service import Issuer, issuer_for
from soai.crypto import service as crypto
from soai.db import transaction
from soai.ledger import bundles
from soai.ledger import service as ledger
from soai.settings import Settings

ACHIEVEMENT = "ceasai-fundamentals"


def issue(
    settings: Settings,
    sessions: sessionmaker[Session],
    email: str = "holder@example.org",
    *,
    issuer: Issuer | None = None,
    achievement: str = ACHIEVEMENT,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    with transaction(sessions, write=True) as session:
        return service.issue(
            session,
            issuer=issuer or issuer_for(settings),
            achievement_key=achievement,
            email=email,
            valid_until=valid_until,
        )


def issue_many(
    settings: Settings, sessions: sessionmaker[Session], emails: list[str], **kwargs: Any
) -> list[dict[str, Any]]:
    with transaction(sessions, write=True) as session:
        return service.issue_many(
            session,
            issuer=issuer_for(settings),
            achievement_key=kwargs.pop("achievement", ACHIEVEMENT),
            emails=emails,
            **kwargs,
        )


def did_document(settings: Settings) -> dict[str, Any]:
    return crypto.did_document(settings, issuer_for(settings).did)


def status_lists(
    settings: Settings, sessions: sessionmaker[Session], list_ids: tuple[int, ...] = (1,)
) -> list[dict[str, Any]]:
    """Fresh signed snapshots of both purposes of each list, as a verifier downloads them."""
    issuer = issuer_for(settings)
    with transaction(sessions) as session:
        return [
            revocation.status_list_credential(
                session, issuer=issuer, list_id=list_id, purpose=purpose
            )
            for list_id in list_ids
            for purpose in ("revocation", "suspension")
        ]


def change_status(
    sessions: sessionmaker[Session], action: str, credential_id: str, reason: str
) -> None:
    with transaction(sessions, write=True) as session:
        getattr(revocation, action)(session, credential_id=credential_id, reason=reason)


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(credential rows, ledger entries)."""
    with transaction(sessions) as session:
        return (
            session.scalar(select(func.count()).select_from(IssuedCredential)) or 0,
            bundles.count(session),
        )


def ledger_events(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    """(kind, canonical JSON body) of every ledger entry, in order."""
    with transaction(sessions) as session:
        return [(e.kind, e.body.decode("utf-8")) for e in ledger.entries(session)]
