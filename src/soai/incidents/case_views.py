"""HTML routes of handling reports: the analysts' triage queue and case page with its actions,
the providers' view of reports about their systems (answers, serious-incident reports), and
everyone's portal inbox of notices."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from soai.db import transaction, utcnow
from soai.errors import NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.incidents import cases, deadlines, handling, providers
from soai.incidents.models import Attachment, Incident, Notice
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()
TRIAGE = Permission.INCIDENTS_TRIAGE
PROVIDE = Permission.INCIDENTS_PROVIDE


@router.get("/incidents/queue", response_class=HTMLResponse, name="incidents:queue")
def queue(
    request: Request, status: str = "open", mine: bool = False,
    principal: Principal = Depends(require(TRIAGE)),
) -> HTMLResponse:  # fmt: skip
    """Reports to handle, the most urgent first, with their time limits."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        found = cases.queue(session, status=status,
                            assignee=principal.user_id if mine else None)  # fmt: skip
        return render(request, "incidents/queue.html", {
            "incidents": found, "status": status, "mine": mine, "now": utcnow(),
            "statuses": handling.STATUSES, "harms": handling.rules().harms,
            "severities": handling.rules().severities})  # fmt: skip


def case_page(
    request: Request, incident_id: int, *, error: SoaiError | None = None
) -> HTMLResponse:
    from soai.identity.models import User, UserRole
    from soai.registry.models import AISystem

    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        incident = cases.get(session, incident_id)
        others = session.execute(
            select(Incident.id, Incident.code, Incident.harm, Incident.system_id,
                   Incident.organisation_id, Incident.target_text, Incident.description,
                   Incident.created_at)
            .where(Incident.status.in_(handling.OPEN), Incident.id != incident.id)
        ).mappings().all()  # fmt: skip
        me = {"id": incident.id, "harm": incident.harm, "system_id": incident.system_id,
              "organisation_id": incident.organisation_id, "target_text": incident.target_text,
              "description": incident.description, "created_at": incident.created_at}  # fmt: skip
        codes = {row["id"]: row["code"] for row in others}
        candidates = handling.likely_duplicates(me, [dict(row) for row in others])
        duplicates = [(codes[c.id], c.score) for c in candidates]
        analysts = session.execute(
            select(User.id, User.display_name).join(UserRole).where(
                UserRole.role.in_(("analyst", "regulator")), User.is_active.is_(True))
            .distinct().order_by(User.display_name)).all()  # fmt: skip
        context: dict[str, Any] = {
            "incident": incident, "events": cases.events(session, incident),
            "attachments": list(session.scalars(select(Attachment).where(
                Attachment.incident_id == incident.id))),
            "system": session.get(AISystem, incident.system_id) if incident.system_id else None,
            "systems": session.execute(select(AISystem.id, AISystem.name)
                                       .order_by(AISystem.name).limit(500)).all(),
            "duplicates": duplicates, "analysts": analysts, "now": utcnow(),
            "statuses": handling.STATUSES, "outcomes": handling.OUTCOMES,
            "harms": handling.rules().harms, "severities": handling.rules().severities,
            "affected": handling.AFFECTED,
            "error": error.render(t.gettext) if error else None,
        }  # fmt: skip
        return render(request, "incidents/case.html", context,
                      status_code=error.status if error else 200)  # fmt: skip


@router.get("/incidents/cases/{incident_id}", response_class=HTMLResponse, name="incidents:case")
def case(
    request: Request, incident_id: int, principal: Principal = Depends(require(TRIAGE))
) -> HTMLResponse:
    return case_page(request, incident_id)


