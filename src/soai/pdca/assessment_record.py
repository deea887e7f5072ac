"""A cycle's assessment as plain data: what an export (OSCAL assessment-results) needs of it.

The data classes name their fields like the table columns they come from, which is how
:func:`from_cycle` copies them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.identity import service as identity
from soai.pdca import signoff
from soai.pdca.evidence import evidence_for
from soai.pdca.models import Control, Cycle, Evidence, Finding
from soai.registry import service as registry

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Row = TypeVar("_Row", bound="DataclassInstance")


@dataclass(frozen=True)
class ControlAssessment:
    """A line of the Statement of Applicability and, once assessed, the analyst's verdict."""

    urn: str
    applicable: bool
    assessment: str | None = None
    reasoning: str = ""
    assessed_at: datetime | None = None
    assessor: str | None = None


@dataclass(frozen=True)
class Nonconformity:
    description: str
    control_urn: str | None
    severity: str
    action: str
    due_date: date | None
    status: str
    raised_at: datetime


@dataclass(frozen=True)
class EvidenceItem:
    """Evidence offered in the cycle and every control it serves (crosswalks included)."""

    title: str
    kind: str  # file | link | test_result
    sha256: str | None
    url: str | None
    media_type: str | None
    control_urns: tuple[str, ...]


@dataclass(frozen=True)
class GateSignOff:
    phase: str
    signer_name: str
    signed_at: datetime
    ledger_position: int | None


@dataclass(frozen=True)
class CycleAssessment:
    system_reference: str
    system_name: str
    cycle_id: int
    cycle_number: int
    started_at: datetime
    closed_at: datetime | None
    score: float | None
    maturity: str | None
    controls: tuple[ControlAssessment, ...]
    nonconformities: tuple[Nonconformity, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    gates: tuple[GateSignOff, ...] = ()


def from_cycle(session: Session, *, cycle: Cycle, country: str) -> CycleAssessment:
    """What :func:`assessment_results` needs of ``cycle``; ``country`` makes the system reference.

    Gates reopened since are left out (the ledger keeps that history).
    """
    system = registry.get(session, system_id=cycle.system_id, scope=registry.Scope(everything=True))
    rows = session.scalars(select(Control).where(Control.cycle_id == cycle.id).order_by(Control.id))
    controls = {c.id: c for c in rows}
    names = {
        c.assessed_by: identity.get_user_by_id(session, user_id=c.assessed_by).display_name
        for c in controls.values()
        if c.assessed_by is not None
    }
    serves: dict[int, list[str]] = {}
    for row_id, offered in sorted(evidence_for(session, cycle=cycle).items()):
        for item in offered:
            serves.setdefault(item.id, []).append(controls[row_id].urn)
    evidence = select(Evidence).where(Evidence.cycle_id == cycle.id).order_by(Evidence.id)
    findings = select(Finding).where(Finding.cycle_id == cycle.id).order_by(Finding.id)
    return CycleAssessment(
        system_reference=registry.reference(country, system.id),
        system_name=system.name,
        cycle_id=cycle.id,
        cycle_number=cycle.number,
        started_at=cycle.started_at,
        closed_at=cycle.closed_at,
        score=cycle.score,
        maturity=cycle.maturity,
        controls=tuple(
            _copy(ControlAssessment, c, assessor=names.get(c.assessed_by or 0))
            for c in controls.values()
        ),
        nonconformities=tuple(_copy(Nonconformity, f) for f in session.scalars(findings)),
        evidence=tuple(
            _copy(EvidenceItem, e, control_urns=tuple(serves.get(e.id, ())))
            for e in session.scalars(evidence)
        ),
        gates=tuple(
            _copy(GateSignOff, g)
            for g in signoff.gates_of(session, cycle=cycle)
            if g.reopened_at is None
        ),
    )


def _copy(kind: type[_Row], row: object, **given: Any) -> _Row:
    """A ``kind`` from the like-named attributes of a table row, and what ``given`` adds."""
    names = (f.name for f in fields(kind) if f.name not in given)
    return kind(**given, **{name: getattr(row, name) for name in names})
