"""JSON API of SOAI-PDCA under /api/v1/pdca: cycles, a cycle's board, signing a gate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from soai.catalog import service as catalog
from soai.db import transaction, utcnow
from soai.errors import PermissionDenied
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.pdca import cli, oscal_results, service, signoff
from soai.pdca import evidence as evidence_items
from soai.pdca.models import Control, Finding, Risk
from soai.web.state import app_state

router = APIRouter(prefix="/pdca", tags=["pdca"])


@router.get("/cycles", name="api:pdca:cycles")
def cycles(
    request: Request, principal: Principal = Depends(require(Permission.PDCA_VIEW))
) -> list[dict[str, Any]]:
    """The cycles the caller may see, with their AI system, number, phase, status and score."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        scope = service.scope_for(session, principal=principal)
        return [
            cli.summary(session, c, state.profile.country.code)
            for c in service.cycles(session, scope=scope)
        ]


@router.get("/cycles/{cycle_id}", name="api:pdca:cycle")
def cycle(
    request: Request, cycle_id: int, principal: Principal = Depends(require(Permission.PDCA_VIEW))
) -> dict[str, Any]:
    """One cycle: phase, what its gate misses, score, risks, Statement of Applicability, findings."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        found = service.get(
            session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
        )
        data = cli.summary(session, found, state.profile.country.code)
        current = signoff.score(session, cycle=found)
        evidence = evidence_items.evidence_for(session, cycle=found)
        data.update(
            missing=[m.format(**p) for m, p in signoff.missing(session, cycle=found)],
            score_now={"overall": current.overall, "by_framework": current.by_framework,
                       "maturity": current.maturity, "capped": current.capped},
            risks=[
                {"hazard": r.hazard, "likelihood": r.likelihood, "impact": r.impact,
                 "treatment": r.treatment, "owner": r.owner, "status": r.status}
                for r in session.scalars(select(Risk).where(Risk.cycle_id == found.id))
            ],
            controls=[
                {"id": c.id, "urn": c.urn, "source": c.source, "applicable": c.applicable,
                 "justification": c.justification, "implementation": c.implementation,
                 "owner": c.owner, "assessment": c.assessment, "reasoning": c.reasoning,
                 "evidence": [e.sha256 or e.url for e in evidence.get(c.id, [])],
                 "version": c.version}
                for c in session.scalars(select(Control).where(Control.cycle_id == found.id))
            ],
            findings=[
                {"description": f.description, "severity": f.severity, "action": f.action,
                 "owner": f.owner, "due_date": f.due_date.isoformat() if f.due_date else None,
                 "status": f.status}
                for f in session.scalars(select(Finding).where(Finding.cycle_id == found.id))
            ],
        )  # fmt: skip
        return data


@router.post("/cycles/{cycle_id}/gate", name="api:pdca:sign")
def sign(
    request: Request,
    cycle_id: int,
    phase: str = Body(..., embed=True),
    principal: Principal = Depends(require(Permission.PDCA_EDIT)),
) -> dict[str, Any]:
    """Sign the current phase's gate; 422 with what is missing while the criteria do not hold."""
    if phase == "check" and not principal.can(Permission.PDCA_ASSESS):
        raise PermissionDenied(N_("Only a certified analyst signs the Check gate."))
    with transaction(app_state(request).sessions, write=True) as session:
        found = service.get(
            session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
        )
        gate = signoff.sign(
            session,
            cycle=found,
            phase=phase,
            user_id=principal.user_id,
            signer=principal.display_name or principal.email or "?",
        )
        return {"phase": gate.phase, "signed_by": gate.signer_name,
                "ledger_position": gate.ledger_position}  # fmt: skip


@router.get("/cycles/{cycle_id}/oscal-results", name="api:pdca:oscal_results")
def oscal_results_document(
    request: Request, cycle_id: int, principal: Principal = Depends(require(Permission.PDCA_VIEW))
) -> JSONResponse:
    """The cycle's assessment as an OSCAL assessment-results document."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        found = service.get(
            session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
        )
        data = oscal_results.from_cycle(session, cycle=found, country=state.profile.country.code)
    document = oscal_results.assessment_results(
        data, catalog_href=catalog.OSCAL_CATALOG_PATH, generated_at=utcnow()
    )
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": f'attachment; filename="soai-pdca-cycle-{cycle_id}-assessment-results.json"'
        },
    )
