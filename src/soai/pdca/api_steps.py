"""JSON API for each step of a cycle under /api/v1/pdca (plan, controls, assessments, evidence,
risks, nonconformities). Edits name the ``version`` they read; a stale one answers 409."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict

from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.pdca import evidence as evidence_items
from soai.pdca import service
from soai.pdca.evidence_store import EvidenceStore
from soai.pdca.models import Cycle
from soai.web.state import app_state

router = APIRouter(prefix="/pdca", tags=["pdca"])
EDIT = Permission.PDCA_EDIT


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanIn(Body):
    version: int
    scope: str | None = None
    objectives: str | None = None
    roles: str | None = None
    target_date: date | None = None
    kpis: str | None = None
    internal_audit: str | None = None
    management_review: str | None = None
    lessons_learned: str | None = None


class ControlIn(Body):
    version: int
    implementation: str | None = None
    owner: str | None = None
    applicable: bool | None = None
    justification: str | None = None


class AssessmentIn(Body):
    version: int
    assessment: str
    reasoning: str


class LinkIn(Body):
    title: str
    url: str
    kind: str = "link"  # link | test_result
    control_ids: list[int] = []


class RiskIn(Body):
    hazard: str
    affected_group: str = ""
    likelihood: int
    impact: int
    treatment: str = ""
    owner: str = ""


class FindingIn(Body):
    description: str
    control_urn: str | None = None
    severity: str = "minor"


class ActionIn(Body):
    root_cause: str
    action: str
    owner: str
    due_date: date


def _cycle(request: Request, session: Any, principal: Principal, cycle_id: int) -> Cycle:
    return service.get(
        session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
    )


def _set(body: BaseModel) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump(exclude={"version"}).items() if v is not None}


@router.patch("/cycles/{cycle_id}", name="api:pdca:plan")
def plan(
    request: Request, cycle_id: int, body: PlanIn, principal: Principal = Depends(require(EDIT))
) -> dict[str, Any]:
    """Scope, objectives, roles, KPIs, internal audit, management review, lessons learned."""
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        service.update_plan(session, cycle=cycle, version=body.version, values=_set(body))
        return {"cycle": cycle_id, "version": body.version + 1}


@router.patch("/cycles/{cycle_id}/controls/{control_id}", name="api:pdca:control")
def control(
    request: Request, cycle_id: int, control_id: int, body: ControlIn,
    principal: Principal = Depends(require(EDIT)),
) -> dict[str, Any]:  # fmt: skip
    """A control's implementation status and owner, or its exclusion with a justification."""
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        service.update_control(
            session, cycle=cycle, control_id=control_id, version=body.version, values=_set(body)
        )
        return {"control": control_id, "version": body.version + 1}


@router.post("/cycles/{cycle_id}/controls/{control_id}/assessment", name="api:pdca:assess")
def assess(
    request: Request, cycle_id: int, control_id: int, body: AssessmentIn,
    principal: Principal = Depends(require(Permission.PDCA_ASSESS)),
) -> dict[str, Any]:  # fmt: skip
    """A certified analyst's assessment of a control, with the reasoning (Check phase)."""
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        service.assess(
            session, cycle=cycle, control_id=control_id, version=body.version,
            assessment=body.assessment, reasoning=body.reasoning, analyst_id=principal.user_id or 0,
        )  # fmt: skip
        return {"control": control_id, "assessment": body.assessment}


@router.post("/cycles/{cycle_id}/evidence", name="api:pdca:evidence", status_code=201)
def evidence(
    request: Request,
    cycle_id: int,
    file: UploadFile = File(...),
    title: str = Form(""),
    control_id: list[int] = Form(default=[]),
    principal: Principal = Depends(require(EDIT)),
) -> dict[str, Any]:
    """Upload an evidence file (content-addressed) for controls of the cycle."""
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        stored = evidence_items.add_file_evidence(
            session,
            store=EvidenceStore(state.settings.home / "evidence"),
            cycle=cycle,
            title=title,
            filename=file.filename or "",
            chunks=iter(lambda: file.file.read(1024 * 1024), b""),
            control_ids=control_id,
            user_id=principal.user_id,
        )
        return {"evidence": stored.id, "sha256": stored.sha256, "size": stored.size}


@router.post("/cycles/{cycle_id}/links", name="api:pdca:link", status_code=201)
def link(
    request: Request, cycle_id: int, body: LinkIn, principal: Principal = Depends(require(EDIT))
) -> dict[str, Any]:
    """Offer a link (a document online, or a test result) as evidence for controls."""
    if body.kind not in ("link", "test_result"):
        raise InvalidInput(N_("Evidence links are of kind link or test_result."), field="kind")
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        added = evidence_items.add_link_evidence(
            session, cycle=cycle, title=body.title, url=body.url, kind=body.kind,
            control_ids=body.control_ids, user_id=principal.user_id,
        )  # fmt: skip
        return {"evidence": added.id}


@router.post("/cycles/{cycle_id}/risks", name="api:pdca:risk", status_code=201)
def risk(
    request: Request, cycle_id: int, body: RiskIn, principal: Principal = Depends(require(EDIT))
) -> dict[str, Any]:
    """Add a risk to the cycle's register (likelihood and impact 1–5)."""
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        return {"risk": service.add_risk(session, cycle=cycle, values=body.model_dump()).id}


@router.post("/cycles/{cycle_id}/findings", name="api:pdca:finding", status_code=201)
def finding(
    request: Request, cycle_id: int, body: FindingIn, principal: Principal = Depends(require(EDIT))
) -> dict[str, Any]:
    """Record a nonconformity."""
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        raised = service.raise_finding(
            session, cycle=cycle, description=body.description,
            control_urn=body.control_urn, severity=body.severity,
        )  # fmt: skip
        return {"finding": raised.id}


@router.put("/cycles/{cycle_id}/findings/{finding_id}/action", name="api:pdca:action")
def action(
    request: Request, cycle_id: int, finding_id: int, body: ActionIn,
    principal: Principal = Depends(require(EDIT)),
) -> dict[str, Any]:  # fmt: skip
    """Plan a nonconformity's corrective action (root cause, action, owner, due date)."""
    with transaction(app_state(request).sessions, write=True) as session:
        cycle = _cycle(request, session, principal, cycle_id)
        service.plan_action(
            session, cycle=cycle, finding_id=finding_id, root_cause=body.root_cause,
            action=body.action, owner=body.owner, due_date=body.due_date,
        )  # fmt: skip
        return {"finding": finding_id}
