"""Rendering portal pages: the reader's language, the layout's context, htmx fragments."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from soai.i18n import Translator, negotiate
from soai.identity.schemas import ANONYMOUS, Principal
from soai.identity.tokens import csrf_token
from soai.web.navigation import visible_items
from soai.web.state import app_state
from soai.web.templating import render_to_string

LANG_COOKIE = "soai_lang"
CSRF_COOKIE = "soai_csrf"
SESSION_COOKIE = "soai_session"
NOTICE_COOKIE = "soai_notice"


def principal_of(request: Request) -> Principal:
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    return principal


def language_for(request: Request) -> str:
    """Cookie choice, then the user's saved language, then the browser's, then the profile's."""
    profile = app_state(request).profile
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in profile.languages:
        return chosen
    principal = principal_of(request)
    if principal.language in profile.languages:
        return principal.language
    return negotiate(
        request.headers.get("accept-language"), profile.languages, profile.default_language
    )


def translator_for(request: Request) -> Translator:
    cached: Translator | None = getattr(request.state, "translator", None)
    if cached is None:
        state = app_state(request)
        cached = Translator(language_for(request), state.profile.timezone)
        request.state.translator = cached
    return cached


def csrf_for(request: Request) -> str:
    cookie = getattr(request.state, "csrf_cookie", None) or request.cookies.get(CSRF_COOKIE, "")
    return csrf_token(app_state(request).settings.signing_secret(), cookie)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def page_context(request: Request) -> dict[str, Any]:
    state = app_state(request)
    t = translator_for(request)
    profile = state.profile
    principal = principal_of(request)
    return {
        "request": request,
        "t": t,
        "lang": t.language,
        "profile": profile,
        "brand_name": profile.text(profile.brand.name, t.language),
        "principal": principal,
        "csrf_token": csrf_for(request),
        "nav": visible_items(principal),
        "languages": [(code, t.language_name(code)) for code in profile.languages],
        "current_path": request.url.path,
        "is_htmx": is_htmx(request),
    }


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page or an htmx fragment (a ``parts/`` template) with the layout's context."""
    full = page_context(request)
    full.update(context or {})
    html = render_to_string(app_state(request).templates, name, full)
    return HTMLResponse(html, status_code=status_code)
