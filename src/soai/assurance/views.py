"""HTML routes of technical assurance: the test page (upload, choose columns, run as a job) and
each run's results with per-group charts, the policy's verdicts and what the metrics mean."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.assurance import explanations, jobs, service
from soai.db import transaction
from soai.errors import NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.jobs import service as job_queue
from soai.pdca import service as pdca
from soai.reports.charts import bar_chart_svg
from soai.web.pages import principal_of, render, translator_for
from soai.web.parts import PartInfo
from soai.web.state import app_state

PART = PartInfo(
    slug="assurance",
    title=N_("Technical assurance"),
    summary=N_(
        "Fairness, performance, robustness, explainability and data-quality tests "
        "on AI systems' models and data."
    ),
)
router = APIRouter()
RUN = Permission.ASSURANCE_RUN


def _home(request: Request, *, error: SoaiError | None = None) -> HTMLResponse:
    principal = principal_of(request)
    recent: list[Any] = []
    if principal.can(RUN):
        with transaction(app_state(request).sessions) as session:
            recent = service.runs(
                session, user_id=principal.user_id, sees_all=principal.can(Permission.ASSURANCE_ALL)
            )
    t = translator_for(request)
    return render(
        request,
        "assurance/home.html",
        {
            "part": PART,
            "recent": recent,
            "can_run": principal.can(RUN),
            "error": error.render(t.gettext) if error else None,
            "error_field": error.field if error else None,
        },
        status_code=error.status if error else 200,
    )


@router.get(
    "/assurance",
    response_class=HTMLResponse,
    name="assurance:home",
    dependencies=[Depends(require(Permission.PUBLIC_READ))],
)
def home(request: Request) -> HTMLResponse:
    return _home(request)


@router.post("/assurance/runs", response_class=HTMLResponse, name="assurance:run")
async def run(
    request: Request,
    file: UploadFile | None = File(None),
    label: str = Form(""),
    prediction: str = Form(""),
    score: str = Form(""),
    sensitive: str = Form(""),
    bootstrap: int = Form(0),
    principal: Principal = Depends(require(RUN)),
) -> Response:
    state = app_state(request)
    try:
        content = await file.read(jobs.MAX_BYTES + 1) if file is not None else b""
        name = jobs.keep_upload(
            state.settings.home, filename=(file.filename or "") if file else "", content=content
        )
        with transaction(state.sessions, write=True) as session:
            job = job_queue.enqueue(
                session,
                kind=jobs.JOB_KIND,
                params={
                    "file": name,
                    "filename": file.filename if file else "",
                    "label": label.strip(),
                    "prediction": prediction.strip(),
                    "score": score.strip(),
                    "sensitive": [c.strip() for c in sensitive.split(",") if c.strip()],
                    "bootstrap": max(0, min(bootstrap, 2000)),
                    "user_id": principal.user_id,
                },
                user_id=principal.user_id,
            )
            job_id = job.id
    except SoaiError as exc:
        return _home(request, error=exc)
    state.jobs.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _charts(result: dict[str, Any], t: Any) -> list[tuple[str, str]]:
    """(title, data: URI of the SVG) per column: as an image, because the content security
    policy rightly blocks the inline styles an embedded matplotlib SVG relies on."""
    charts = []
    for column, groups in (result.get("groups") or {}).items():
        labels = list(groups)
        values = [round(float(groups[g].get("selection_rate") or 0.0), 3) for g in labels]
        title = t.gettext(N_("Selection rate by {column}")).format(column=column)
        svg = bar_chart_svg(labels, values, title=title)
        charts.append(
            (title, "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())
        )
    return charts


@router.get("/assurance/runs/{run_id}", response_class=HTMLResponse, name="assurance:result")
def result(
    request: Request, run_id: int, principal: Principal = Depends(require(RUN))
) -> HTMLResponse:
    t = translator_for(request)
    with transaction(app_state(request).sessions) as session:
        found = service.get(session, run_id=run_id)
        if not service.visible(
            found, user_id=principal.user_id, sees_all=principal.can(Permission.ASSURANCE_ALL)
        ):
            raise NotFound(N_("No test run {id}."), id=run_id)
        cycles = (
            pdca.cycles(session, scope=pdca.scope_for(session, principal=principal))
            if principal.can(Permission.PDCA_EDIT)
            else []
        )
    outcome = found.result or {}
    return render(
        request,
        "assurance/result.html",
        {
            "run": found,
            "outcome": outcome,
            "charts": _charts(outcome, t) if outcome else [],
            "explanations": explanations.METRICS,
            "cycles": [c for c in cycles if c.phase != "closed"],
        },
    )


@router.post("/assurance/runs/{run_id}/attach", name="assurance:attach")
async def attach(
    request: Request,
    run_id: int,
    cycle_id: int = Form(...),
    principal: Principal = Depends(require(Permission.PDCA_EDIT)),
) -> Response:
    state = app_state(request)
    with transaction(state.sessions, write=True) as session:
        found = service.get(session, run_id=run_id)
        if not service.visible(
            found, user_id=principal.user_id, sees_all=principal.can(Permission.ASSURANCE_ALL)
        ):
            raise NotFound(N_("No test run {id}."), id=run_id)
        cycle = pdca.get(
            session, cycle_id=cycle_id, scope=pdca.scope_for(session, principal=principal)
        )
        service.attach(
            session,
            run=found,
            cycle=cycle,
            user_id=principal.user_id,
            base_url=f"https://{state.profile.issuer_domain}",
        )
    return RedirectResponse(f"/pdca/cycles/{cycle_id}#evidence", status_code=303)
