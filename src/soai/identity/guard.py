"""Route guards: who is asking, and may they? Every route declares one permission.

``Depends(require(Permission.X))`` resolves the caller (bearer token, session cookie or
anonymous), checks the CSRF token of every unsafe request that a browser could forge, and
answers 401 (not signed in) or 403 (signed in without the permission).
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from soai.db import transaction
from soai.errors import AuthenticationRequired, PermissionDenied
from soai.i18n.markers import N_
from soai.identity import service
from soai.identity.policy import Permission, needs_sign_in
from soai.identity.schemas import ANONYMOUS, Principal
from soai.identity.tokens import csrf_matches
from soai.web.pages import CSRF_COOKIE, SESSION_COOKIE
from soai.web.state import app_state

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _resolve(request: Request) -> Principal:
    state = app_state(request)
    token = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if token is None and not cookie:
        return ANONYMOUS
    with transaction(state.sessions) as session:  # reads only
        if token is not None:
            principal = service.resolve_token(session, raw=token)
        else:
            assert cookie is not None
            try:
                principal = service.resolve_session(session, raw=cookie, settings=state.settings)
            except AuthenticationRequired as expired:
                request.state.session_error = expired
                return ANONYMOUS
    if principal.touch_due:
        with transaction(state.sessions, write=True) as session:
            service.touch(session, raw=token or cookie or "", via=principal.via)
    return principal


async def current_principal(request: Request) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is None:
        cached = await run_in_threadpool(_resolve, request)
        request.state.principal = cached
    return cached


async def _check_csrf(request: Request) -> None:
    presented = request.headers.get("x-csrf-token")
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        presented = value if isinstance(value, str) else None
    secret = app_state(request).settings.signing_secret()
    cookie = getattr(request.state, "csrf_cookie", None) or request.cookies.get(CSRF_COOKIE)
    if not csrf_matches(secret, cookie, presented):
        raise CsrfFailed(
            N_(
                "The form's security token is missing or out of date. Reload the page and try again."
            )
        )


class require:
    """A dependency that lets through only callers holding ``permission``."""

    def __init__(self, permission: Permission, *, csrf: bool = True) -> None:
        self.permission = permission
        # csrf=False only for unsafe-method routes that change nothing (a public verifier).
        self.csrf = csrf

    async def __call__(self, request: Request) -> Principal:
        principal = await current_principal(request)
        if not principal.can(self.permission):
            if not principal.is_authenticated and needs_sign_in(self.permission):
                expired = getattr(request.state, "session_error", None)
                raise expired or AuthenticationRequired(N_("Please sign in to continue."))
            raise PermissionDenied(N_("You do not have permission to open this page."))
        if self.csrf and request.method in UNSAFE_METHODS and principal.via != "token":
            await _check_csrf(request)
        return principal

    def __repr__(self) -> str:
        return f"require({self.permission.value})"
