"""JSON API of jobs: poll a job's progress and outcome."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from soai.db import transaction
from soai.identity.guard import require
from soai.identity.policy import Permission
from soai.jobs import service
from soai.jobs.schemas import JobOut
from soai.web.state import app_state

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("/{job_id}", name="api:jobs:get", dependencies=[Depends(require(Permission.JOBS_READ))])
def get_job(request: Request, job_id: str) -> JobOut:
    with transaction(app_state(request).sessions) as session:
        return JobOut.model_validate(service.get(session, job_id=job_id))
