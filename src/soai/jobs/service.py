"""Use cases of jobs: enqueue, read, and recover jobs interrupted by a restart."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from soai.db import utcnow
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.jobs import runner
from soai.jobs.models import Job

INTERRUPTED = N_("Interrupted by a restart of the server; start it again.")


def enqueue(session: Session, *, kind: str, params: dict[str, Any], user_id: int | None) -> Job:
    """A new queued job; hand its id to a :class:`~soai.jobs.runner.JobRunner` after commit."""
    if runner.lookup(kind) is None:
        raise InvalidInput(N_("Unknown job kind {kind}."), field="kind", kind=kind)
    job = Job(id=uuid.uuid4().hex, kind=kind, params=params, created_by=user_id, status="queued")
    session.add(job)
    session.flush()
    return job


def get(session: Session, *, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(N_("No job {job_id}."), job_id=job_id)
    return job


def recent(session: Session, *, limit: int = 50) -> list[Job]:
    return list(session.scalars(select(Job).order_by(Job.created_at.desc()).limit(limit)))


def fail_interrupted(session: Session) -> int:
    """Mark jobs left running or queued by a stopped in-process runner as failed."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Job)
        .where(Job.status.in_(["running", "queued"]))
        .values(status="failed", error=INTERRUPTED, finished_at=utcnow())
    )
    return result.rowcount or 0
