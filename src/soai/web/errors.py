"""Turning errors into answers: JSON ``{"error": {...}}`` for the API, pages for people.

The handler is chosen by the error's type. Nothing ever shows a stack trace: unexpected
errors are logged with their traceback and answered with a generic, translated message.
"""

from __future__ import annotations

import traceback
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from soai.errors import GENERIC_MESSAGES, AuthenticationRequired, SoaiError
from soai.i18n.markers import N_
from soai.web.pages import render, translator_for

log = structlog.get_logger(__name__)

HTTP_MESSAGES = {
    400: N_("The request is not valid."),
    401: N_("Please sign in to continue."),
    403: N_("You do not have permission to open this page."),
    404: N_("This page does not exist."),
    405: N_("This address does not accept that kind of request."),
    413: N_("The upload is too large."),
    429: N_("Too many requests. Please wait and try again."),
    500: GENERIC_MESSAGES["internal"],
    503: N_("The service is temporarily unavailable."),
}
HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _gettext(request: Request) -> Any:
    return translator_for(request).gettext


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return {"error": body}


def respond(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(code, message, field), status_code=status)
    return render(
        request,
        "web/error.html",
        {"status": status, "message": message, "field": field},
        status_code=status,
    )


def _login_redirect(request: Request, message: str) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    if "expired" in message:
        response.set_cookie(
            "soai_notice", "session_expired", max_age=60, httponly=True, samesite="lax"
        )
    return response


async def on_soai_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SoaiError)
    message = exc.render(_gettext(request))
    if isinstance(exc, AuthenticationRequired) and not wants_json(request):
        return _login_redirect(request, exc.message)
    response = respond(request, exc.status, exc.code, message, exc.field)
    if isinstance(exc, AuthenticationRequired):
        response.headers["WWW-Authenticate"] = 'Bearer realm="soai"'
    return response


def _field_of(location: Any) -> str | None:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    gettext = _gettext(request)
    errors = exc.errors()
    first: dict[str, Any] = dict(errors[0]) if errors else {"loc": (), "msg": "", "type": ""}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        message = gettext(N_("The request body is not valid JSON: {reason}")).format(
            reason=ctx.get("error", first.get("msg", ""))
        )
        return respond(request, 400, "malformed_json", message, "body")
    details = "; ".join(f"{_field_of(e['loc']) or 'body'}: {e['msg']}" for e in errors[:10])
    message = gettext(N_("Some fields are not valid: {details}")).format(details=details)
    return respond(request, 422, "invalid_input", message, _field_of(first["loc"]))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = _gettext(request)(HTTP_MESSAGES.get(status, HTTP_MESSAGES[400]))
    response = respond(request, status, HTTP_CODES.get(status, "error"), message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "unhandled_error",
        path=request.url.path,
        method=request.method,
        error=type(exc).__name__,
        traceback=traceback.format_exc(),
    )
    try:
        message = _gettext(request)(GENERIC_MESSAGES["internal"])
        return respond(request, 500, "internal", message)
    except Exception:  # the error page itself failed: answer in plain JSON
        return JSONResponse(error_body("internal", GENERIC_MESSAGES["internal"]), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(SoaiError, on_soai_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
