"""Who sits on the council: members, their keys, and seat changes by epoch.

Every change — seating the council, seating a member in a seat (rotation), suspending or
retiring a seat — checks the diversity rules on the composition it would produce, then starts
a new epoch whose full roster (seats, members, public keys, status) is appended to the ledger.
A vote or certificate names its epoch, so anyone can check a seat's key and status at that
time from the ledger alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soai.council import composition, keys
from soai.council.models import Epoch, Member, Seating
from soai.crypto.jcs import canonicalize
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger


@dataclass(frozen=True)
class SeatView:
    seat: int
    kind: str
    lens: str
    status: str
    member: Member


def council_id(profile_id: str) -> str:
    return f"urn:soai:council:{profile_id}"


def current_epoch(session: Session) -> int:
    return int(session.scalar(select(func.max(Epoch.number))) or 0)


def seats(session: Session, *, epoch: int | None = None) -> list[SeatView]:
    """The seats as they stood in ``epoch`` (default: now), by seat number."""
    at = current_epoch(session) if epoch is None else epoch
    rows = session.execute(
        select(Seating, Member)
        .join(Member, Member.id == Seating.member_id)
        .where(
            Seating.from_epoch <= at,
            (Seating.until_epoch.is_(None)) | (Seating.until_epoch > at),
        )
        .order_by(Seating.seat)
    ).all()
    return [SeatView(s.seat, s.kind, s.lens, s.status, m) for s, m in rows]


def roster(session: Session, *, council: str, epoch: int | None = None) -> dict[str, Any]:
    """The roster of an epoch as plain JSON: what the ledger records and verifiers read."""
    at = current_epoch(session) if epoch is None else epoch
    return {
        "council": council,
        "epoch": at,
        "seats": [
            {"seat": s.seat, "kind": s.kind, "lens": s.lens, "status": s.status,
             "public_key": s.member.public_key, "member": {
                 "kind": s.member.kind, "name": s.member.name, "family": s.member.family,
                 "organisation": s.member.organisation,
                 "stakeholder_group": s.member.stakeholder_group}}
            for s in seats(session, epoch=at)
        ],
    }  # fmt: skip


def roster_digest(value: dict[str, Any]) -> str:
    return hashlib.sha256(canonicalize(value)).hexdigest()


def add_member(
    session: Session, *, kind: str, name: str, family: str, organisation: str = "",
    stakeholder_group: str | None = None, user_id: int | None = None,
    secret: bytes | None = None, public_key: str | None = None,
) -> Member:  # fmt: skip
    """A new member with a new key encrypted with ``secret`` (the instance passphrase for an
    AI agent, the person's password for a human), or only the ``public_key`` of a key file the
    person keeps."""
    if stakeholder_group is not None and stakeholder_group not in composition.STAKEHOLDER_GROUPS:
        raise InvalidInput(
            N_("Unknown stakeholder group {group}; the groups are: {known}."),
            field="stakeholder_group", group=stakeholder_group,
            known=", ".join(composition.STAKEHOLDER_GROUPS),
        )  # fmt: skip
    if public_key is not None:
        try:
            valid = len(bytes.fromhex(public_key)) == 32
        except ValueError:
            valid = False
        if not valid:
            raise InvalidInput(
                N_("A public key is 32 bytes written as 64 hexadecimal digits."), field="public_key"
            )
        member = Member(kind=kind, name=name, family=family, organisation=organisation,
                        stakeholder_group=stakeholder_group, user_id=user_id,
                        public_key=public_key.lower(), key_protection="external")  # fmt: skip
    else:
        if not secret:
            raise InvalidInput(N_("A new key needs a password to protect it."), field="password")
        key = keys.new_key()
        member = Member(kind=kind, name=name, family=family, organisation=organisation,
                        stakeholder_group=stakeholder_group, user_id=user_id,
                        public_key=keys.public_hex(key), encrypted_key=keys.encrypt(key, secret),
                        key_protection="instance" if kind == "ai" else "password")  # fmt: skip
    session.add(member)
    session.flush()
    return member


def change(
    session: Session, *, council: str, reason: str, actor_id: int | None,
    seat_member: list[tuple[int, str, Member]] = (),  # type: ignore[assignment]
    set_status: dict[int, str] | None = None,
) -> int:  # fmt: skip
    """Start a new epoch: seat members (seat, lens, member), or set seats' status
    (suspended / retired). Checks the diversity rules first; returns the new epoch."""
    now = current_epoch(session)
    new = now + 1
    open_rows = {
        s.seat: s for s in session.scalars(select(Seating).where(Seating.until_epoch.is_(None)))
    }
    members = {m.id: m for m in session.scalars(select(Member))}
    planned: dict[int, tuple[str, str, int, str]] = {
        seat: (row.kind, row.lens, row.member_id, row.status) for seat, row in open_rows.items()
    }
    for seat, lens, member in seat_member:
        if not 1 <= seat <= composition.SEATS:
            raise InvalidInput(N_("Seat {seat} does not exist; seats are 1 to 33."),
                               field="seat", seat=seat)  # fmt: skip
        planned[seat] = (composition.kind_of(lens), lens, member.id, "active")
        members[member.id] = member
    for seat, status in (set_status or {}).items():
        if seat not in planned:
            raise NotFound(N_("Seat {seat} is vacant."), seat=seat)
        if planned[seat][3] == "retired":
            raise Conflict(N_("Seat {seat} is retired."), seat=seat)
        kind, lens, member_id, _ = planned[seat]
        planned[seat] = (kind, lens, member_id, status)
    composition.check(
        composition.Holding(seat, members[m].family, members[m].organisation)
        for seat, (_k, _l, m, status) in planned.items()
        if status == "active"
    )
    for seat, (kind, lens, member_id, status) in planned.items():
        row = open_rows.get(seat)
        if row is not None and (row.member_id, row.status, row.lens) == (member_id, status, lens):
            continue
        if row is not None:
            row.until_epoch = new
        session.add(Seating(seat=seat, kind=kind, lens=lens, member_id=member_id, status=status,
                            from_epoch=new, reason=reason))  # fmt: skip
    session.flush()
    snapshot = roster(session, council=council, epoch=new)
    digest = roster_digest(snapshot)
    position = ledger.append(
        session,
        kind="council.epoch",
        data={
            "council": council,
            "epoch": new,
            "reason": reason,
            "roster_digest": digest,
            "actor": actor_id,
        },
    )
    session.add(Epoch(number=new, reason=reason, actor_id=actor_id, roster_digest=digest,
                      ledger_position=position))  # fmt: skip
    session.flush()
    return new


def member_of_seat(session: Session, *, seat: int) -> SeatView:
    for view in seats(session):
        if view.seat == seat:
            return view
    raise NotFound(N_("Seat {seat} is vacant."), seat=seat)


def seat_default(session: Session, *, council: str, passphrase: bytes, actor_id: int | None) -> int:
    """Seat the built-in council: 33 AI agents of four independent families (11 Guardian,
    11 Arbiter, 11 Scribe), each with a new key encrypted with the instance's passphrase.
    Returns the new epoch; refused when the council already has members."""
    from soai.council.agents import roster as agents

    if current_epoch(session):
        raise Conflict(N_("The council is already seated; change seats one by one."))
    plan = []
    for spec in agents.default_roster():
        member = add_member(
            session, kind="ai", name=f"{spec.kind.title()} {spec.seat} ({spec.lens}, {spec.family})",
            family=spec.family, secret=passphrase,
        )  # fmt: skip
        plan.append((spec.seat, spec.lens, member))
    return change(
        session, council=council, reason="seated the built-in council", actor_id=actor_id,
        seat_member=plan,
    )  # fmt: skip


def members_without_seat(session: Session) -> list[Member]:
    """Members who hold no seat now (enrolled humans waiting to be seated, retired members)."""
    seated = {s.member.id for s in seats(session)}
    return [m for m in session.scalars(select(Member).order_by(Member.id)) if m.id not in seated]


def member_of_user(session: Session, *, user_id: int) -> Member | None:
    """The newest member record of a portal user (a new key makes a new record)."""
    return session.scalar(
        select(Member).where(Member.user_id == user_id).order_by(Member.id.desc()).limit(1)
    )


def enrol(
    session: Session, *, user_id: int, name: str, organisation: str, stakeholder_group: str,
    password: bytes,
) -> Member:  # fmt: skip
    """A person offers to serve: their signing key is made now and encrypted with their own
    password, so no administrator ever holds it. A regulator then seats them."""
    if not organisation.strip():
        raise InvalidInput(N_("Name your organisation."), field="organisation")
    if member_of_user(session, user_id=user_id) is not None:
        raise Conflict(N_("You already have a council signing key."))
    return add_member(
        session, kind="human", name=name, family=f"human:{user_id}",
        organisation=organisation.strip(), stakeholder_group=stakeholder_group,
        user_id=user_id, secret=password,
    )  # fmt: skip


def seat_existing(
    session: Session, *, council: str, seat: int, member_id: int, actor_id: int | None
) -> int:
    """Seat an enrolled member in a seat (keeping the seat's lens): a new epoch."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(N_("No council member {id}."), id=member_id)
    held = member_of_seat(session, seat=seat)
    return change(
        session, council=council, reason=f"seat {seat}: {member.name}", actor_id=actor_id,
        seat_member=[(seat, held.lens, member)],
    )  # fmt: skip
