"""Use cases of SOAI-PDCA: start a cycle, plan it, implement and evidence controls, assess them.

Gates, scores and closing a cycle are in :mod:`soai.pdca.signoff`. Edits that two people may
make at once (the cycle's plan, a control) name the version they read; a stale version is a
:class:`~soai.errors.Conflict` that says to reload, never a silently lost update.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from soai.catalog import service as catalog
from soai.db import utcnow
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.pdca import risk_library, soa
from soai.pdca.models import Control, Cycle, Finding, Risk
from soai.registry import service as registry

ASSESSMENTS = ("effective", "partly", "not_effective", "not_applicable")
IMPLEMENTATION = ("not_started", "in_progress", "implemented")
COUNCIL_PENDING = "pending"  # the council part does not exist yet: an explicit pending step


@dataclass(frozen=True)
class Scope:
    """Cycles a caller may see: all, their organisations' systems', or those assigned to them."""

    everything: bool
    organisations: frozenset[int] = frozenset()
    analyst_id: int | None = None


def scope_for(session: Session, *, principal: Principal) -> Scope:
    if principal.can(Permission.PDCA_ALL):
        return Scope(everything=True)
    mine = registry.scope_of(session, user_id=principal.user_id, sees_all=False)
    analyst = principal.user_id if principal.can(Permission.PDCA_ASSESS) else None
    return Scope(everything=False, organisations=mine.organisations, analyst_id=analyst)


def _visible(session: Session, cycle: Cycle, scope: Scope) -> bool:
    if scope.everything or (scope.analyst_id is not None and cycle.analyst_id == scope.analyst_id):
        return True
    system = registry.get(session, system_id=cycle.system_id, scope=registry.Scope(everything=True))
    return system.organisation_id in scope.organisations


def get(session: Session, *, cycle_id: int, scope: Scope) -> Cycle:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None or not _visible(session, cycle, scope):
        raise NotFound(N_("No compliance cycle {id}."), id=cycle_id)
    return cycle


def cycles(session: Session, *, scope: Scope, system_id: int | None = None) -> list[Cycle]:
    query = select(Cycle).order_by(Cycle.system_id, Cycle.number)
    if system_id is not None:
        query = query.where(Cycle.system_id == system_id)
    return [c for c in session.scalars(query) if _visible(session, c, scope)]


def open_cycle_of(session: Session, *, system_id: int) -> Cycle | None:
    return session.scalar(
        select(Cycle).where(Cycle.system_id == system_id, Cycle.phase != "closed")
    )


def start(
    session: Session,
    *,
    system_id: int,
    user_id: int | None,
    carry_from: Cycle | None = None,
) -> Cycle:
    """Open the next cycle of a system: its Statement of Applicability and seeded risk register."""
    if open_cycle_of(session, system_id=system_id) is not None:
        raise Conflict(
            N_("This AI system already has an open compliance cycle; close it first."),
            field="system_id",
        )
    system = registry.get(session, system_id=system_id, scope=registry.Scope(everything=True))
    classification = registry.latest(session, system_id=system_id)
    obligations = [o["urn"] for o in classification.result["obligations"]] if classification else []
    number = (
        session.scalar(select(func.max(Cycle.number)).where(Cycle.system_id == system_id)) or 0
    ) + 1
    cycle = Cycle(
        system_id=system_id,
        number=number,
        phase="plan",
        risk_tier=system.risk,
        role=system.role,
        council_review=COUNCIL_PENDING if system.risk == "high" else "not_required",
        created_by=user_id,
        analyst_id=carry_from.analyst_id if carry_from else None,
        scope=carry_from.scope if carry_from else "",
        objectives=carry_from.objectives if carry_from else "",
        roles=carry_from.roles if carry_from else "",
    )
    session.add(cycle)
    session.flush()
    for line in soa.statement(catalog.catalogue(), obligations=obligations):
        session.add(
            Control(
                cycle_id=cycle.id,
                urn=line.urn,
                framework=line.framework,
                source=line.source,
                weight=line.weight,
            )
        )
    if carry_from is None:
        _seed_risks(session, cycle, sector=system.sector)
    else:
        _carry_forward(session, cycle, carry_from)
    session.flush()
    return cycle


def _seed_risks(session: Session, cycle: Cycle, *, sector: str) -> None:
    for template in risk_library.library().for_system(sector=sector, tier=cycle.risk_tier):
        session.add(
            Risk(
                cycle_id=cycle.id,
                template=template.id,
                hazard=template.hazard["en"],
                affected_group=template.affected_group["en"],
                likelihood=template.likelihood,
                impact=template.impact,
                treatment=template.treatment["en"],
            )
        )


def _carry_forward(session: Session, cycle: Cycle, previous: Cycle) -> None:
    """Risks not yet accepted and actions not yet verified move to the next cycle."""
    for risk in session.scalars(select(Risk).where(Risk.cycle_id == previous.id)):
        if risk.status != "accepted":
            session.add(
                Risk(
                    cycle_id=cycle.id,
                    template=risk.template,
                    hazard=risk.hazard,
                    affected_group=risk.affected_group,
                    likelihood=risk.residual_likelihood or risk.likelihood,
                    impact=risk.residual_impact or risk.impact,
                    treatment=risk.treatment,
                    owner=risk.owner,
                    carried_from=risk.id,
                )
            )
    for finding in session.scalars(select(Finding).where(Finding.cycle_id == previous.id)):
        if finding.status != "verified":
            session.add(
                Finding(
                    cycle_id=cycle.id,
                    control_urn=finding.control_urn,
                    description=finding.description,
                    severity=finding.severity,
                    root_cause=finding.root_cause,
                    action=finding.action,
                    owner=finding.owner,
                    due_date=finding.due_date,
                    carried_from=finding.id,
                )
            )


def _optimistic(
    session: Session, model: Any, row_id: int, version: int, values: dict[str, Any]
) -> None:
    """Update a row only if nobody changed it since ``version`` was read."""
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.version == version)
        .values(**values, version=version + 1)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            N_(
                "Someone else changed this since you opened it. Reload the page and apply your change again."
            ),
            field="version",
        )


def update_plan(session: Session, *, cycle: Cycle, version: int, values: dict[str, Any]) -> None:
    allowed = {"scope", "objectives", "roles", "target_date", "kpis", "internal_audit",
               "management_review", "lessons_learned"}  # fmt: skip
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InvalidInput(N_("{name} cannot be changed here."), field=unknown[0], name=unknown[0])
    if cycle.phase == "closed":
        raise Conflict(N_("This cycle is closed; changes go into the next cycle."))
    _optimistic(session, Cycle, cycle.id, version, values)


def _check_scale(value: int | None, field: str) -> None:
    if value is not None and not 1 <= value <= 5:
        raise InvalidInput(
            N_("{name} must be from 1 to 5 (the 5 × 5 risk matrix)."), field=field, name=field
        )


def add_risk(session: Session, *, cycle: Cycle, values: dict[str, Any]) -> Risk:
    if not str(values.get("hazard", "")).strip():
        raise InvalidInput(N_("Describe the hazard."), field="hazard")
    for field in ("likelihood", "impact", "residual_likelihood", "residual_impact"):
        _check_scale(values.get(field), field)
    if values.get("likelihood") is None or values.get("impact") is None:
        raise InvalidInput(N_("Give the likelihood and the impact."), field="likelihood")
    risk = Risk(cycle_id=cycle.id, **values)
    session.add(risk)
    session.flush()
    return risk


def update_risk(session: Session, *, cycle: Cycle, risk_id: int, values: dict[str, Any]) -> Risk:
    risk = session.get(Risk, risk_id)
    if risk is None or risk.cycle_id != cycle.id:
        raise NotFound(N_("No risk {id} in this cycle."), id=risk_id)
    for field in ("likelihood", "impact", "residual_likelihood", "residual_impact"):
        _check_scale(values.get(field), field)
    for key, value in values.items():
        setattr(risk, key, value)
    return risk


def control(session: Session, *, cycle: Cycle, control_id: int) -> Control:
    found = session.get(Control, control_id)
    if found is None or found.cycle_id != cycle.id:
        raise NotFound(N_("No control {id} in this cycle."), id=control_id)
    return found


def update_control(
    session: Session, *, cycle: Cycle, control_id: int, version: int, values: dict[str, Any]
) -> None:
    """Implementation status, owner, or exclusion (with its justification) of a control."""
    control(session, cycle=cycle, control_id=control_id)
    if "implementation" in values and values["implementation"] not in IMPLEMENTATION:
        raise InvalidInput(
            N_("{value!r} is not an implementation status."),
            field="implementation",
            value=values["implementation"],
        )
    if values.get("applicable") is False and not str(values.get("justification", "")).strip():
        raise InvalidInput(
            N_("Say why this control is excluded from the Statement of Applicability."),
            field="justification",
        )
    _optimistic(session, Control, control_id, version, values)


def assess(
    session: Session,
    *,
    cycle: Cycle,
    control_id: int,
    version: int,
    assessment: str,
    reasoning: str,
    analyst_id: int,
) -> None:
    """A certified analyst's assessment of one control, with the reasoning."""
    if cycle.phase not in ("check", "act"):
        raise Conflict(N_("Controls are assessed in the Check phase."), field="assessment")
    if assessment not in ASSESSMENTS:
        raise InvalidInput(
            N_("{value!r} is not an assessment; expected one of {allowed}."),
            field="assessment",
            value=assessment,
            allowed=", ".join(ASSESSMENTS),
        )
    if not reasoning.strip():
        raise InvalidInput(N_("Give the reasoning for the assessment."), field="reasoning")
    control(session, cycle=cycle, control_id=control_id)
    _optimistic(
        session,
        Control,
        control_id,
        version,
        {
            "assessment": assessment,
            "reasoning": reasoning.strip(),
            "assessed_by": analyst_id,
            "assessed_at": utcnow(),
        },
    )


