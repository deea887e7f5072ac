"""Use cases of the council: open a session on a subject, collect signed votes (the built-in
agents' and members'), form the quorum certificate or escalate, record equivocation, and let a
human panel of certified analysts decide an escalated session. Every decision is in the ledger.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.council import evidence, keys, protocol, seating
from soai.council.models import Conflict, CouncilSession, Equivocation, PanelDecision, Vote
from soai.crypto.jcs import canonicalize
from soai.errors import Conflict as ConflictError
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.settings import Settings

SUBJECT_TYPES = ("assessment", "incident", "policy", "appeal")
DEFAULT_HOURS = 72


def open_session(
    session: Session, *, council: str, subject_type: str, subject_ref: str, title: str,
    bundle: dict[str, Any], actor_id: int | None, now: datetime, hours: int = DEFAULT_HOURS,
) -> CouncilSession:  # fmt: skip
    """A new session bound to the bundle's digest and the current epoch."""
    if subject_type not in SUBJECT_TYPES:
        raise InvalidInput(
            N_("Unknown subject type {kind}; the types are: {known}."),
            field="subject_type", kind=subject_type, known=", ".join(SUBJECT_TYPES),
        )  # fmt: skip
    epoch = seating.current_epoch(session)
    if epoch == 0:
        raise ConflictError(N_("The council has no members yet: seat it first."))
    if not 1 <= hours <= 24 * 90:
        raise InvalidInput(N_("The deadline must be 1 hour to 90 days away."), field="hours")
    found = CouncilSession(
        id=uuid.uuid4().hex, subject_type=subject_type, subject_ref=subject_ref, title=title,
        bundle=bundle, subject_digest=evidence.digest(bundle), epoch=epoch, round=1,
        deadline=now + timedelta(hours=hours), status="open", created_by=actor_id,
        created_at=now,
    )  # fmt: skip
    session.add(found)
    session.flush()
    found.ledger_position = ledger.append(
        session,
        kind="council.session",
        data={"council": council, "session": found.id, "epoch": epoch, "subject_type": subject_type,
              "subject": subject_ref, "subject_digest": found.subject_digest},
    )  # fmt: skip
    return found


def get(session: Session, *, session_id: str) -> CouncilSession:
    found = session.get(CouncilSession, session_id)
    if found is None:
        raise NotFound(N_("No council session {id}."), id=session_id)
    return found


