"""HTML routes of the training giveaway: the public page and application form (no account, no
JavaScript), an applicant's secret seat link, and the regulator's round controls and funnel."""

from __future__ import annotations

import io
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction, utcnow
from soai.errors import InvalidInput, SoaiError
from soai.i18n.markers import N_
from soai.identity import formtickets
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.programme import rounds, seats
from soai.programme.applications import COUNTRIES
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]
MANAGE = Permission.PROGRAMME_MANAGE
MAX_UPLOAD = 512 * 1024 * 1024


def seat_value(request: Request) -> float | None:
    giveaway = app_state(request).profile.giveaway
    return giveaway.value / giveaway.seats if giveaway.value is not None else None


def giveaway_page(
    request: Request, principal: Principal, *, error: SoaiError | None = None,
    seed: str | None = None, notice: str | None = None, form: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        record = rounds.current_round(session)
        context: dict[str, Any] = {
            "round": record, "counts": rounds.counts(session, record) if record else {},
            "funnel": None, "manage": principal.can(MANAGE), "seed": seed, "notice": notice,
            "countries": sorted(COUNTRIES), "form": form or {}, "giveaway": state.profile.giveaway,
            "seat_value": seat_value(request), "now": utcnow(),
            "ticket": formtickets.ticket(state.settings.signing_secret(), utcnow(),
                                         purpose="giveaway"),
        }  # fmt: skip
        if record is not None and record.status == "drawn" and principal.can(MANAGE):
            context["funnel"] = seats.funnel(session, record=record)
    context["error"] = error.render(t.gettext) if error else None
    context["error_field"] = getattr(error, "field", None)
    return render(request, "programme/giveaway.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/programme/giveaway", response_class=HTMLResponse, name="programme:giveaway")
def giveaway_home(
    request: Request, principal: Principal = Depends(require(Permission.PUBLIC_READ))
) -> HTMLResponse:
    return giveaway_page(request, principal)


@router.post("/programme/giveaway/apply", response_class=HTMLResponse, name="programme:apply")
def apply(
    request: Request, full_name: str = Form(""), date_of_birth: str = Form(""),
    country: str = Form(""), email: str = Form(""), document_number: str = Form(""),
    ticket: str = Form(""), website: str = Form(""),
    principal: Principal = Depends(require(Permission.PUBLIC_READ)),
) -> HTMLResponse:  # fmt: skip
    """Apply for a seat: the receipt shows the application number and the secret link."""
    state = app_state(request)
    language = translator_for(request).language
    form = {"full_name": full_name, "date_of_birth": date_of_birth, "country": country,
            "email": email}  # fmt: skip
    try:
        with transaction(state.sessions, write=True) as session:
            record = rounds.current_round(session)
            if record is None:
                raise InvalidInput(N_("No giveaway round is open."), field="round")
            rounds.check_sender(session, record=record, secret=state.settings.signing_secret(),
                                ticket=ticket, honeypot=website, now=utcnow(),
                                address=request.client.host if request.client else "unknown")  # fmt: skip
            application = rounds.apply(
                session, record=record, full_name=full_name[:200], date_of_birth=date_of_birth,
                country=country, email=email[:254], document_number=document_number[:100],
                language=language, now=utcnow(),
            )  # fmt: skip
            link = seats.link_of(state.settings.signing_secret(), application)
            receipt = {"application_id": application.application_id, "round": record.name,
                       "closes_at": record.closes_at, "link": f"/programme/seat/{link}"}  # fmt: skip
    except SoaiError as exc:
        return giveaway_page(request, principal, error=exc, form=form)
    return render(request, "programme/receipt.html", {"receipt": receipt})


def _seat_page(request: Request, ref: str, *, error: SoaiError | None = None,
               notice: str | None = None) -> HTMLResponse:  # fmt: skip
    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        application, can_answer = seats.by_link(session, secret=state.settings.signing_secret(),
                                                ref=ref)  # fmt: skip
        record = rounds.get_round(session, application.round_id)
        context = {"application": application, "round": record, "ref": ref, "notice": notice,
                   "can_answer": can_answer,
                   "now": utcnow(), "error": error.render(t.gettext) if error else None}  # fmt: skip
        return render(request, "programme/seat.html", context,
                      status_code=error.status if error else 200)  # fmt: skip


@router.get("/programme/seat/{ref}", response_class=HTMLResponse, name="programme:seat",
            dependencies=PUBLIC)  # fmt: skip
def seat(request: Request, ref: str) -> HTMLResponse:
    """The applicant's own page: status of the application and of its seat."""
    return _seat_page(request, ref)


@router.post("/programme/seat/{ref}/accept", name="programme:accept")
def accept(
    request: Request, ref: str, password: str = Form(""),
    principal: Principal = Depends(require(Permission.PUBLIC_READ)),
) -> Response:  # fmt: skip
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            application = _answering(session, state, ref)
            seats.accept(session, application=application, password=password or None,
                         signed_in_user=principal.user_id, now=utcnow())  # fmt: skip
    except SoaiError as exc:
        return _seat_page(request, ref, error=exc)
    return RedirectResponse(f"/programme/seat/{ref}", status_code=303)


@router.post("/programme/seat/{ref}/decline", name="programme:decline")
def decline(
    request: Request, ref: str, principal: Principal = Depends(require(Permission.PUBLIC_READ))
) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            application = _answering(session, state, ref)
            seats.decline(session, application=application, now=utcnow())
    except SoaiError as exc:
        return _seat_page(request, ref, error=exc)
    return RedirectResponse(f"/programme/seat/{ref}", status_code=303)


def _answering(session: Any, state: Any, ref: str) -> Any:
    """The application of an answer link (e-mailed with the offer), locked for the change."""
    application, can_answer = seats.by_link(session, secret=state.settings.signing_secret(),
                                            ref=ref, lock=True)  # fmt: skip
    if not can_answer:
        raise InvalidInput(N_("Use the link in the e-mail that offered you the seat to accept or "
                              "decline it."), field="ref")  # fmt: skip
    return application


def public_base(request: Request) -> str:
    """The instance's public address for links in e-mails: the profile's domain, never the
    request's Host header (which a client chooses)."""
    return f"https://{app_state(request).profile.issuer_domain}"


# --- the regulator's controls ------------------------------------------------------------


@router.post("/programme/giveaway/open", response_class=HTMLResponse, name="programme:open")
def open_round(
    request: Request, name: str = Form(""), closes: str = Form(""),
    principal: Principal = Depends(require(MANAGE)),
) -> HTMLResponse:  # fmt: skip
    """Open a round with the profile's seats and quotas; the seed is shown once, here."""
    state = app_state(request)
    profile = state.profile.giveaway
    try:
        try:
            day = datetime.fromisoformat(closes).date()
        except ValueError:
            raise InvalidInput(N_("Give the closing date as YYYY-MM-DD."), field="closes") from None
        closes_at = datetime.combine(day, time(23, 59, 59), ZoneInfo(state.profile.timezone))
        with transaction(state.sessions, write=True) as session:
            _, seed = rounds.open_round(session, name=name, seats=profile.seats,
                                        quotas=profile.quotas, closes_at=closes_at,
                                        offer_days=profile.offer_days, now=utcnow(),
                                        min_age=profile.min_age)  # fmt: skip
    except SoaiError as exc:
        return giveaway_page(request, principal, error=exc)
    return giveaway_page(request, principal, seed=seed)


@router.post("/programme/giveaway/import", response_class=HTMLResponse, name="programme:import")
def import_applications(
    request: Request, file: UploadFile = File(...), principal: Principal = Depends(require(MANAGE))
) -> Response:
    """Bulk applications (the contract's CSV), as a job: all rows stored, or none and every
    problem listed."""
    import secrets as random

    from soai.jobs import service as job_queue
    from soai.programme import giveaway_jobs

    state = app_state(request)
    shown = Path(file.filename or "applications.csv").name or "applications.csv"
    name = f"{random.token_hex(16)}/{shown}"  # errors name the file as the regulator knows it
    path = giveaway_jobs.upload_dir(state.home) / name
    path.parent.mkdir()
    try:
        size = 0
        with path.open("wb") as out:
            while chunk := file.file.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    raise InvalidInput(N_("The file is larger than {size} MB."), field="file",
                                       size=MAX_UPLOAD >> 20)  # fmt: skip
                out.write(chunk)
        with transaction(state.sessions, write=True) as session:
            record = _round(session)
            job = job_queue.enqueue(session, kind=giveaway_jobs.IMPORT, user_id=principal.user_id,
                                    params={"round": record.id, "upload": name,
                                            "filename": Path(file.filename or "").name})  # fmt: skip
            job_id = job.id
    except SoaiError as exc:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
        return giveaway_page(request, principal, error=exc)
    state.jobs.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _round(session: Any) -> Any:
    record = rounds.current_round(session)
    if record is None:
        raise InvalidInput(N_("No giveaway round is open."), field="round")
    return record


@router.post("/programme/giveaway/close", response_class=HTMLResponse, name="programme:close")
def close(request: Request, principal: Principal = Depends(require(MANAGE))) -> Response:
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            rounds.close_round(session, record=_round(session), now=utcnow())
    except SoaiError as exc:
        return giveaway_page(request, principal, error=exc)
    return RedirectResponse("/programme/giveaway", status_code=303)


@router.post("/programme/giveaway/draw", response_class=HTMLResponse, name="programme:draw")
def draw(
    request: Request, seed: str = Form(""), principal: Principal = Depends(require(MANAGE))
) -> Response:
    """Reveal the seed and draw, as a job (the seed is checked against the commitment first)."""
    import hashlib

    from soai.jobs import service as job_queue
    from soai.programme import giveaway_jobs

    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            record = _round(session)
            try:
                matches = (
                    hashlib.sha256(bytes.fromhex(seed.strip())).hexdigest()
                    == record.seed_commitment
                )
            except ValueError:
                matches = False
            if record.status != "closed":
                raise InvalidInput(N_("Close the round before the draw (it is {status})."),
                                   field="seed", status=record.status)  # fmt: skip
            if not matches:
                raise InvalidInput(
                    N_("This is not the seed committed when the round opened (its SHA-256 "
                       "differs from the published commitment)."), field="seed")  # fmt: skip
            job = job_queue.enqueue(session, kind=giveaway_jobs.DRAW, user_id=principal.user_id,
                                    params={"round": record.id, "seed": seed.strip()})  # fmt: skip
            job_id = job.id
    except SoaiError as exc:
        return giveaway_page(request, principal, error=exc)
    state.jobs.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/programme/giveaway/follow-up", response_class=HTMLResponse,
             name="programme:follow-up")  # fmt: skip
