"""HTML routes of the programme part: the public programme page (live figures, the roadmap and
its Gantt chart, the giveaway, the press kit, the partnership form) and milestone sign-off."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.db import transaction, utcnow
from soai.errors import SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.programme import enquiries, gantt, giveaway_views, press_views, readiness_views, steering
from soai.web.pages import render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="programme",
    title=N_("National programme"),
    summary=N_(
        "The four-phase roadmap with live indicators, the readiness assessment, the "
        "training giveaway and the press kit."
    ),
)

router = APIRouter()
MANAGE = Permission.PROGRAMME_MANAGE

KPI_LABELS = {
    "readiness_assessed": N_("National readiness assessments"),
    "council_seated": N_("Council seats filled"),
    "sectors_onboarded": N_("Sectors with a SOAI-PDCA cycle"),
    "systems_registered": N_("AI systems registered"),
    "systems_classified": N_("Registered systems classified (%)"),
    "analysts_certified": N_("Cambodian analysts certified"),
    "incidents_in_time": N_("Incidents handled within target time (%)"),
}
RISK_LABELS = {
    "done": N_("done"), "on_track": N_("on track"), "at_risk": N_("at risk"),
    "late": N_("late"), "unknown": N_("unknown"),
}  # fmt: skip


def today_here(request: Request) -> Any:
    return datetime.now(ZoneInfo(app_state(request).profile.timezone)).date()


def chart(request: Request, status: steering.Status) -> str:
    t = translator_for(request)
    labels = {"today": t(N_("today")), "open": t(N_("duration not set")),
              "unscheduled": t(N_("dates follow the open phase")),
              "title": t(N_("The national roadmap"))}  # fmt: skip
    labels.update({k: t(v) for k, v in RISK_LABELS.items()})
    for phase in status.phases:
        labels[phase.id] = t(N_("Phase {n}"), n=phase.number) + " — " + phase.title.get(t.language)
        for m in phase.milestones:
            labels[m.id] = m.title.get(t.language)
    return gantt.gantt_svg(status.schedule(), status.today, labels=labels,
                           progress={p.id: p.progress for p in status.phases},
                           risk={p.id: p.risk for p in status.phases})  # fmt: skip


def programme_page(request: Request, principal: Principal, *, error: SoaiError | None = None,
                   notice: str | None = None) -> HTMLResponse:  # fmt: skip
    from soai.programme import rounds

    state = app_state(request)
    t = translator_for(request)
    with transaction(state.sessions) as session:
        status = steering.status(session, profile=state.profile, today=today_here(request))
        record = rounds.current_round(session)
    context = {
        "status": status, "figures": status.figures, "kpi_labels": KPI_LABELS,
        "risk_labels": RISK_LABELS, "gantt": chart(request, status), "round": record,
        "manage": principal.can(MANAGE), "giveaway": state.profile.giveaway,
        "seat_value": giveaway_views.seat_value(request), "notice": notice,
        "error": error.render(t.gettext) if error else None,
        "ticket": enquiries.ticket(state.settings.signing_secret(), utcnow()),
        "kinds": enquiries.KINDS,
    }  # fmt: skip
    return render(request, "programme/home.html", context,
                  status_code=error.status if error else 200)  # fmt: skip


@router.get("/programme", response_class=HTMLResponse, name="programme:home")
def home(
    request: Request, principal: Principal = Depends(require(Permission.PUBLIC_READ))
) -> HTMLResponse:
    return programme_page(request, principal)


@router.get("/programme/roadmap.svg", name="programme:gantt",
            dependencies=[Depends(require(Permission.PUBLIC_READ))])  # fmt: skip
def roadmap_svg(request: Request) -> Response:
    state = app_state(request)
    with transaction(state.sessions) as session:
        status = steering.status(session, profile=state.profile, today=today_here(request))
    return Response(chart(request, status), media_type="image/svg+xml")


@router.post("/programme/milestones/{milestone}/sign-off", name="programme:sign-off")
def sign_off(
    request: Request, milestone: str, note: str = Form(""),
    principal: Principal = Depends(require(MANAGE)),
) -> Response:  # fmt: skip
    """The regulator signs a milestone off (a ledger entry with the indicator's value)."""
    state = app_state(request)
    try:
        with transaction(state.sessions, write=True) as session:
            steering.sign_off(session, profile=state.profile, milestone=milestone, note=note,
                              actor=principal.email or "", now=utcnow())  # fmt: skip
    except SoaiError as exc:
        return programme_page(request, principal, error=exc)
    return RedirectResponse("/programme#roadmap", status_code=303)


routers = [router, giveaway_views.router, press_views.router, readiness_views.router]