def sessions(session: Session, *, limit: int = 50) -> list[CouncilSession]:
    query = select(CouncilSession).order_by(CouncilSession.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def votes(session: Session, *, session_id: str) -> list[Vote]:
    return list(
        session.scalars(select(Vote).where(Vote.session_id == session_id).order_by(Vote.id))
    )


def conflicts(session: Session, *, session_id: str) -> dict[int, str]:
    rows = session.scalars(select(Conflict).where(Conflict.session_id == session_id))
    return {c.seat: c.reason for c in rows}


def _roster_keys(session: Session, cs: CouncilSession) -> dict[int, protocol.SeatKey]:
    """The seats of the session's epoch; a seat caught equivocating in it counts as suspended."""
    caught = {e.seat for e in equivocations(session, session_id=cs.id)}
    return {
        s.seat: protocol.SeatKey(
            seat=s.seat,
            public_key=bytes.fromhex(s.member.public_key),
            status="suspended" if s.seat in caught else s.status,
        )
        for s in seating.seats(session, epoch=cs.epoch)
    }


def ballot(session: Session, cs: CouncilSession, *, council: str) -> protocol.Ballot:
    """The session's coordinator, with the votes already counted replayed into it."""
    found = protocol.Ballot(
        council=council, epoch=cs.epoch, session=cs.id, subject_digest=cs.subject_digest,
        round=cs.round, deadline=cs.deadline, roster=_roster_keys(session, cs),
        conflicted=set(conflicts(session, session_id=cs.id)),
    )  # fmt: skip
    for row in votes(session, session_id=cs.id):
        if row.accepted and row.round == cs.round:
            found.submit(protocol.SignedVote.from_json(row.signed), now=row.received_at)
    return found


def declare_conflict(session: Session, *, cs: CouncilSession, seat: int, reason: str) -> None:
    """A member declares a conflict of interest: they may no longer vote in the session."""
    if cs.status != "open":
        raise ConflictError(N_("The session is closed."))
    if not reason.strip():
        raise InvalidInput(N_("Say what the conflict of interest is."), field="reason")
    if any(v.seat == seat and v.accepted for v in votes(session, session_id=cs.id)):
        raise ConflictError(N_("Seat {seat} has already voted; declare conflicts before voting."),
                            seat=seat)  # fmt: skip
    session.add(Conflict(session_id=cs.id, seat=seat, reason=reason.strip()[:2000]))
    session.flush()


def submit(
    session: Session, *, cs: CouncilSession, council: str, vote: protocol.SignedVote,
    now: datetime, citations: Sequence[str] = (), coordinator: protocol.Ballot | None = None,
    decide: bool = True,
) -> Vote:  # fmt: skip
    """Count a signed vote, or record why it was rejected; equivocation suspends the seat.
    ``coordinator`` is the session's ballot when the caller submits many votes at once."""
    if cs.status != "open":
        raise ConflictError(N_("The session is closed."))
    coordinator = coordinator or ballot(session, cs, council=council)
    row = Vote(
        session_id=cs.id, seat=vote.seat, round=vote.statement.round,
        choice=vote.statement.choice, confidence=vote.statement.confidence,
        rationale=vote.rationale[: protocol.MAX_RATIONALE], citations=list(citations),
        signed=vote.to_json(), accepted=False, received_at=now,
    )  # fmt: skip
    session.add(row)
    try:
        outcome = coordinator.submit(vote, now=now)
    except protocol.VoteRejected as exc:
        row.rejection, row.rejection_message = exc.code, exc.render()
        session.flush()
        return row
    if outcome.equivocation is not None:
        row.rejection, row.rejection_message = "equivocation", EQUIVOCATED
        session.flush()
        _equivocated(session, cs=cs, council=council, evidence=outcome.equivocation)
        return row
    row.accepted = True
    if decide:
        session.flush()
        conclude(session, cs=cs, council=council, now=now, coordinator=coordinator)
    return row


EQUIVOCATED = N_("This seat signed two different votes in this round: none of them counts.")


def _equivocated(
    session: Session, *, cs: CouncilSession, council: str, evidence: protocol.EquivocationEvidence
) -> None:
    data = evidence.to_json()
    position = ledger.append(
        session, kind="council.equivocation",
        data={"council": council, "session": cs.id, "seat": evidence.seat,
              "evidence_digest": hashlib.sha256(canonicalize(data)).hexdigest()},
    )  # fmt: skip
    session.add(Equivocation(session_id=cs.id, seat=evidence.seat, evidence=data,
                             ledger_position=position))  # fmt: skip
    for row in votes(session, session_id=cs.id):
        if row.seat == evidence.seat and row.round == cs.round and row.accepted:
            row.accepted, row.rejection, row.rejection_message = False, "equivocation", EQUIVOCATED
    seating.change(
        session, council=council, actor_id=None, set_status={evidence.seat: "suspended"},
        reason=f"seat {evidence.seat} equivocated in session {cs.id}",
    )  # fmt: skip


_UNLOCKED: dict[tuple[str, str], Any] = {}  # (public key, passphrase digest) → private key


def _agent_key(encrypted: str, public: str, passphrase: bytes) -> Any:
    """An AI seat's key, decrypted once per process (decryption costs about a millisecond)."""
    slot = (public, hashlib.sha256(passphrase).hexdigest())
    if slot not in _UNLOCKED:
        _UNLOCKED[slot] = keys.decrypt(encrypted, passphrase)
    return _UNLOCKED[slot]


def llm_factory(settings: Settings) -> Callable[[str, str], Any] | None:
    """How to build LLM-backed agents from the settings (``SOAI_COUNCIL_LLM_*``); None when no
    endpoint is set, so seats of an ``llm:`` family escalate saying so."""
    if not settings.council_llm_url:
        return None
    from soai.council.agents.llm import LLMAgent

    key = settings.council_llm_key.get_secret_value() if settings.council_llm_key else None
    return partial(LLMAgent.for_model, base_url=settings.council_llm_url, api_key=key,
                   timeout=settings.council_llm_timeout)  # fmt: skip


def run_agents(
    session: Session, *, cs: CouncilSession, council: str, passphrase: bytes, now: datetime,
    llm: Callable[[str, str], Any] | None = None,
) -> int:  # fmt: skip
    """Every active AI seat that has not voted evaluates the bundle, signs and votes; then the
    session is decided (quorum certificate) or escalated if no decision can come any more."""
    from soai.council.agents import roster as agents

    if cs.status != "open":
        raise ConflictError(N_("The session is closed."))
    done = {v.seat for v in votes(session, session_id=cs.id) if v.round == cs.round}
    conflicted = set(conflicts(session, session_id=cs.id))
    coordinator = ballot(session, cs, council=council)
    added = 0
    for view in seating.seats(session, epoch=cs.epoch):
        if view.member.kind != "ai" or view.status != "active" or view.seat in done | conflicted:
            continue
        agent = agents.agent_for_member(view.member.family, view.lens, llm=llm)
        result = agent.evaluate(cs.bundle)
        key = _agent_key(view.member.encrypted_key or "", view.member.public_key, passphrase)
        statement = protocol.statement(
            council=council, epoch=cs.epoch, session=cs.id, subject_digest=cs.subject_digest,
            round=cs.round, choice=result.choice, confidence=result.confidence,
            rationale=result.rationale,
        )  # fmt: skip
        vote = protocol.sign(key, view.seat, statement, result.rationale)
        submit(session, cs=cs, council=council, vote=vote, now=now, citations=result.citations,
               coordinator=coordinator, decide=False)  # fmt: skip
        added += 1
    session.flush()
    conclude(session, cs=cs, council=council, now=now, coordinator=coordinator)
    return added


def conclude(
    session: Session, *, cs: CouncilSession, council: str, now: datetime,
    coordinator: protocol.Ballot | None = None,
) -> None:  # fmt: skip
    """Decide when a quorum certificate exists; escalate when none can come any more."""
    if cs.status != "open":
        return
    coordinator = coordinator or ballot(session, cs, council=council)
    certificate = coordinator.certificate()
    if certificate is not None:
        data = certificate.to_json()
        cs.status, cs.decision, cs.decided_by = "decided", certificate.choice, "council"
        cs.certificate, cs.closed_at = data, now
        cs.ledger_position = ledger.append(
            session, kind="council.decision",
            data={"council": council, "session": cs.id, "decided_by": "council",
                  "choice": certificate.choice, "subject_digest": cs.subject_digest,
                  "certificate_digest": hashlib.sha256(canonicalize(data)).hexdigest()},
        )  # fmt: skip
    elif coordinator.status(now=now).must_escalate:
        cs.status = "escalated"
        ledger.append(
            session, kind="council.escalation",
            data={"council": council, "session": cs.id, "subject_digest": cs.subject_digest},
        )  # fmt: skip
    session.flush()


def escalate_overdue(session: Session, *, council: str, now: datetime) -> int:
    """Escalate every open session whose deadline has passed without a certificate."""
    overdue = session.scalars(
        select(CouncilSession).where(CouncilSession.status == "open", CouncilSession.deadline < now)
    )
    count = 0
    for cs in overdue:
        conclude(session, cs=cs, council=council, now=now)
        count += cs.status == "escalated"
    return count


def panel_decide(
    session: Session, *, cs: CouncilSession, council: str, analysts: Sequence[tuple[int, str]],
    choice: str, rationale: str, sign: Any, kid: str, now: datetime,
) -> PanelDecision:  # fmt: skip
    """The human panel's decision on an escalated session, signed with the instance key."""
    if cs.status != "escalated":
        raise ConflictError(N_("Only an escalated session goes to the human panel."))
    if choice not in ("approve", "reject"):
        raise InvalidInput(N_("The panel approves or rejects."), field="choice")
    if not rationale.strip():
        raise InvalidInput(N_("Give the panel's reasons."), field="rationale")
    if not analysts:
        raise InvalidInput(N_("Name the analysts of the panel."), field="analysts")
    statement = {
        "council": council, "session": cs.id, "subject_digest": cs.subject_digest,
        "decided_by": "panel", "choice": choice,
        "rationale_digest": hashlib.sha256(rationale.encode()).hexdigest(),
        "analysts": [{"user_id": uid, "name": name} for uid, name in analysts],
        "decided_at": now.isoformat(),
    }  # fmt: skip
    signed = {"statement": statement, "kid": kid, "signature": sign(canonicalize(statement)).hex()}
    decision = PanelDecision(
        session_id=cs.id, choice=choice, rationale=rationale.strip(), signed=signed,
        analysts=[{"user_id": uid, "name": name} for uid, name in analysts], decided_at=now,
    )  # fmt: skip
    cs.status, cs.decision, cs.decided_by, cs.closed_at = "decided", choice, "panel", now
    decision.ledger_position = cs.ledger_position = ledger.append(
        session, kind="council.decision",
        data={"council": council, "session": cs.id, "decided_by": "panel", "choice": choice,
              "subject_digest": cs.subject_digest,
              "decision_digest": hashlib.sha256(canonicalize(signed)).hexdigest()},
    )  # fmt: skip
    session.add(decision)
    session.flush()
    return decision


def panel_decision(session: Session, *, session_id: str) -> PanelDecision | None:
    return session.scalar(select(PanelDecision).where(PanelDecision.session_id == session_id))


def equivocations(session: Session, *, session_id: str) -> list[Equivocation]:
    query = select(Equivocation).where(Equivocation.session_id == session_id)
    return list(session.scalars(query))
