"""JSON API of the registry under /api/v1/registry: classify, systems, organisations, public list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse

from soai.catalog import service as catalog
from soai.db import transaction
from soai.errors import NotFound
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.registry import listing, rules, service
from soai.registry.models import AISystem, Organisation
from soai.registry.schemas import parse_profile
from soai.registry.submissions import (
    OrganisationIn,
    OrganisationOut,
    PublicSystemOut,
    SystemCreate,
    SystemIn,
    SystemOut,
    SystemSubmission,
)
from soai.web.state import app_state

router = APIRouter(prefix="/registry", tags=["registry"])
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


def _scope(request: Request, principal: Principal) -> service.Scope:
    with transaction(app_state(request).sessions) as session:
        return service.scope_for(session, principal=principal)


def system_out(
    request: Request, system: AISystem, owner: Organisation, *, history: list[Any] | None = None
) -> SystemOut:
    country = app_state(request).profile.country.code
    fields = {name: getattr(system, name) for name in SystemIn.model_fields}
    return SystemOut(
        id=system.id,
        reference=service.reference(country, system.id),
        organisation=OrganisationOut.model_validate(owner),
        system=SystemIn.model_construct(**fields),
        answers=system.answers,
        risk=system.risk,
        gpai=system.gpai,
        high_risk_route=system.high_risk_route,
        is_public=system.is_public,
        classification=history[0].result if history else None,
        history=[
            {
                "classified_at": c.classified_at.isoformat(),
                "reason": c.reason,
                "risk": c.risk,
                "rules_version": c.rules_version,
                "changes": c.changes,
                "ledger_position": c.ledger_position,
            }
            for c in history or []
        ],
    )


@router.post(
    "/classify",
    name="api:registry:classify",
    # Classifying changes nothing, so a script may call it without a session or CSRF token.
    dependencies=[Depends(require(Permission.PUBLIC_READ, csrf=False))],
)
def classify(request: Request, profile: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Classify an AI system profile (contracts/ai-system-profile.md); nothing is stored."""
    parsed = parse_profile(profile)
    return rules.classify(parsed, service.ruleset(app_state(request).profile)).to_json()


@router.get("/public", name="api:registry:public", dependencies=PUBLIC)
def public_register(
    request: Request,
    q: str = "",
    risk: str | None = None,
    sector: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[PublicSystemOut]:
    """The public register: high-risk systems and every public body's systems."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        page = listing.search(
            session, scope=None, query=q, risk=risk, sector=sector, offset=offset, limit=limit
        )
    country = state.profile.country.code
    return [
        PublicSystemOut(
            reference=service.reference(country, s.id),
            name=s.name,
            organisation=o.name,
            purpose=s.purpose,
            sector=s.sector,
            role=s.role,
            status=s.status,
            risk=s.risk,
            high_risk_route=s.high_risk_route,
            url=f"/registry/public/{s.id}",
        )
        for s, o in page.rows
    ]


@router.get("/systems", name="api:registry:systems")
def systems(
    request: Request,
    q: str = "",
    risk: str | None = None,
    sector: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
    principal: Principal = Depends(require(Permission.REGISTRY_VIEW)),
) -> list[SystemOut]:
    """Systems the caller may see (their organisations', or all for regulators)."""
    scope = _scope(request, principal)
    with transaction(app_state(request).sessions) as session:
        page = listing.search(
            session,
            scope=scope,
            query=q,
            risk=risk,
            sector=sector,
            status=status,
            offset=offset,
            limit=limit,
        )
        return [system_out(request, s, o) for s, o in page.rows]


@router.post("/systems", name="api:registry:create", status_code=201)
def create(
    request: Request,
    body: SystemCreate,
    principal: Principal = Depends(require(Permission.REGISTRY_EDIT)),
) -> SystemOut:
    """Register a system with one of the caller's organisations; it is classified and logged."""
    state = app_state(request)
    scope = _scope(request, principal)
    with transaction(state.sessions, write=True) as session:
        system = service.register(
            session,
            organisation_id=body.organisation_id,
            submission=SystemSubmission(system=body.system, answers=body.answers),
            rule_set=service.ruleset(state.profile),
            scope=scope,
            country=state.profile.country.code,
            user_id=principal.user_id,
        )
        owner = session.get_one(Organisation, system.organisation_id)
        return system_out(
            request, system, owner, history=service.history(session, system_id=system.id)
        )


@router.get("/systems/{system_id}", name="api:registry:system")
def system(
    request: Request,
    system_id: int,
    principal: Principal = Depends(require(Permission.REGISTRY_VIEW)),
) -> SystemOut:
    """A system with its latest classification and the history of its classifications."""
    scope = _scope(request, principal)
    with transaction(app_state(request).sessions) as session:
        found = service.get(session, system_id=system_id, scope=scope)
        owner = session.get_one(Organisation, found.organisation_id)
        return system_out(
            request, found, owner, history=service.history(session, system_id=system_id)
        )


@router.put("/systems/{system_id}", name="api:registry:update")
def update(
    request: Request,
    system_id: int,
    body: SystemSubmission,
    principal: Principal = Depends(require(Permission.REGISTRY_EDIT)),
) -> SystemOut:
    """Replace a system's description and answers; reclassified when the answers changed."""
    state = app_state(request)
    scope = _scope(request, principal)
    with transaction(state.sessions, write=True) as session:
        service.update(
            session,
            system_id=system_id,
            submission=body,
            rule_set=service.ruleset(state.profile),
            scope=scope,
            country=state.profile.country.code,
            user_id=principal.user_id,
        )
        found = service.get(session, system_id=system_id, scope=scope)
        owner = session.get_one(Organisation, found.organisation_id)
        return system_out(
            request, found, owner, history=service.history(session, system_id=system_id)
        )


@router.get("/systems/{system_id}/oscal-profile", name="api:registry:oscal_profile")
def oscal_profile(
    request: Request,
    system_id: int,
    principal: Principal = Depends(require(Permission.REGISTRY_VIEW)),
) -> JSONResponse:
    """The system's applicable requirements as an OSCAL profile of the soai catalog."""
    state = app_state(request)
    scope = _scope(request, principal)
    with transaction(state.sessions) as session:
        found = service.get(session, system_id=system_id, scope=scope)
        urns = service.applicable_requirements(session, system_id=system_id)
        reference = service.reference(state.profile.country.code, found.id)
        if not urns:
            raise NotFound(
                N_("{reference} has no obligation to export: it is {risk}."),
                reference=reference,
                risk=found.risk,
            )
        document = catalog.oscal_profile(
            title=f"{reference} {found.name}", urns=urns, version=found.updated_at.isoformat()
        )
    return JSONResponse(
        document,
        headers={"Content-Disposition": f'attachment; filename="{reference}-oscal-profile.json"'},
    )


@router.get("/organisations", name="api:registry:organisations")
def organisations(
    request: Request, principal: Principal = Depends(require(Permission.REGISTRY_VIEW))
) -> list[OrganisationOut]:
    scope = _scope(request, principal)
    with transaction(app_state(request).sessions) as session:
        return [
            OrganisationOut.model_validate(o) for o in service.organisations(session, scope=scope)
        ]


@router.post("/organisations", name="api:registry:create_organisation", status_code=201)
def create_organisation(
    request: Request,
    body: OrganisationIn,
    _: Principal = Depends(require(Permission.REGISTRY_MANAGE)),
) -> OrganisationOut:
    with transaction(app_state(request).sessions, write=True) as session:
        return OrganisationOut.model_validate(service.create_organisation(session, data=body))
