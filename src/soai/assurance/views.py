"""HTML routes of technical assurance: the test page (upload, choose columns, run as a job) and
each run's results with per-group charts, the policy's verdicts and what the metrics mean."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from soai.assurance import charts, explanations, inputs, jobs, policy, report, service
from soai.db import transaction, utcnow
from soai.errors import NotFound, SoaiError
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.jobs import service as job_queue
from soai.pdca import service as pdca
from soai.reports.charts import svg_data_uri
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
            "tests": explanations.TESTS,
            "verdicts": explanations.VERDICTS,
            "test_names": explanations.TEST_NAMES,
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
    tests: list[str] = Form([]),
    file: UploadFile | None = File(None),
    model: UploadFile | None = File(None),
    reference: UploadFile | None = File(None),
    label: str = Form(""),
    prediction: str = Form(""),
    score: str = Form(""),
    sensitive: str = Form(""),
    features: str = Form(""),
    trust_model: bool = Form(False),
    regression: bool = Form(False),
    population: str = Form(""),
    bootstrap: int = Form(0),
    principal: Principal = Depends(require(RUN)),
) -> Response:
    state = app_state(request)
    home = state.settings.home
    kept: list[str] = []
    try:
        params: dict[str, Any] = {
            "tests": [t for t in tests if t],
            "label": label.strip(),
            "prediction": prediction.strip(),
            "score": score.strip(),
            "sensitive": _columns(sensitive),
            "features": _columns(features),
            "trust_model": trust_model,
            "regression": regression,
            "population": inputs.parse_population(population, source="population"),
            "bootstrap": max(0, min(bootstrap, 2000)),
            "user_id": principal.user_id,
            "overrides": policy.overrides_of(state.profile.assurance.thresholds),
        }
        names: dict[str, str] = {}
        for key, upload, suffixes in (
            ("file", file, jobs.DATA_SUFFIXES),
            ("model", model, jobs.MODEL_SUFFIXES),
            ("reference", reference, jobs.DATA_SUFFIXES),
        ):
            content = await upload.read(jobs.MAX_BYTES + 1) if upload is not None else b""
            if key != "file" and not content and not (upload and upload.filename):
                continue
            name = (upload.filename or "") if upload else ""
            params[key] = jobs.keep_upload(
                home, filename=name, content=content, field=key, suffixes=suffixes
            )
            kept.append(params[key])
            names[key] = name
        params["filenames"] = names
        spec = jobs.spec_of(home, params)
        inputs.check(spec, tuple(params["tests"]))
        params["parameters"] = {
            **spec.parameters(),
            "model": names.get("model"),
            "reference": names.get("reference"),
        }
        with transaction(state.sessions, write=True) as session:
            job = job_queue.enqueue(
                session, kind=jobs.JOB_KIND, params=params, user_id=principal.user_id
            )
            job_id = job.id
    except SoaiError as exc:
        for name in kept:
            (jobs.upload_dir(home) / name).unlink(missing_ok=True)
        return _home(request, error=exc)
    state.jobs.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def _images(outcome: dict[str, Any], t: Any) -> list[tuple[str, str]]:
    """(title, data: URI of the SVG): as images, because the content security policy rightly
    blocks the inline styles an embedded matplotlib SVG relies on."""
    return [(title, svg_data_uri(svg)) for title, svg in charts.charts(outcome, t.gettext)]


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
            "charts": _images(outcome, t) if outcome else [],
            "explanations": explanations.METRICS,
            "verdicts": explanations.VERDICTS,
            "test_names": explanations.TEST_NAMES,
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


@router.get("/assurance/runs/{run_id}/report.pdf", name="assurance:report")
def report_pdf(
    request: Request, run_id: int, principal: Principal = Depends(require(RUN))
) -> Response:
    """The run's test report as a PDF in the reader's language (``?lang=en|km``)."""
    state = app_state(request)
    language = request.query_params.get("lang") or translator_for(request).language
    language = language if language in state.profile.languages else state.profile.default_language
    with transaction(state.sessions) as session:
        found = service.get(session, run_id=run_id)
        if not service.visible(
            found, user_id=principal.user_id, sees_all=principal.can(Permission.ASSURANCE_ALL)
        ):
            raise NotFound(N_("No test run {id}."), id=run_id)
        pdf = report.render_pdf(
            found, profile=state.profile, language=language, generated_at=utcnow()
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="soai-test-run-{run_id}-{language}.pdf"'
        },
    )
