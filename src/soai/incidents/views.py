"""Public HTML routes of the watchdog: the incident page (outcomes and statistics), the report
form (no account, no JavaScript, English and Khmer), the receipt and the private tracking page.
The analysts' and providers' routes are in :mod:`soai.incidents.case_views`."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from soai.db import transaction, utcnow
from soai.errors import SoaiError
from soai.i18n.markers import N_
from soai.identity import formtickets
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.incidents import case_views, handling, intake, mailing, statistics
from soai.incidents.models import Event
from soai.reports.charts import svg_data_uri
from soai.web.pages import render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="incidents",
    title=N_("Watchdog and recourse"),
    summary=N_("Report harm caused by an AI system and follow how it is handled."),
)
router = APIRouter()
PUBLIC = [Depends(require(Permission.PUBLIC_READ))]
MAX_BODY = (handling.MAX_ATTACHMENTS + 1) * handling.MAX_ATTACHMENT


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _chart(title: str, counts: dict[str, int], labels: dict[str, str]) -> str | None:
    from soai.reports.charts import bar_chart_svg

    if not counts:
        return None
    svg = bar_chart_svg([labels.get(k, k) for k in counts], list(counts.values()), title=title)
    return svg_data_uri(svg)


@router.get("/incidents", response_class=HTMLResponse, name="incidents:home", dependencies=PUBLIC)
def home(request: Request) -> HTMLResponse:
    """Decided reports (redacted) and the statistics, for everyone."""
    from soai.registry.submissions import SECTORS
    from soai.reports.charts import line_chart_svg

    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        stats = statistics.counts(session)
        found = statistics.published(session)
    harms = {k: title[t.language] for k, title in handling.rules().harms.items()}
    sectors = {k: t(v) for k, v in SECTORS.items()} | {"unknown": t(N_("Not in the register"))}
    charts = [c for c in (
        _chart(t(N_("Reports by kind of harm")), stats["by_harm"], harms),
        _chart(t(N_("Reports by sector")), stats["by_sector"], sectors),
    ) if c]  # fmt: skip
    if len(stats["by_month"]) >= 2:
        months = list(stats["by_month"])
        svg = line_chart_svg([(t(N_("Reports")), list(range(len(months))),
                               list(stats["by_month"].values()))],
                             title=t(N_("Reports received by month")),
                             x_label=f"{months[0]} – {months[-1]}", y_label=t(N_("Reports")))  # fmt: skip
        charts.append(svg_data_uri(svg))
    return render(request, "incidents/home.html", {
        "stats": stats, "published": found, "charts": charts, "harms": harms, "sectors": sectors,
        "outcomes": handling.OUTCOMES})  # fmt: skip


@router.get("/incidents/outcomes.csv", name="incidents:open-data", dependencies=PUBLIC)
def open_data(request: Request) -> Response:
    """The decided reports as open data (what the public page shows), safe in a spreadsheet."""
    from soai.reports.tables import csv_text

    state = app_state(request)
    with transaction(state.sessions) as session:
        rows = statistics.published(session, limit=100_000)
    body = csv_text(
        ("reference", "harm", "sector", "ai_system", "outcome", "summary", "received", "decided"),
        ((r["code"], r["harm"], r["sector"], r["system"], r["outcome"], r["summary"],
          r["received"].date().isoformat(), r["decided"].date().isoformat() if r["decided"] else None)
         for r in rows),
    )  # fmt: skip
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="incident-outcomes.csv"'})  # fmt: skip


def report_page(request: Request, *, error: SoaiError | None = None,
                form: dict[str, str] | None = None, query: str = "") -> HTMLResponse:  # fmt: skip
    from soai.registry.models import AISystem, Organisation

    state = app_state(request)
    t = translator_for(request)
    form = form or {}
    matches: list[Any] = []
    with transaction(state.sessions) as session:
        from sqlalchemy import or_, select

        q = (query or form.get("q", "")).strip()
        if q:
            like = f"%{q[:100]}%"
            matches = list(session.execute(
                select(AISystem.id, AISystem.name, Organisation.name)
                .join(Organisation, Organisation.id == AISystem.organisation_id)
                .where(or_(AISystem.name.ilike(like), Organisation.name.ilike(like)))
                .order_by(AISystem.name).limit(25)))  # fmt: skip
        chosen = None
        if (
            form.get("system_id", "").isascii()
            and form.get("system_id", "").isdigit()
            and len(form["system_id"]) <= 9
        ):
            system = session.get(AISystem, int(form["system_id"]))
            chosen = (system.id, system.name) if system else None
    context = {
        "form": form, "query": q, "matches": matches, "chosen": chosen,
        "harms": handling.rules().harms, "affected": handling.AFFECTED,
        "ticket": formtickets.ticket(state.settings.signing_secret(), utcnow(), purpose="incident"),
        "error": error.render(t.gettext) if error else None,
        "error_field": getattr(error, "field", None),
    }  # fmt: skip
    return render(request, "incidents/report.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/incidents/report", response_class=HTMLResponse, name="incidents:report",
            dependencies=PUBLIC)  # fmt: skip
def report_form(request: Request, q: str = "", system_id: str = "") -> HTMLResponse:
    """The form; ``q`` searches the register for the system or organisation (no JavaScript)."""
    return report_page(request, query=q, form={"system_id": system_id, "q": q})


async def read_form(request: Request) -> tuple[dict[str, str], list[intake.Upload]]:
    """Text fields and uploaded files of a multipart form, with the body size bounded."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_BODY:
        from soai.errors import InvalidInput

        raise InvalidInput(N_("The report with its files is larger than {n} MB."),
                           field="attachments", n=MAX_BODY >> 20)  # fmt: skip
    data = await request.form(max_files=handling.MAX_ATTACHMENTS + 1, max_fields=50)
    fields: dict[str, str] = {}
    uploads: list[intake.Upload] = []
    for key, value in data.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read(handling.MAX_ATTACHMENT + 1)
            uploads.append(intake.Upload(value.filename or "", content))
        else:
            fields[key] = str(value)
    return fields, uploads


