"""HTML routes of the academy after the exam: a candidate's own certificate, exam windows and
bookings, the item analysis for the committee, and CPD hours with renewal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.academy import programme as programmes
from soai.academy import scheduling, service
from soai.academy.views import LEARN, home_page, item_bank, signed_in_candidate
from soai.db import transaction, utcnow
from soai.errors import NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()


def _own_credential(request: Request, attempt_id: str, principal: Principal) -> dict[str, Any]:
    from soai.credentials import service as credentials

    state = app_state(request)
    with transaction(state.sessions) as session:
        attempt = service.attempt_of(
            session, attempt_id=attempt_id, candidate=signed_in_candidate(session, principal)
        )
        if not attempt.credential_id:
            raise NotFound(N_("This exam earned no certificate."))
        record = credentials.get(session, credential_id=attempt.credential_id)
        return credentials.rebuild(session, record=record, domain=state.profile.issuer_domain)


@router.get("/academy/exams/{attempt_id}/credential.json", name="academy:credential")
def credential_json(
    request: Request, attempt_id: str, principal: Principal = Depends(require(LEARN))
) -> Response:
    """The candidate's own signed credential (Open Badges 3.0), for a wallet or a verifier."""
    import json

    document = _own_credential(request, attempt_id, principal)
    return Response(json.dumps(document, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="credential.json"'})  # fmt: skip


@router.get("/academy/exams/{attempt_id}/certificate.pdf", name="academy:certificate")
def certificate_pdf(
    request: Request, attempt_id: str, principal: Principal = Depends(require(LEARN))
) -> Response:
    """The candidate's certificate as a PDF with its QR code, in the reader's language."""
    from soai.credentials import certificate

    state = app_state(request)
    pdf = certificate.render_pdf(_own_credential(request, attempt_id, principal),
                                 profile=state.profile, language=translator_for(request).language)  # fmt: skip
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="certificate.pdf"'})  # fmt: skip


@router.post("/academy/windows", name="academy:open-window")
def open_window(
    request: Request, tier: str = Form(...), opens: str = Form(...), closes: str = Form(...),
    seats: int = Form(...), principal: Principal = Depends(require(Permission.ACADEMY_MANAGE)),
) -> Response:  # fmt: skip
    """The certification body opens an exam window (dates in the profile's timezone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from soai.errors import InvalidInput

    state = app_state(request)
    zone = ZoneInfo(state.profile.timezone)
    try:
        try:
            opens_at = datetime.fromisoformat(opens).replace(tzinfo=zone)
            closes_at = datetime.fromisoformat(closes).replace(tzinfo=zone)
        except ValueError:
            raise InvalidInput(N_("Give the dates as 2026-12-01T09:00."), field="opens") from None
        with transaction(state.sessions, write=True) as session:
            scheduling.open_window(session, tier=tier, opens_at=opens_at, closes_at=closes_at,
                                   seats=seats)  # fmt: skip
    except SoaiError as exc:
        return home_page(request, error=exc)
    return RedirectResponse("/academy#windows", status_code=303)


@router.post("/academy/windows/{window_id}/book", name="academy:book")
def book(
    request: Request, window_id: int, principal: Principal = Depends(require(LEARN))
) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            scheduling.book(session, candidate=signed_in_candidate(session, principal), window_id=window_id,
                            now=utcnow())  # fmt: skip
    except SoaiError as exc:
        return home_page(request, error=exc)
    return RedirectResponse("/academy#windows", status_code=303)


@router.get("/academy/analysis", response_class=HTMLResponse, name="academy:analysis")
def item_analysis(
    request: Request, tier: str = "fundamentals",
    principal: Principal = Depends(require(Permission.ACADEMY_MANAGE)),
) -> HTMLResponse:  # fmt: skip
    """The item analysis of a tier's submitted attempts, for the item-writing committee."""
    from soai.academy import records

    state = app_state(request)
    programme = programmes.load()
    programme.tier(tier)
    report, problem = None, None
    with transaction(state.sessions) as session:
        try:
            report = records.window_analysis(session, tier=tier, bank=item_bank(request))
        except NotFound as exc:
            problem = exc.render(translator_for(request).gettext)
    return render(request, "academy/analysis.html",
                  {"report": report, "problem": problem, "tier": tier, "programme": programme})  # fmt: skip


@router.post("/academy/cpd", name="academy:cpd")
def cpd(
    request: Request, tier: str = Form(...), hours: float = Form(...), activity: str = Form(""),
    done_on: str = Form(...), principal: Principal = Depends(require(LEARN)),
) -> Response:  # fmt: skip
    """A certified analyst logs CPD hours towards renewing a certificate."""
    from datetime import date, datetime, time

    from soai.academy import records
    from soai.errors import InvalidInput

    state = app_state(request)
    try:
        try:
            day = date.fromisoformat(done_on)
        except ValueError:
            raise InvalidInput(N_("{value} is not a date like 2026-11-27."), field="done_on",
                               value=done_on) from None  # fmt: skip
        with transaction(state.sessions, write=True) as session:
            candidate = signed_in_candidate(session, principal)
            records.renewal_due(session, candidate=candidate, tier=tier)  # a pass to renew
            records.record_cpd(session, candidate=candidate, tier=tier, hours=hours,
                               activity=activity,
                               done_on=datetime.combine(day, time(12), tzinfo=utcnow().tzinfo))  # fmt: skip
    except SoaiError as exc:
        return home_page(request, error=exc)
    return RedirectResponse("/academy#renewal", status_code=303)


@router.post("/academy/renew", name="academy:renew")
def renew(
    request: Request, tier: str = Form(...), principal: Principal = Depends(require(LEARN))
) -> Response:
    """Renew a certificate on CPD hours (before it expires): a new credential is issued."""
    from soai.academy import records
    from soai.credentials import service as credentials

    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            records.renew(session, candidate=signed_in_candidate(session, principal), tier=tier,
                          email=principal.email or "", issuer=credentials.issuer_for(state.settings),
                          now=utcnow())  # fmt: skip
    except SoaiError as exc:
        return home_page(request, error=exc)
    return RedirectResponse("/academy#renewal", status_code=303)
