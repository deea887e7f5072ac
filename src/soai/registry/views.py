"""HTML routes of the registry: the public register, the questionnaire, systems, organisations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction
from soai.errors import SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.registry import (
    changes,
    explain,
    import_views,
    listing,
    organisation_views,
    questionnaire,
    rules,
    service,
)
from soai.registry.schemas import parse_profile
from soai.web.pages import render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="registry",
    title=N_("AI system register"),
    summary=N_(
        "Organisations and their AI systems, each classified by risk with an explanation "
        "that cites the law."
    ),
)

router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]
PAGE = 50


def _scope(request: Request, principal: Principal) -> service.Scope:
    with transaction(app_state(request).sessions) as session:
        return service.scope_for(session, principal=principal)


def _page_number(page: int) -> int:
    return max(page, 1)


# --- the public register ---------------------------------------------------------------------


@router.get("/registry", response_class=HTMLResponse, name="registry:home", dependencies=PUBLIC)
def public_register(
    request: Request, q: str = "", risk: str = "", sector: str = "", page: int = 1
) -> HTMLResponse:
    state = app_state(request)
    page = _page_number(page)
    with transaction(state.sessions) as session:
        found = listing.search(
            session,
            scope=None,
            query=q,
            risk=risk or None,
            sector=sector or None,
            offset=(page - 1) * PAGE,
            limit=PAGE,
        )
        counts = listing.counts_by_risk(session, public_only=True)
    return render(
        request,
        "registry/public.html",
        {
            "part": PART,
            "found": found,
            "counts": counts,
            "q": q,
            "risk": risk,
            "sector": sector,
            "page": page,
            "pages": max((found.total + PAGE - 1) // PAGE, 1),
            "country": state.profile.country.code,
            "reference": service.reference,
            **explain.labels(),
        },
    )


@router.get(
    "/registry/public/{system_id}",
    response_class=HTMLResponse,
    name="registry:public_system",
    dependencies=PUBLIC,
)
def public_system(request: Request, system_id: int) -> HTMLResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        system = service.get(session, system_id=system_id, scope=service.Scope(everything=True))
        if not system.is_public:
            raise service.not_in_register(system_id)
        owner = service.organisation(
            session, organisation_id=system.organisation_id, scope=service.Scope(everything=True)
        )
        latest = service.latest(session, system_id=system_id)
    return render(
        request,
        "registry/public_system.html",
        {
            "system": system,
            "owner": owner,
            "latest": latest,
            "reference": service.reference(state.profile.country.code, system.id),
            "explained": explain.result(latest.result, translator_for(request)) if latest else None,
            **explain.labels(),
        },
    )


# --- the questionnaire (self-check, register, edit) ------------------------------------------


def _questionnaire(
    request: Request,
    *,
    template: str,
    values: dict[str, list[str]],
    error: SoaiError | None = None,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    t = translator_for(request)
    field = (error.field or "") if error else ""
    invalid = field.removeprefix("answers.").removeprefix("system.").split("[")[0].split(".")[0]
    return render(
        request,
        template,
        {
            "sections": questionnaire.SECTIONS,
            "values": values,
            "error": error.render(t.gettext) if error else None,
            "invalid": invalid,
            "explained": None,
            "result": None,
            **explain.labels(),
            **(extra or {}),
        },
        status_code=error.status if error else 200,
    )


@router.get(
    "/registry/check", response_class=HTMLResponse, name="registry:check", dependencies=PUBLIC
)
def check_form(request: Request) -> HTMLResponse:
    return _questionnaire(request, template="registry/check.html", values={})


@router.post(
    "/registry/check",
    response_class=HTMLResponse,
    name="registry:check_submit",
    dependencies=PUBLIC,
)
async def check_submit(request: Request) -> HTMLResponse:
    """Classify answers without saving anything: a self-assessment anyone may run."""
    values = questionnaire.form_values(await request.form())
    name = (values.get("name") or [""])[0].strip() or "AI system"
    data = {
        **questionnaire.answers_from_form(values),
        "name": name,
        "sector": (values.get("sector") or ["other"])[0] or "other",
        "role": (values.get("role") or ["provider"])[0] or "provider",
    }
    try:
        profile = parse_profile(data)
    except SoaiError as exc:
        return _questionnaire(request, template="registry/check.html", values=values, error=exc)
    rule_set = service.ruleset(app_state(request).profile)
    result = rules.classify(profile, rule_set).to_json()
    return _questionnaire(
        request,
        template="registry/check.html",
        values=values,
        extra={"explained": explain.result(result, translator_for(request)), "result": result},
    )


# --- systems of one's organisations ----------------------------------------------------------


@router.get("/registry/systems", response_class=HTMLResponse, name="registry:systems")
def systems(
    request: Request,
    q: str = "",
    risk: str = "",
    sector: str = "",
    status: str = "",
    page: int = 1,
    principal: Principal = Depends(require(Permission.REGISTRY_VIEW)),
) -> HTMLResponse:
    state = app_state(request)
    scope = _scope(request, principal)
    page = _page_number(page)
    with transaction(state.sessions) as session:
        found = listing.search(
            session,
            scope=scope,
            query=q,
            risk=risk or None,
            sector=sector or None,
            status=status or None,
            offset=(page - 1) * PAGE,
            limit=PAGE,
        )
    return render(
        request,
        "registry/systems.html",
        {
            "found": found,
            "q": q,
            "risk": risk,
            "sector": sector,
            "status": status,
            "page": page,
            "pages": max((found.total + PAGE - 1) // PAGE, 1),
            "scope": scope,
            "can_edit": principal.can(Permission.REGISTRY_EDIT),
            "country": state.profile.country.code,
            "reference": service.reference,
            **explain.labels(),
        },
    )


def _organisations_for(request: Request, scope: service.Scope) -> list[Any]:
    with transaction(app_state(request).sessions) as session:
        return service.organisations(session, scope=scope)


@router.get("/registry/systems/new", response_class=HTMLResponse, name="registry:new")
def new_system(
    request: Request, principal: Principal = Depends(require(Permission.REGISTRY_EDIT))
) -> HTMLResponse:
    scope = _scope(request, principal)
    return _questionnaire(
        request,
        template="registry/edit.html",
        values={},
        extra={"organisations": _organisations_for(request, scope), "system": None},
    )


@router.post("/registry/systems", response_class=HTMLResponse, name="registry:create")
async def create_system(
    request: Request, principal: Principal = Depends(require(Permission.REGISTRY_EDIT))
) -> Response:
    state = app_state(request)
    scope = _scope(request, principal)
    values = questionnaire.form_values(await request.form())
    try:
        submission = questionnaire.submission_from_form(values)
        organisation_id = questionnaire.organisation_choice(values)
        with transaction(state.sessions, write=True) as session:
            system = service.register(
                session,
                organisation_id=organisation_id,
                submission=submission,
                rule_set=service.ruleset(state.profile),
                scope=scope,
                country=state.profile.country.code,
                user_id=principal.user_id,
            )
            system_id = system.id
    except SoaiError as exc:
        return _questionnaire(
            request,
            template="registry/edit.html",
            values=values,
            error=exc,
            extra={"organisations": _organisations_for(request, scope), "system": None},
        )
    return RedirectResponse(f"/registry/systems/{system_id}", status_code=303)


@router.get("/registry/systems/{system_id}", response_class=HTMLResponse, name="registry:system")
def system_page(
    request: Request,
    system_id: int,
    principal: Principal = Depends(require(Permission.REGISTRY_VIEW)),
) -> HTMLResponse:
    state = app_state(request)
    scope = _scope(request, principal)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        system = service.get(session, system_id=system_id, scope=scope)
        owner = service.organisation(
            session, organisation_id=system.organisation_id, scope=service.Scope(everything=True)
        )
        history = service.history(session, system_id=system_id)
    current = history[0] if history else None
    return render(
        request,
        "registry/system.html",
        {
            "system": system,
            "owner": owner,
            "history": history,
            "explained": explain.result(current.result, t) if current else None,
            "reference": service.reference(state.profile.country.code, system.id),
            "can_edit": principal.can(Permission.REGISTRY_EDIT),
            "describe_change": explain.change,
            "deciding_step": changes.deciding_step,
            "step_text": explain.step_text,
            **explain.labels(),
        },
    )


@router.get("/registry/systems/{system_id}/edit", response_class=HTMLResponse, name="registry:edit")
def edit_system(
    request: Request,
    system_id: int,
    principal: Principal = Depends(require(Permission.REGISTRY_EDIT)),
) -> HTMLResponse:
    scope = _scope(request, principal)
    with transaction(app_state(request).sessions) as session:
        system = service.get(session, system_id=system_id, scope=scope)
        values = questionnaire.form_of_system(system)
        values["organisation_id"] = [str(system.organisation_id)]
    return _questionnaire(
        request,
        template="registry/edit.html",
        values=values,
        extra={"organisations": _organisations_for(request, scope), "system": system},
    )


@router.post("/registry/systems/{system_id}", response_class=HTMLResponse, name="registry:update")
async def update_system(
    request: Request,
    system_id: int,
    principal: Principal = Depends(require(Permission.REGISTRY_EDIT)),
) -> Response:
    state = app_state(request)
    scope = _scope(request, principal)
    values = questionnaire.form_values(await request.form())
    try:
        submission = questionnaire.submission_from_form(values)
        with transaction(state.sessions, write=True) as session:
            service.update(
                session,
                system_id=system_id,
                submission=submission,
                rule_set=service.ruleset(state.profile),
                scope=scope,
                country=state.profile.country.code,
                user_id=principal.user_id,
            )
    except SoaiError as exc:
        with transaction(state.sessions) as session:
            system = service.get(session, system_id=system_id, scope=scope)
        return _questionnaire(
            request,
            template="registry/edit.html",
            values=values,
            error=exc,
            extra={"organisations": _organisations_for(request, scope), "system": system},
        )
    return RedirectResponse(f"/registry/systems/{system_id}", status_code=303)


# Every router of the part, for the app (organisations have their own module).
routers = [router, organisation_views.router, import_views.router]
