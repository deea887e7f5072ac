"""Gates of a cycle: sign a phase off (exit criteria, ledger), reopen it with a reason, score.

Signing moves the cycle to the next phase with a conditional UPDATE (``WHERE phase = the
phase being signed``), so two people pressing the button at once pass the gate once: the
second gets a conflict. Closing Act scores the cycle and opens the next one, carrying open
risks and unverified actions forward.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from soai.db import utcnow
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.pdca import attestation, gates, scoring, service
from soai.pdca import evidence as evidence_items
from soai.pdca.models import Control, Cycle, Finding, Gate, Risk
from soai.registry import service as registry

LEDGER_SIGNED = "pdca.gate_signed"
LEDGER_REOPENED = "pdca.gate_reopened"


class GateBlocked(InvalidInput):
    """A gate's exit criteria do not hold; :attr:`missing` lists what is missing."""

    code = "gate_blocked"

    def __init__(self, phase: str, missing: list[gates.Missing]) -> None:
        self.missing = missing
        super().__init__(
            N_("The {phase} gate cannot be signed yet: {count} criterion(s) are not met."),
            field="phase",
            phase=phase,
            count=len(missing),
        )


def snapshot(session: Session, *, cycle: Cycle) -> gates.Snapshot:
    risks = list(session.scalars(select(Risk).where(Risk.cycle_id == cycle.id)))
    controls = list(session.scalars(select(Control).where(Control.cycle_id == cycle.id)))
    applicable = [c for c in controls if c.applicable]
    evidenced = evidence_items.evidence_for(session, cycle=cycle)
    findings = list(session.scalars(select(Finding).where(Finding.cycle_id == cycle.id)))
    return gates.Snapshot(
        scope=cycle.scope,
        objectives=cycle.objectives,
        roles=cycle.roles,
        risks=len(risks),
        risks_without_treatment=sum(1 for r in risks if not r.treatment.strip()),
        risks_without_owner=sum(1 for r in risks if not r.owner.strip()),
        controls_applicable=len(applicable),
        exclusions_without_justification=sum(
            1 for c in controls if not c.applicable and not c.justification.strip()
        ),
        controls_not_started=sum(1 for c in applicable if c.implementation == "not_started"),
        controls_without_owner=sum(1 for c in applicable if not c.owner.strip()),
        implemented_without_evidence=sum(
            1 for c in applicable if c.implementation == "implemented" and not evidenced.get(c.id)
        ),
        controls_unassessed=sum(1 for c in applicable if c.assessment is None),
        assessments_without_reasoning=sum(
            1 for c in applicable if c.assessment is not None and not c.reasoning.strip()
        ),
        findings_without_action=sum(
            1
            for f in findings
            if f.status != "verified" and not (f.root_cause and f.action and f.owner and f.due_date)
        ),
        management_review=cycle.management_review,
        lessons_learned=cycle.lessons_learned,
    )


def missing(session: Session, *, cycle: Cycle) -> list[gates.Missing]:
    return (
        gates.missing(cycle.phase, snapshot(session, cycle=cycle))
        if cycle.phase in gates.PHASES
        else []
    )


def score(session: Session, *, cycle: Cycle) -> scoring.Score:
    """The cycle's score now; independent when every assessment was made by analysts who are
    not members of the system's organisation."""
    controls = list(session.scalars(select(Control).where(Control.cycle_id == cycle.id)))
    system = registry.get(session, system_id=cycle.system_id, scope=registry.Scope(everything=True))
    members = registry.member_ids(session, organisation_id=system.organisation_id)
    assessors = {c.assessed_by for c in controls if c.assessment is not None}
    independent = bool(assessors) and None not in assessors and not (assessors & members)
    return scoring.score(
        (scoring.Scored(c.framework, c.weight, c.applicable, c.assessment) for c in controls),
        independent=independent,
    )


