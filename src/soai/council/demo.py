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


HUMAN_SEAT = 13  # an Arbiter seat with the fairness lens


def seed(
    session: Session, *, profile_id: str, country: str, passphrase: bytes,
    human: tuple[int, str, str] | None = None,
) -> int:  # fmt: skip
    """Seat the council — with the demo council member, ``human`` = (user id, name, password),
    in seat 13 — and put the credit-scoring assessment to it: the 32 agents vote, the human
    seat's vote is still to come. Returns the number of sessions added."""
    if seating.current_epoch(session):
        return 0
    council = seating.council_id(profile_id)
    seating.seat_default(session, council=council, passphrase=passphrase, actor_id=None)
    if human is not None:
        user_id, name, password = human
        member = seating.enrol(
            session, user_id=user_id, name=name, organisation="Royal University of Phnom Penh",
            stakeholder_group="academia", password=password.encode(),
        )  # fmt: skip
        seating.seat_existing(session, council=council, seat=HUMAN_SEAT, member_id=member.id,
                              actor_id=None)  # fmt: skip
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