@router.post("/incidents/cases/{incident_id}/{action}", name="incidents:act")
async def act(request: Request, incident_id: int, action: str,
              principal: Principal = Depends(require(TRIAGE))) -> Response:  # fmt: skip
    """One handling step: assign, triage, note, request, merge, decide, escalate."""
    from soai.council import seating
    from soai.incidents.views import send_outbox

    state = app_state(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    actor, now = principal.email or "", utcnow()
    outbox: list[tuple[int, str]] = []
    to_providers: list[tuple[str, str, int]] = []
    try:
        with transaction(state.sessions, write=True) as session:
            incident = cases.get(session, incident_id, lock=True)
            if action == "assign":
                cases.assign(
                    session, incident, analyst_id=_int(form.get("assignee")), actor=actor, now=now
                )
            elif action == "triage":
                system = form.get("system_id", "")
                cases.triage(session, incident, severity=form.get("severity", ""),
                             system_id=int(system) if _digits(system) else None, actor=actor, now=now)  # fmt: skip
            elif action == "note":
                cases.add_note(session, incident, text=form.get("text", ""), actor=actor, now=now)
            elif action == "request":
                cases.request_provider(
                    session, incident, text=form.get("text", ""), actor=actor, now=now
                )
            elif action == "merge":
                cases.merge(session, incident, into=form.get("into", ""), actor=actor, now=now)
            elif action == "decide":
                cases.decide(session, incident, outcome=form.get("outcome", ""),
                             reason=form.get("reason", ""), summary=form.get("summary", ""),
                             actor=actor, now=now)  # fmt: skip
            elif action == "escalate":
                cases.escalate(session, incident, council=seating.council_id(state.profile.id), actor=actor,
                               actor_id=principal.user_id, now=now)  # fmt: skip
            else:
                raise NotFound(N_("No action {action}."), action=action)
            outbox = list(session.info.get("outbox", []))
            to_providers = list(session.info.get("provider_outbox", []))
    except SoaiError as exc:
        return case_page(request, incident_id, error=exc)
    send_outbox(request, outbox, to_providers)
    return RedirectResponse(f"/incidents/cases/{incident_id}", status_code=303)


@router.get("/incidents/cases/{incident_id}/record.pdf", name="incidents:record")
def record_pdf(request: Request, incident_id: int, lang: str | None = None,
               principal: Principal = Depends(require(TRIAGE))) -> Response:  # fmt: skip
    """The case file as a PDF (the report, its files, every step, the outcome), for the record
    or a court; every text is escaped as on the page."""
    from soai.i18n import Translator
    from soai.reports.pdf import html_to_pdf
    from soai.web.templating import build_environment, render_to_string

    state = app_state(request)
    language = lang if lang in ("en", "km") else translator_for(request).language
    t = Translator(language, state.profile.timezone)
    with transaction(state.sessions) as session:
        incident = cases.get(session, incident_id)
        html = render_to_string(build_environment(), "incidents/record_print.html", {
            "incident": incident, "events": cases.events(session, incident),
            "attachments": list(session.scalars(select(Attachment).where(
                Attachment.incident_id == incident.id))),
            "statuses": handling.STATUSES, "outcomes": handling.OUTCOMES,
            "harms": handling.rules().harms, "affected": handling.AFFECTED,
            "profile": state.profile, "t": t, "lang": language, "generated_at": utcnow()})  # fmt: skip
    return Response(html_to_pdf(html), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{incident.code}.pdf"'})  # fmt: skip


def _digits(value: str) -> bool:
    """A small whole number in ASCII digits (``int()`` would take "²" or a 5,000-digit id)."""
    return value.isascii() and value.isdigit() and len(value) <= 9


def _int(value: str | None) -> int:
    return int(value) if value and _digits(value) else 0


@router.get("/incidents/cases/{incident_id}/files/{digest}", name="incidents:file")
def case_file(request: Request, incident_id: int, digest: str,
              principal: Principal = Depends(require(Permission.ACCOUNT_SELF))) -> Response:  # fmt: skip
    """An attachment, for the analysts, or for the provider whose system the report is about."""
    from soai.incidents.views import attachment_response

    state = app_state(request)
    with transaction(state.sessions) as session:
        if not principal.can(TRIAGE):
            seen = providers.visible(session, user_id=principal.user_id or 0,
                                     incident_id=incident_id)  # fmt: skip
            if seen.source != "provider":  # a citizen's files stay with the analysts
                raise NotFound(N_("No such attachment."))
        found = session.scalar(select(Attachment).where(
            Attachment.incident_id == incident_id, Attachment.sha256 == digest))  # fmt: skip
        if found is None:
            raise NotFound(N_("No such attachment."))
        return attachment_response(request, found.sha256, found.filename, found.media_type)


# --- providers -------------------------------------------------------------------------------


def provider_page(request: Request, principal: Principal, *, error: SoaiError | None = None,
                  form: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    from soai.registry.models import AISystem

    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        orgs = providers.organisations_of(session, principal.user_id or 0)
        context = {
            "incidents": providers.reports(session, user_id=principal.user_id or 0),
            "systems": session.execute(select(AISystem.id, AISystem.name).where(
                AISystem.organisation_id.in_(orgs)).order_by(AISystem.name)).all() if orgs else [],
            "rules": deadlines.load(), "statuses": handling.STATUSES, "now": utcnow(),
            "harms": handling.rules().harms, "form": form or {},
            "error": error.render(t.gettext) if error else None,
            "error_field": getattr(error, "field", None),
        }  # fmt: skip
        return render(request, "incidents/provider.html", context,
                      status_code=error.status if error else 200)  # fmt: skip


@router.get("/incidents/provider", response_class=HTMLResponse, name="incidents:provider")
def provider_home(
    request: Request, principal: Principal = Depends(require(PROVIDE))
) -> HTMLResponse:
    return provider_page(request, principal)


@router.post("/incidents/provider/serious", response_class=HTMLResponse, name="incidents:serious")
async def serious(request: Request, principal: Principal = Depends(require(PROVIDE))) -> Response:
    """A serious-incident report about one of the provider's systems, with its deadline."""
    from soai.incidents.views import read_form

    state = app_state(request)
    fields: dict[str, str] = {}
    try:
        fields, uploads = await read_form(request)
        kinds = (await request.form()).getlist("kinds")
        with transaction(state.sessions, write=True) as session:
            incident = providers.file_serious(
                session, home=state.home, secret=state.settings.signing_secret(),
                user_id=principal.user_id or 0, form=fields, kinds=[str(k) for k in kinds],
                uploads=uploads, language=translator_for(request).language, now=utcnow(),
                timezone=state.profile.timezone)  # fmt: skip
            incident_id = incident.id
    except SoaiError as exc:
        return provider_page(request, principal, error=exc, form=fields)
    return RedirectResponse(f"/incidents/provider/{incident_id}", status_code=303)


@router.get("/incidents/provider/{incident_id}", response_class=HTMLResponse,
            name="incidents:provider-case")  # fmt: skip
def provider_case(request: Request, incident_id: int,
                  principal: Principal = Depends(require(PROVIDE))) -> HTMLResponse:  # fmt: skip
    """A report about the provider's system: facts, the regulator's questions, its answers."""
    state = app_state(request)
    with transaction(state.sessions) as session:
        incident = providers.visible(
            session, user_id=principal.user_id or 0, incident_id=incident_id
        )
        steps = [
            e for e in cases.events(session, incident) if e.kind in ("request", "answer", "status")
        ]
        due = None
        if incident.report_due_at is not None:
            due = deadlines.status(deadlines.Deadline(incident.report_due_at, 0, "", ""),
                                   incident.created_at, utcnow())  # fmt: skip
        return render(request, "incidents/provider_case.html", {
            "incident": incident, "steps": steps, "statuses": handling.STATUSES,
            "harms": handling.rules().harms, "deadline_status": due,
            "attachments": list(session.scalars(select(Attachment).where(
                Attachment.incident_id == incident.id)))})  # fmt: skip


@router.post("/incidents/provider/{incident_id}/answer", name="incidents:answer")
def provider_answer(request: Request, incident_id: int, text: str = Form(""),
                    principal: Principal = Depends(require(PROVIDE))) -> Response:  # fmt: skip
    from soai.incidents.views import send_outbox

    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        incident = providers.visible(
            session, user_id=principal.user_id or 0, incident_id=incident_id
        )
        cases.answer(session, incident, text=text, actor=principal.email or "", now=utcnow())
        outbox = list(session.info.get("outbox", []))
    send_outbox(request, outbox)
    return RedirectResponse(f"/incidents/provider/{incident_id}", status_code=303)


@router.get("/incidents/notices", response_class=HTMLResponse, name="incidents:notices")
def notices(
    request: Request, principal: Principal = Depends(require(Permission.ACCOUNT_SELF))
) -> HTMLResponse:
    """The signed-in user's notices (assignments, questions to answer); shown ones are marked
    read."""
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        found = list(session.scalars(select(Notice).where(Notice.user_id == principal.user_id)
                                     .order_by(Notice.created_at.desc()).limit(100)))  # fmt: skip
        unread = {n.id for n in found if n.read_at is None}
        for notice in found:
            notice.read_at = notice.read_at or utcnow()
        links = {n.incident_id: (f"/incidents/cases/{n.incident_id}" if principal.can(TRIAGE)
                                 else f"/incidents/provider/{n.incident_id}") for n in found}  # fmt: skip
        return render(request, "incidents/notices.html",
                      {"notices": found, "unread": unread, "links": links})  # fmt: skip
