"""HTML routes that record a cycle's risks, nonconformities and corrective actions, and assign
its analyst (the board in :mod:`soai.pdca.views` shows them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from soai.credentials import service as credentials
from soai.db import transaction
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.identity import service as identity
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.pdca import attestation, service, signoff
from soai.pdca.views import board_with_error
from soai.web.state import app_state

router = APIRouter()
EDIT = Permission.PDCA_EDIT


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if key != "csrf_token"}


def _scale(form: dict[str, str], field: str, *, required: bool = True) -> int | None:
    value = form.get(field, "")
    if not value and not required:
        return None
    if not value.isdigit():
        raise InvalidInput(
            N_("{name} must be from 1 to 5 (the 5 × 5 risk matrix)."), field=field, name=field
        )
    return int(value)


def _due(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(N_("Give the date as YYYY-MM-DD."), field="due_date") from None


def _back(cycle_id: int, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/pdca/cycles/{cycle_id}#{anchor}", status_code=303)


@router.post("/pdca/cycles/{cycle_id}/risks", name="pdca:add_risk")
async def add_risk(
    request: Request, cycle_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await _form(request)
    try:
        values: dict[str, Any] = {
            "hazard": form.get("hazard", ""),
            "affected_group": form.get("affected_group", ""),
            "likelihood": _scale(form, "likelihood"),
            "impact": _scale(form, "impact"),
            "treatment": form.get("treatment", ""),
            "owner": form.get("owner", ""),
        }
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            service.add_risk(session, cycle=cycle, values=values)
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "risks-heading")


@router.post("/pdca/cycles/{cycle_id}/risks/{risk_id}", name="pdca:update_risk")
async def update_risk(
    request: Request, cycle_id: int, risk_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await _form(request)
    try:
        values: dict[str, Any] = {
            "treatment": form.get("treatment", ""),
            "owner": form.get("owner", ""),
            "residual_likelihood": _scale(form, "residual_likelihood", required=False),
            "residual_impact": _scale(form, "residual_impact", required=False),
        }
        if form.get("status") in ("open", "treated", "accepted"):
            values["status"] = form["status"]
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            service.update_risk(session, cycle=cycle, risk_id=risk_id, values=values)
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "risks-heading")


@router.post("/pdca/cycles/{cycle_id}/findings", name="pdca:raise_finding")
async def raise_finding(
    request: Request, cycle_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    form = await _form(request)
    try:
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            service.raise_finding(
                session,
                cycle=cycle,
                description=form.get("description", ""),
                control_urn=form.get("control_urn") or None,
                severity=form.get("severity", "minor"),
            )
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "findings-heading")


@router.post("/pdca/cycles/{cycle_id}/findings/{finding_id}", name="pdca:action")
async def action(
    request: Request, cycle_id: int, finding_id: int, principal: Principal = Depends(require(EDIT))
) -> Response:
    """Plan a nonconformity's corrective action, or verify it (``verification`` given)."""
    form = await _form(request)
    try:
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            if "verification" in form:
                service.verify_action(
                    session, cycle=cycle, finding_id=finding_id, note=form["verification"]
                )
            else:
                service.plan_action(
                    session,
                    cycle=cycle,
                    finding_id=finding_id,
                    root_cause=form.get("root_cause", ""),
                    action=form.get("action", ""),
                    owner=form.get("owner", ""),
                    due_date=_due(form.get("due_date", "")),
                )
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "findings-heading")


@router.post("/pdca/cycles/{cycle_id}/analyst", name="pdca:assign")
async def assign(
    request: Request,
    cycle_id: int,
    principal: Principal = Depends(require(Permission.PDCA_MANAGE)),
) -> Response:
    form = await _form(request)
    try:
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            user = identity.get_user(session, email=form.get("email", ""))
            service.assign_analyst(session, cycle=cycle, analyst_id=user.id, roles=user.role_names)
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "gate-heading")


@router.post("/pdca/cycles/{cycle_id}/attest", name="pdca:attest")
async def attest(
    request: Request,
    cycle_id: int,
    principal: Principal = Depends(require(Permission.PDCA_MANAGE)),
) -> Response:
    """Issue the signed attestation of a closed cycle to the provider's e-mail address."""
    form = await _form(request)
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            attestation.attest(
                session,
                cycle=cycle,
                issuer=credentials.issuer_for(state.settings),
                email=form.get("email", ""),
                user_id=principal.user_id,
            )
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "gate-heading")


@router.post("/pdca/cycles/{cycle_id}/reopen", name="pdca:reopen")
async def reopen(
    request: Request,
    cycle_id: int,
    principal: Principal = Depends(require(Permission.PDCA_MANAGE)),
) -> Response:
    """Reopen a passed gate with a reason (logged); the cycle returns to that phase."""
    form = await _form(request)
    try:
        with transaction(app_state(request).sessions, write=True) as session:
            cycle = service.get(
                session, cycle_id=cycle_id, scope=service.scope_for(session, principal=principal)
            )
            signoff.reopen(
                session,
                cycle=cycle,
                phase=form.get("phase", ""),
                reason=form.get("reason", ""),
                user_id=principal.user_id,
            )
    except SoaiError as exc:
        return board_with_error(request, cycle_id, exc)
    return _back(cycle_id, "gate-heading")
