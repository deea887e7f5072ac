"""A session's decision as one self-contained JSON file that anyone can check offline with
``soai council verify FILE --did did.json``: the evidence bundle, the roster of the epoch with
the ledger proof that recorded it, every vote, the quorum certificate (or the human panel's
signed decision) and the ledger proof of the decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.council import seating, service
from soai.council.models import CouncilSession, Epoch
from soai.errors import Conflict
from soai.i18n.markers import N_
from soai.ledger.schemas import InclusionProof

FORMAT = "soai-council-decision/1"
Prover = Callable[[int], InclusionProof]


def export(
    session: Session, *, cs: CouncilSession, council: str, issuer: str, prove: Prover
) -> dict[str, Any]:
    """The decision file of a decided session; ``prove(position)`` gives a ledger proof."""
    if cs.status != "decided" or cs.ledger_position is None:
        raise Conflict(N_("The session has no decision yet."))
    epoch = session.scalar(select(Epoch).where(Epoch.number == cs.epoch))
    assert epoch is not None and epoch.ledger_position is not None
    panel = service.panel_decision(session, session_id=cs.id)
    return {
        "format": FORMAT,
        "issuer": issuer,
        "council": council,
        "session": {
            "id": cs.id,
            "subject_type": cs.subject_type,
            "subject": cs.subject_ref,
            "title": cs.title,
            "epoch": cs.epoch,
            "round": cs.round,
            "deadline": cs.deadline.isoformat(),
            "decision": cs.decision,
            "decided_by": cs.decided_by,
        },
        "subject_digest": cs.subject_digest,
        "bundle": cs.bundle,
        "roster": seating.roster(session, council=council, epoch=cs.epoch),
        "roster_proof": prove(epoch.ledger_position).model_dump(),
        "certificate": cs.certificate,
        "panel": None if panel is None else {**panel.signed, "rationale": panel.rationale},
        "decision_proof": prove(cs.ledger_position).model_dump(),
        "equivocations": [e.evidence for e in service.equivocations(session, session_id=cs.id)],
        "votes": [
            {
                "seat": v.seat,
                "accepted": v.accepted,
                "rejection": v.rejection,
                "rationale": v.rationale,
                "citations": v.citations,
                "signed": v.signed,
            }
            for v in service.votes(session, session_id=cs.id)
        ],
    }
