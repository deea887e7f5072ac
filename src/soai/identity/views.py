"""HTML routes of identity: sign in, sign out, the account page and user administration."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction
from soai.errors import InvalidInput, SoaiError, TooManyAttempts
from soai.i18n.markers import N_
from soai.identity import passwords, service
from soai.identity.guard import require
from soai.identity.policy import ASSIGNABLE_ROLES, ROLE_LABELS, Permission, Role
from soai.identity.schemas import Principal, UserCreate
from soai.web.pages import NOTICE_COOKIE, SESSION_COOKIE, render, translator_for
from soai.web.state import app_state
from soai.web.views import safe_next

router = APIRouter()

NOTICES = {
    "session_expired": N_("Your session has expired. Please sign in again."),
    "signed_out": N_("You have signed out."),
}


def _notice(request: Request) -> str | None:
    key = request.cookies.get(NOTICE_COOKIE)
    if key in NOTICES:
        return translator_for(request).gettext(NOTICES[key])
    error = getattr(request.state, "session_error", None)
    if error is not None:
        return translator_for(request).gettext(NOTICES["session_expired"])
    return None


def _login_page(
    request: Request, *, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    response = render(
        request,
        "identity/login.html",
        {"next_url": next_url, "email": email, "error": error, "notice": _notice(request)},
        status_code=status,
    )
    response.delete_cookie(NOTICE_COOKIE)
    return response


@router.get("/login", response_class=HTMLResponse, name="identity:login")
def login_form(
    request: Request,
    next: str | None = None,
    principal: Principal = Depends(require(Permission.PUBLIC_READ)),
) -> Response:
    if principal.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse, name="identity:login_submit")
def login_submit(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    _: Principal = Depends(require(Permission.PUBLIC_READ)),
) -> Response:
    state = app_state(request)
    t = translator_for(request)
    next_url = safe_next(next)
    if not email.strip() or not password:
        message = t.gettext(N_("Enter your e-mail address and your password."))
        return _login_page(request, next_url=next_url, email=email, error=message, status=422)
    try:
        with transaction(state.sessions, write=True) as session:
            user = service.authenticate(
                session, email=email, password=password, settings=state.settings
            )
            raw = (
                service.start_session(session, user=user, settings=state.settings) if user else None
            )
    except TooManyAttempts as exc:
        return _login_page(
            request, next_url=next_url, email=email, error=exc.render(t.gettext), status=429
        )
    if raw is None:
        message = t.gettext(N_("The e-mail address or the password is wrong."))
        return _login_page(request, next_url=next_url, email=email, error=message, status=401)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
        path="/",
    )
    # A new CSRF secret for the new login (no token from before sign-in stays valid).
    request.state.csrf_cookie = secrets.token_urlsafe(32)
    request.state.csrf_rotated = True
    return response


@router.post("/logout", name="identity:logout")
def logout(request: Request, _: Principal = Depends(require(Permission.ACCOUNT_SELF))) -> Response:
    state = app_state(request)
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        with transaction(state.sessions, write=True) as session:
            service.end_session(session, raw=raw)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.set_cookie(NOTICE_COOKIE, "signed_out", max_age=60, httponly=True, samesite="lax")
    request.state.csrf_cookie = secrets.token_urlsafe(32)
    request.state.csrf_rotated = True
    return response


@router.get("/account", response_class=HTMLResponse, name="identity:account")
def account(
    request: Request, principal: Principal = Depends(require(Permission.ACCOUNT_SELF))
) -> HTMLResponse:
    roles = [ROLE_LABELS[Role(r)] for r in sorted(principal.roles) if r != Role.PUBLIC.value]
    return render(request, "identity/account.html", {"roles": roles})


def _users_page(
    request: Request,
    *,
    error: SoaiError | None = None,
    created: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        users = service.list_users(session)
        rows = [
            {
                "id": u.id,
                "email": u.email,
                "display_name": u.display_name,
                "roles": [ROLE_LABELS[Role(r)] for r in sorted(u.role_names)],
                "is_active": u.is_active,
                "last_login_at": u.last_login_at,
            }
            for u in users
        ]
    return render(
        request,
        "identity/users.html",
        {
            "users": rows,
            "roles": [(r.value, ROLE_LABELS[r]) for r in ASSIGNABLE_ROLES],
            "error": error.render(t.gettext) if error else None,
            "error_field": error.field if error else None,
            "created": created,
            "form": form or {},
            "min_password_length": passwords.MIN_LENGTH,
        },
        status_code=error.status if error else 200,
    )


@router.get("/admin/users", response_class=HTMLResponse, name="identity:users")
def users(
    request: Request, _: Principal = Depends(require(Permission.USERS_MANAGE))
) -> HTMLResponse:
    return _users_page(request)


@router.post("/admin/users", response_class=HTMLResponse, name="identity:users_create")
def users_create(
    request: Request,
    email: str = Form(""),
    display_name: str = Form(""),
    password: str = Form(""),
    roles: list[str] = Form(default_factory=list),
    _: Principal = Depends(require(Permission.USERS_MANAGE)),
) -> HTMLResponse:
    state = app_state(request)
    form = {"email": email, "display_name": display_name}
    try:
        if not roles:
            raise InvalidInput(N_("Choose at least one role."), field="roles")
        if not display_name.strip():
            raise InvalidInput(N_("Enter the person's name."), field="display_name")
        known = {r.value for r in ASSIGNABLE_ROLES}
        unknown = [r for r in roles if r not in known]
        if unknown:
            raise InvalidInput(N_("Unknown role {role}."), field="roles", role=unknown[0])
        data = UserCreate.model_construct(
            email=email,
            display_name=display_name,
            password=password,
            roles=[Role(r) for r in roles],
            language=None,
        )
        with transaction(state.sessions, write=True) as session:
            user = service.create_user(session, data=data)
            created = user.email
    except SoaiError as exc:
        return _users_page(request, error=exc, form=form)
    return _users_page(request, created=created)


@router.post("/admin/users/{user_id}/disable", name="identity:users_disable")
def users_disable(
    request: Request, user_id: int, principal: Principal = Depends(require(Permission.USERS_MANAGE))
) -> Response:
    state = app_state(request)
    if user_id == principal.user_id:
        return _users_page(
            request, error=InvalidInput(N_("You cannot disable your own account."), field="user")
        )
    with transaction(state.sessions, write=True) as session:
        service.disable_user(session, user=service.get_user_by_id(session, user_id=user_id))
    return RedirectResponse("/admin/users", status_code=303)