def raise_finding(
    session: Session, *, cycle: Cycle, description: str, control_urn: str | None, severity: str
) -> Finding:
    if not description.strip():
        raise InvalidInput(N_("Describe the nonconformity."), field="description")
    if severity not in ("minor", "major"):
        raise InvalidInput(N_("Severity is minor or major."), field="severity")
    finding = Finding(
        cycle_id=cycle.id,
        description=description.strip(),
        control_urn=control_urn,
        severity=severity,
    )
    session.add(finding)
    session.flush()
    return finding


def plan_action(
    session: Session,
    *,
    cycle: Cycle,
    finding_id: int,
    root_cause: str,
    action: str,
    owner: str,
    due_date: date | None,
) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None or finding.cycle_id != cycle.id:
        raise NotFound(N_("No nonconformity {id} in this cycle."), id=finding_id)
    finding.root_cause, finding.action, finding.owner = (
        root_cause.strip(),
        action.strip(),
        owner.strip(),
    )
    finding.due_date = due_date
    return finding


def verify_action(session: Session, *, cycle: Cycle, finding_id: int, note: str) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None or finding.cycle_id != cycle.id:
        raise NotFound(N_("No nonconformity {id} in this cycle."), id=finding_id)
    if not finding.action:
        raise Conflict(N_("Plan the corrective action before verifying it."), field="action")
    if not note.strip():
        raise InvalidInput(
            N_("Say how the action's effectiveness was verified."), field="verification"
        )
    finding.status, finding.verification, finding.verified_at = "verified", note.strip(), utcnow()
    return finding