def sign(session: Session, *, cycle: Cycle, phase: str, user_id: int | None, signer: str) -> Gate:
    """Sign ``phase`` off and move the cycle on; refused while exit criteria are missing."""
    if phase != cycle.phase or phase not in gates.PHASES:
        raise Conflict(
            N_("The cycle is in its {current} phase, not {phase}; reload the page."),
            field="phase",
            current=cycle.phase,
            phase=phase,
        )
    blocking = missing(session, cycle=cycle)
    if blocking:
        raise GateBlocked(phase, blocking)
    following = gates.NEXT[phase]
    moved = session.execute(
        update(Cycle)
        .where(Cycle.id == cycle.id, Cycle.phase == phase)
        .values(phase=following, version=Cycle.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("Someone else signed this gate a moment ago; reload the page."))
    system = registry.get(session, system_id=cycle.system_id, scope=registry.Scope(everything=True))
    result = score(session, cycle=cycle) if phase in ("check", "act") else None
    position = ledger.append(
        session,
        kind=LEDGER_SIGNED,
        data={
            "cycle": cycle.id,
            "system": system.id,
            "number": cycle.number,
            "phase": phase,
            "signed_by": signer,
            "score": result.overall if result else None,
            "maturity": result.maturity if result else None,
        },
    )
    gate = Gate(
        cycle_id=cycle.id,
        phase=phase,
        signed_by=user_id,
        signer_name=signer,
        ledger_position=position,
    )
    session.add(gate)
    if result is not None:
        cycle.score, cycle.scores, cycle.maturity = (
            result.overall,
            result.by_framework,
            result.maturity,
        )
    if following == "closed":
        cycle.closed_at = utcnow()
        session.flush()
        attestation.on_new_score(session, cycle=cycle)
        service.start(session, system_id=cycle.system_id, user_id=user_id, carry_from=cycle)
    session.flush()
    return gate


def reopen(session: Session, *, cycle: Cycle, phase: str, reason: str, user_id: int | None) -> Gate:
    """Reopen a signed gate (the cycle returns to that phase); a reason is required and logged."""
    if not reason.strip():
        raise InvalidInput(N_("Give the reason for reopening the gate."), field="reason")
    if cycle.phase == "closed":
        raise Conflict(N_("A closed cycle cannot be reopened; work continues in the next cycle."))
    gate = session.scalar(
        select(Gate)
        .where(Gate.cycle_id == cycle.id, Gate.phase == phase, Gate.reopened_at.is_(None))
        .order_by(Gate.id.desc())
    )
    if gate is None:
        raise NotFound(N_("The {phase} gate of this cycle is not signed."), phase=phase)
    order = gates.PHASES
    if order.index(phase) >= order.index(cycle.phase):
        raise Conflict(N_("Only a gate already passed can be reopened."), field="phase")
    later = session.scalars(
        select(Gate).where(
            Gate.cycle_id == cycle.id,
            Gate.reopened_at.is_(None),
            Gate.phase.in_(order[order.index(phase) :]),
        )
    )
    now = utcnow()
    position = ledger.append(
        session,
        kind=LEDGER_REOPENED,
        data={"cycle": cycle.id, "phase": phase, "reason": reason.strip()},
    )
    for signed in later:
        signed.reopened_at, signed.reopened_by = now, user_id
        signed.reopen_reason, signed.reopen_ledger_position = reason.strip(), position
    cycle.phase = phase
    cycle.version += 1
    session.flush()
    return gate


def history(session: Session, *, system_id: int) -> list[tuple[int, float | None, str | None]]:
    """(cycle number, score, maturity) of each cycle of a system, oldest first."""
    rows = session.execute(
        select(Cycle.number, Cycle.score, Cycle.maturity)
        .where(Cycle.system_id == system_id)
        .order_by(Cycle.number)
    ).all()
    return [(number, value, level) for number, value, level in rows]


def gates_of(session: Session, *, cycle: Cycle) -> list[Gate]:
    return list(session.scalars(select(Gate).where(Gate.cycle_id == cycle.id).order_by(Gate.id)))


def count_open(session: Session) -> int:
    return (
        session.scalar(select(func.count()).select_from(Cycle).where(Cycle.phase != "closed")) or 0
    )
