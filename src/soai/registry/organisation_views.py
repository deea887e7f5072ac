"""HTML routes of the register's organisations: list, add, link provider accounts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction
from soai.errors import SoaiError
from soai.identity import service as identity
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.registry import explain, service
from soai.registry.submissions import OrganisationIn, validated
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()


def _organisations_page(
    request: Request,
    principal: Principal,
    *,
    error: SoaiError | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with transaction(app_state(request).sessions) as session:
        scope = service.scope_for(session, principal=principal)
        found = service.organisations(session, scope=scope)
        counts = service.system_counts(session)
    t = translator_for(request)
    return render(
        request,
        "registry/organisations.html",
        {
            "organisations": found,
            "counts": counts,
            "can_manage": principal.can(Permission.REGISTRY_MANAGE),
            "error": error.render(t.gettext) if error else None,
            "error_field": error.field if error else None,
            "form": form or {},
            **explain.labels(),
        },
        status_code=error.status if error else 200,
    )


@router.get("/registry/organisations", response_class=HTMLResponse, name="registry:organisations")
def organisations(
    request: Request, principal: Principal = Depends(require(Permission.REGISTRY_VIEW))
) -> HTMLResponse:
    return _organisations_page(request, principal)


@router.post(
    "/registry/organisations", response_class=HTMLResponse, name="registry:create_organisation"
)
async def create_organisation(
    request: Request, principal: Principal = Depends(require(Permission.REGISTRY_MANAGE))
) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    form.pop("csrf_token", None)
    data = {key: value.strip() for key, value in form.items() if value.strip()}
    try:
        organisation = validated(OrganisationIn, data)
        with transaction(app_state(request).sessions, write=True) as session:
            service.create_organisation(session, data=organisation)
    except SoaiError as exc:
        return _organisations_page(request, principal, error=exc, form=form)
    return RedirectResponse("/registry/organisations", status_code=303)


@router.post(
    "/registry/organisations/{organisation_id}/members",
    response_class=HTMLResponse,
    name="registry:add_member",
)
async def add_member(
    request: Request,
    organisation_id: int,
    principal: Principal = Depends(require(Permission.REGISTRY_MANAGE)),
) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    try:
        with transaction(app_state(request).sessions, write=True) as session:
            user = identity.get_user(session, email=email)
            service.add_member(session, organisation_id=organisation_id, user_id=user.id)
    except SoaiError as exc:
        return _organisations_page(request, principal, error=exc, form={"email": email})
    return RedirectResponse("/registry/organisations", status_code=303)
