"""HTML routes of the press kit (release in English and Khmer as Markdown, HTML and PDF, the
quotable statements the regulator edits) and of partnership enquiries (public form, inbox)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction, utcnow
from soai.errors import NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.programme import enquiries, press
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()
MANAGE = Permission.PROGRAMME_MANAGE
FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
           "pdf": "application/pdf"}  # fmt: skip


def _today(request: Request):  # type: ignore[no-untyped-def]
    from soai.programme.views import today_here

    return today_here(request)


def press_page(request: Request, principal: Principal, *, error: SoaiError | None = None,
               notice: str | None = None) -> HTMLResponse:  # fmt: skip
    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        stats = press.statistics(session, profile=state.profile, today=_today(request), t=t)
        quotes = press.quotes(session)
    context = {"stats": stats, "quotes": quotes, "manage": principal.can(MANAGE),
               "notice": notice, "error": error.render(t.gettext) if error else None}  # fmt: skip
    return render(request, "programme/press.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/programme/press", response_class=HTMLResponse, name="programme:press")
def press_kit(
    request: Request, principal: Principal = Depends(require(Permission.PUBLIC_READ))
) -> HTMLResponse:
    return press_page(request, principal)


@router.get("/programme/press/release.{language}.{fmt}", name="programme:release",
            dependencies=[Depends(require(Permission.PUBLIC_READ))])  # fmt: skip
def release(request: Request, language: str, fmt: str) -> Response:
    """The press release from today's figures: ``language`` en or km, ``fmt`` md, html or pdf."""
    if language not in press.LANGUAGES or fmt not in FORMATS:
        raise NotFound(N_("No press release {name}."), name=f"release.{language}.{fmt}")
    state = app_state(request)
    url = str(request.url_for("programme:home"))
    with transaction(state.sessions) as session:
        args = {
            "profile": state.profile,
            "language": language,
            "today": _today(request),
            "url": url,
        }
        if fmt == "md":
            body: str | bytes = press.release_markdown(session, **args)
        elif fmt == "html":
            body = press.release_html(session, generated_at=utcnow(), home=state.home, **args)
        else:
            body = press.release_pdf(session, generated_at=utcnow(), home=state.home, **args)
    disposition = "attachment" if fmt != "html" else "inline"
    return Response(body, media_type=FORMATS[fmt], headers={
        "Content-Disposition": f'{disposition}; filename="press-release.{language}.{fmt}"'})  # fmt: skip


@router.post("/programme/press/quotes/{quote_id}", name="programme:quote")
def edit_quote(
    request: Request, quote_id: str, text_en: str = Form(""), text_km: str = Form(""),
    attribution_en: str = Form(""), attribution_km: str = Form(""),
    principal: Principal = Depends(require(MANAGE)),
) -> Response:  # fmt: skip
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            press.edit_quote(session, quote_id=quote_id, text_en=text_en, text_km=text_km,
                             attribution_en=attribution_en, attribution_km=attribution_km,
                             now=utcnow())  # fmt: skip
    except SoaiError as exc:
        return press_page(request, principal, error=exc)
    return RedirectResponse("/programme/press#quotes", status_code=303)


@router.post("/programme/partner", response_class=HTMLResponse, name="programme:partner")
def partner(
    request: Request, ticket: str = Form(""), website: str = Form(""), name: str = Form(""),
    organisation: str = Form(""), email: str = Form(""), kind: str = Form(""),
    message: str = Form(""), principal: Principal = Depends(require(Permission.PUBLIC_READ)),
) -> HTMLResponse:  # fmt: skip
    """The brief's call to action: an enquiry that lands in the regulator's inbox."""
    from soai.programme.views import programme_page

    state = app_state(request)
    t = translator_for(request)
    address = request.client.host if request.client else "unknown"
    try:
        with transaction(state.sessions, write=True) as session:
            enquiries.submit(session, secret=state.settings.signing_secret(), address=address,
                             ticket_value=ticket, honeypot=website, name=name[:300],
                             organisation=organisation[:300], email=email[:300], kind=kind,
                             message=message[:10000], language=t.language, now=utcnow())  # fmt: skip
    except SoaiError as exc:
        return programme_page(request, principal, error=exc)
    return programme_page(
        request,
        principal,
        notice=t(N_("Thank you: your enquiry reached the regulator, who will answer by e-mail.")),
    )


@router.get("/programme/enquiries", response_class=HTMLResponse, name="programme:enquiries")
def inbox(request: Request, principal: Principal = Depends(require(MANAGE))) -> HTMLResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        found = enquiries.inbox(session)
        return render(request, "programme/enquiries.html",
                      {"enquiries": found, "kinds": enquiries.KINDS})  # fmt: skip


@router.post("/programme/enquiries/{enquiry_id}/handled", name="programme:handled")
def handled(
    request: Request, enquiry_id: int, principal: Principal = Depends(require(MANAGE))
) -> Response:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        enquiries.mark_handled(session, enquiry_id=enquiry_id, now=utcnow())
    return RedirectResponse("/programme/enquiries", status_code=303)
