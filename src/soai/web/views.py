"""Portal-wide routes: home dashboard, language switcher, brand assets and health."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from soai.db import check_connection, transaction
from soai.identity import service as identity
from soai.identity.guard import require
from soai.identity.policy import ROLE_LABELS, Permission, Role
from soai.identity.schemas import Principal
from soai.profiles import service as profiles
from soai.web.framework import PARTS
from soai.web.pages import LANG_COOKIE, render
from soai.web.state import app_state

router = APIRouter()
api_router = APIRouter(tags=["instance"])
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths may be redirected to (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@router.get("/", response_class=HTMLResponse, name="home")
def home(
    request: Request, principal: Principal = Depends(require(Permission.PUBLIC_READ))
) -> HTMLResponse:
    state = app_state(request)
    context: dict[str, Any] = {"parts": PARTS, "instance": None}
    if principal.can(Permission.REPORTS_INSTANCE):
        with transaction(state.sessions) as session:
            counts = identity.count_by_role(session)
        context["instance"] = {
            "users_by_role": [
                (ROLE_LABELS[role], counts.get(role.value, 0))
                for role in Role
                if role is not Role.PUBLIC
            ],
            "database": state.sessions.kw["bind"].dialect.name,
        }
    return render(request, "web/home.html", context)


@router.get("/lang/{code}", name="language", dependencies=PUBLIC)
def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    state = app_state(request)
    target = safe_next(next)
    response = RedirectResponse(target, status_code=303)
    if code in state.profile.languages:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=state.settings.secure_cookies,
            httponly=False,
        )
    return response


@router.get("/brand.css", name="brand:css", dependencies=PUBLIC)
def brand_css(request: Request) -> Response:
    brand = app_state(request).profile.brand
    css = (
        ":root {\n"
        f"  --brand-primary: {brand.primary_colour};\n"
        f"  --brand-accent: {brand.accent_colour};\n"
        "}\n"
    )
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})


@router.get("/brand/logo", name="brand:logo", dependencies=PUBLIC)
def brand_logo(request: Request) -> FileResponse:
    path = profiles.logo_path(app_state(request).home.resolve())
    media = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=300"})


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", name="health", dependencies=PUBLIC)
def health(request: Request) -> Health:
    engine = app_state(request).sessions.kw["bind"]
    check_connection(engine)
    return Health(status="ok", database=engine.dialect.name)


class InstanceInfo(BaseModel):
    name: dict[str, str]
    country: str
    regulator: dict[str, str]
    languages: list[str]
    timezone: str
    issuer: str


@api_router.get("/instance", name="api:instance", dependencies=PUBLIC)
def instance_info(request: Request) -> InstanceInfo:
    """Who runs this installation: brand, country, regulator, languages and issuer."""
    profile = app_state(request).profile
    return InstanceInfo(
        name=profile.brand.name,
        country=profile.country.code,
        regulator=profile.regulator.name,
        languages=profile.languages,
        timezone=profile.timezone,
        issuer=profile.issuer_did,
    )
