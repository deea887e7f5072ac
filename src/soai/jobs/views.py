"""HTML routes of jobs: a job's page with a progress bar that htmx keeps up to date."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from soai.db import transaction
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.jobs import runner, service
from soai.web.pages import render
from soai.web.state import app_state

router = APIRouter()
GUARD = [Depends(require(Permission.JOBS_READ))]


def _job_context(request: Request, job_id: str) -> dict[str, object]:
    with transaction(app_state(request).sessions) as session:
        job = service.get(session, job_id=job_id)
        session.expunge(job)
    return {"job": job, "job_title": runner.title(job.kind)}


@router.get("/jobs/{job_id}", response_class=HTMLResponse, name="jobs:page", dependencies=GUARD)
def job_page(request: Request, job_id: str) -> HTMLResponse:
    return render(request, "jobs/job.html", _job_context(request, job_id))


@router.get(
    "/jobs/{job_id}/progress", response_class=HTMLResponse, name="jobs:progress", dependencies=GUARD
)
def job_progress(request: Request, job_id: str) -> HTMLResponse:
    """The progress fragment; htmx polls it until the job has finished."""
    return render(request, "jobs/parts/progress.html", _job_context(request, job_id))