def assign_analyst(session: Session, *, cycle: Cycle, analyst_id: int, roles: set[str]) -> None:
    """Give a cycle to a certified analyst (who then sees and assesses it)."""
    if "analyst" not in roles:
        raise InvalidInput(
            N_("Only a certified analyst can be assigned to assess a cycle."), field="analyst"
        )
    cycle.analyst_id = analyst_id
    cycle.version += 1


def overdue(findings: Iterable[Finding], *, today: date) -> set[int]:
    """Ids of the corrective actions past their due date and not yet verified."""
    return {
        f.id
        for f in findings
        if f.status != "verified" and f.due_date is not None and f.due_date < today
    }


def actions_due(session: Session, *, scope: Scope, today: date, within_days: int) -> list[Finding]:
    """Unverified corrective actions due by ``today + within_days`` (overdue ones included),
    in the open cycles the caller may see, soonest first: what reminders are sent about."""
    horizon = date.fromordinal(today.toordinal() + within_days)
    query = (
        select(Finding)
        .join(Cycle, Cycle.id == Finding.cycle_id)
        .where(
            Cycle.phase != "closed",
            Finding.status != "verified",
            Finding.due_date.is_not(None),
            Finding.due_date <= horizon,
        )
        .order_by(Finding.due_date, Finding.id)
    )
    visible = {c.id for c in cycles(session, scope=scope)}
    return [f for f in session.scalars(query) if f.cycle_id in visible]
