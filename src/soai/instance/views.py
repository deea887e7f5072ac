"""HTML routes of the instance: its summary page and the summary PDF (made as a job)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from soai.db import transaction
from soai.errors import NotFound
from soai.i18n.markers import N_
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.identity.schemas import Principal
from soai.instance import summary
from soai.jobs import service as jobs
from soai.web.pages import render, translator_for
from soai.web.state import app_state

router = APIRouter()
GUARD = [Depends(require(Permission.REPORTS_INSTANCE))]


@router.get(
    "/instance/summary", response_class=HTMLResponse, name="instance:summary", dependencies=GUARD
)
def summary_page(request: Request) -> HTMLResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        facts = summary.gather(
            session, profile=state.profile, database=state.sessions.kw["bind"].dialect.name
        )
        recent = [j for j in jobs.recent(session, limit=20) if j.kind == summary.JOB_KIND][:5]
        for job in recent:
            session.expunge(job)
    return render(request, "instance/summary.html", {**facts, "recent": recent})


@router.post("/instance/summary/pdf", name="instance:summary_pdf")
def summary_pdf(
    request: Request, principal: Principal = Depends(require(Permission.REPORTS_INSTANCE))
) -> Response:
    state = app_state(request)
    language = translator_for(request).language
    with transaction(state.sessions, write=True) as session:
        job = jobs.enqueue(
            session,
            kind=summary.JOB_KIND,
            params={"language": language},
            user_id=principal.user_id,
        )
        job_id = job.id
    state.jobs.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/instance/reports/{job_id}.pdf", name="instance:report_file", dependencies=GUARD)
def report_file(request: Request, job_id: str) -> FileResponse:
    state = app_state(request)
    with transaction(state.sessions) as session:
        job = jobs.get(session, job_id=job_id)
        ready = job.kind == summary.JOB_KIND and job.status == "succeeded"
    path = summary.report_path(state.home, job_id)
    if not ready or not path.is_file():
        raise NotFound(N_("This report does not exist or is not ready yet."))
    return FileResponse(path, media_type="application/pdf", filename="instance-summary.pdf")
