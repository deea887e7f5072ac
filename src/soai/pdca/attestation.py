"""Attestation credentials: a closed cycle's maturity level, signed by the instance (W3C VC /
Open Badges 3.0 through the trust layer), and revoked when a later cycle falls below it.

A high-risk system whose council review is still pending gets no attestation: the council part
does not exist yet, and an attestation must not stand in for its decision.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.credentials import revocation
from soai.credentials import service as credentials
from soai.credentials.service import Issuer
from soai.db import utcnow
from soai.errors import Conflict
from soai.i18n.markers import N_
from soai.pdca.models import Attestation, Cycle

RANK = {"bronze": 0, "silver": 1, "gold": 2, "platinum": 3}
ATTESTED = ("silver", "gold", "platinum")
VALIDITY = timedelta(days=365)


def attest(
    session: Session, *, cycle: Cycle, issuer: Issuer, email: str, user_id: int | None
) -> dict[str, Any]:
    """Issue the attestation of a closed cycle to the provider's address; the signed credential."""
    if cycle.phase != "closed" or cycle.maturity not in ATTESTED:
        raise Conflict(
            N_("Only a closed cycle at Silver level or above can be attested."), field="cycle"
        )
    if cycle.council_review == "pending":
        raise Conflict(
            N_(
                "This high-risk system's council review is pending; it cannot be attested until "
                "the council has decided."
            ),
            field="council_review",
        )
    if session.scalar(select(Attestation.id).where(Attestation.cycle_id == cycle.id)) is not None:
        raise Conflict(N_("This cycle is already attested."), field="cycle")
    credential = credentials.issue(
        session,
        issuer=issuer,
        achievement_key=f"pdca-{cycle.maturity}",
        email=email,
        valid_until=utcnow() + VALIDITY,
        issued_by=user_id,
    )
    session.add(
        Attestation(
            system_id=cycle.system_id,
            cycle_id=cycle.id,
            level=cycle.maturity,
            credential_id=credential["id"],
        )
    )
    session.flush()
    return credential


def active(session: Session, *, system_id: int) -> list[Attestation]:
    return list(
        session.scalars(
            select(Attestation).where(
                Attestation.system_id == system_id, Attestation.revoked_at.is_(None)
            )
        )
    )


def on_new_score(session: Session, *, cycle: Cycle) -> list[Attestation]:
    """Revoke the system's attestations above the level its newest closed cycle reached."""
    reached = RANK.get(cycle.maturity or "bronze", 0)
    revoked = []
    for attestation in active(session, system_id=cycle.system_id):
        if attestation.cycle_id == cycle.id or RANK[attestation.level] <= reached:
            continue
        reason = f"cycle {cycle.number} scored {cycle.maturity or 'no level'}"
        revocation.revoke(session, credential_id=attestation.credential_id, reason=reason)
        attestation.revoked_at, attestation.revoke_reason = utcnow(), reason
        revoked.append(attestation)
    return revoked