@router.post("/incidents/report", response_class=HTMLResponse, name="incidents:submit",
             dependencies=PUBLIC)  # fmt: skip
async def submit(request: Request) -> HTMLResponse:
    """Receive a report; the receipt shows the reference and the private tracking link."""
    state = app_state(request)
    language = translator_for(request).language
    form: dict[str, str] = {}
    try:
        form, uploads = await read_form(request)
        if form.get("search"):  # the "search the register" button of the same form
            return report_page(request, form=form)
        with transaction(state.sessions, write=True) as session:
            incident = intake.receive(session, home=state.home, secret=state.settings.signing_secret(),
                                      address=client_address(request), form=form, uploads=uploads,
                                      language=language, now=utcnow())  # fmt: skip
            code = incident.code
    except SoaiError as exc:
        return report_page(request, error=exc, form=form)
    link = intake.link_of(state.settings.signing_secret(), code)
    return render(
        request, "incidents/receipt.html", {"code": code, "link": f"/incidents/track/{link}"}
    )


@router.get("/incidents/track/{ref}", response_class=HTMLResponse, name="incidents:track",
            dependencies=PUBLIC)  # fmt: skip
def track(request: Request, ref: str) -> HTMLResponse:
    """The reporter's view: where the report stands, its public steps and the outcome."""
    from soai.incidents import cases

    state = app_state(request)
    with transaction(state.sessions) as session:
        incident = intake.by_link(session, secret=state.settings.signing_secret(), ref=ref)
        steps: list[Event] = cases.events(session, incident, public_only=True)
        primary = cases.get(session, incident.duplicate_of) if incident.duplicate_of else None
        context = {"incident": incident, "steps": steps, "primary": primary,
                   "statuses": handling.STATUSES, "outcomes": handling.OUTCOMES,
                   "harms": handling.rules().harms}  # fmt: skip
        return render(request, "incidents/track.html", context)


def send_outbox(request: Request, outbox: list[tuple[int, str]],
                providers: list[tuple[str, str, int]] | None = None) -> dict[str, Any]:  # fmt: skip
    state = app_state(request)
    # Links in e-mails use the instance's public address, never the request's Host header.
    return mailing.deliver(outbox, settings=state.settings, sessions=state.sessions,
                           base_url=f"https://{state.profile.issuer_domain}",
                           timezone=state.profile.timezone,
                           providers=providers)  # fmt: skip


def attachment_response(request: Request, digest: str, filename: str, media: str) -> Response:
    """A stored file as a download that no browser renders in the site's origin."""
    from urllib.parse import quote

    path = intake.attachment_path(app_state(request).home, digest)
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "attachment"
    return Response(path.read_bytes(), media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; "
                               f"filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'"})  # fmt: skip


routers = [router, case_views.router]