def follow_up(request: Request, principal: Principal = Depends(require(MANAGE))) -> HTMLResponse:
    """Expire lapsed offers (re-offering their seats), then e-mail new offers and reminders."""
    from soai.mail import mailer

    state = app_state(request)
    t = translator_for(request)
    try:
        with transaction(state.sessions, write=True) as session:
            record = _round(session)
            expired = seats.expire(session, record=record, now=utcnow())
        mail = mailer(state.settings)
        sent = None
        if mail is not None:
            with transaction(state.sessions, write=True) as session:
                sent = seats.notify(session, record=_round(session), mail=mail,
                                    secret=state.settings.signing_secret(),
                                    base_url=public_base(request), now=utcnow(),
                                    remind_days=state.profile.giveaway.remind_days,
                                    timezone=state.profile.timezone)  # fmt: skip
    except SoaiError as exc:
        return giveaway_page(request, principal, error=exc)
    notice = t(N_("{expired} offers expired and {reoffered} seats re-offered."),
               expired=t.number(expired["expired"]), reoffered=t.number(expired["reoffered"]))  # fmt: skip
    if sent is None:
        notice += " " + t(
            N_("E-mail is not configured (SOAI_SMTP_HOST): no offer or reminder was sent.")
        )
    else:
        notice += " " + t(N_("{offers} offers and {reminders} reminders e-mailed; {refused} addresses refused."),
                          offers=t.number(sent["offers"]), reminders=t.number(sent["reminders"]),
                          refused=t.number(sent["refused"]))  # fmt: skip
    return giveaway_page(request, principal, notice=notice)


@router.get("/programme/giveaway/applications.csv", name="programme:applications")
def applications_file(
    request: Request, principal: Principal = Depends(require(MANAGE))
) -> Response:
    """The round's applications file (contract CSV) for auditors to re-run the draw."""
    state = app_state(request)
    out = io.StringIO()
    with transaction(state.sessions) as session:
        record = _round(session)
        rounds.write_applications(session, record, out)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="giveaway-round-{record.id}.csv"'})  # fmt: skip
