"""HTTP middleware: security headers, the CSRF cookie, request ids and access logs."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

from soai.web.pages import CSRF_COOKIE
from soai.web.state import app_state

log = structlog.get_logger("soai.http")

CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Handler = Callable[[Request], Awaitable[Response]]


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def security(request: Request, call_next: Handler) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        new_csrf = None
        if not request.cookies.get(CSRF_COOKIE):
            new_csrf = secrets.token_urlsafe(32)
            request.state.csrf_cookie = new_csrf
        started = time.perf_counter()
        response = await call_next(request)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if app_state(request).settings.secure_cookies:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        response.headers["X-Request-ID"] = request_id
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        cookie = getattr(request.state, "csrf_cookie", None)
        if new_csrf is not None or getattr(request.state, "csrf_rotated", False):
            response.set_cookie(
                CSRF_COOKIE,
                cookie or "",
                httponly=True,
                samesite="lax",
                secure=app_state(request).settings.secure_cookies,
                path="/",
            )
        log.info(
            "request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        structlog.contextvars.unbind_contextvars("request_id")
        return response
