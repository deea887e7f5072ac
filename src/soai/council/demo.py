"""Demo council (``soai demo``): the built-in council seated, and one session on the demo
credit-scoring cycle, where the agents read the failing fairness test. Idempotent."""

from __future__ import annotations

from sqlalchemy.orm import Session

from soai.council import evidence, seating, service
from soai.db import utcnow
from soai.pdca import service as pdca
from soai.registry import listing
from soai.registry import service as registry

SYSTEM = "Retail credit scoring v3"


def seed(session: Session, *, profile_id: str, country: str, passphrase: bytes) -> int:
    """Seat the council and run one session; returns the number of sessions added."""
    if seating.current_epoch(session):
        return 0
    council = seating.council_id(profile_id)
    seating.seat_default(session, council=council, passphrase=passphrase, actor_id=None)
    found = listing.search(session, scope=registry.Scope(everything=True), query=SYSTEM, limit=5)
    system_id = next((s.id for s, _o in found.rows if s.name == SYSTEM), None)
    cycle = pdca.open_cycle_of(session, system_id=system_id) if system_id is not None else None
    if cycle is None:
        return 0
    bundle = evidence.assessment(session, cycle_id=cycle.id, country=country)
    opened = service.open_session(
        session, council=council, subject_type="assessment", subject_ref=bundle["subject"]["id"],
        title=bundle["subject"]["title"], bundle=bundle, actor_id=None, now=utcnow(),
    )  # fmt: skip
    service.run_agents(session, cs=opened, council=council, passphrase=passphrase, now=utcnow())
    return 1
