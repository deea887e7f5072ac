"""Running jobs: the registry of job kinds, the progress context, and the in-process runner.

A job kind is a function ``fn(ctx, params) -> result`` registered with :func:`job_kind`. It
reports progress through ``ctx.progress`` (written to the database at most a few times a
second) and returns a JSON-able result. The embedded installation runs jobs on a thread
pool in the web process; the :class:`JobRunner` protocol is the seam where a PostgreSQL-backed
worker queue (procrastinate) plugs in at scale.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import structlog
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.errors import SoaiError
from soai.i18n.markers import N_
from soai.jobs.models import Job
from soai.settings import Settings

log = structlog.get_logger(__name__)

ProgressCallback = Callable[[int, int | None, str], None]


@dataclass
class JobContext:
    """What a running job may use: the database, the instance folder and a progress reporter."""

    job_id: str
    sessions: sessionmaker[Session]
    home: Path
    on_progress: ProgressCallback | None = None
    settings: Settings | None = None
    min_interval: float = 0.25
    _last_write: float = field(default=0.0, repr=False)

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        if self.on_progress is not None:
            self.on_progress(done, total, message)
        now = time.monotonic()
        if now - self._last_write < self.min_interval and (total is None or done < total):
            return
        self._last_write = now
        with transaction(self.sessions, write=True) as session:
            session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(done=done, total=total, message=message)
            )


JobFunction = Callable[[JobContext, dict[str, Any]], dict[str, Any] | None]
_KINDS: dict[str, JobFunction] = {}
_TITLES: dict[str, str] = {}


def job_kind(name: str, *, title: str | None = None) -> Callable[[JobFunction], JobFunction]:
    """Register a function as the job kind ``name``; ``title`` is what people see (``N_``)."""

    def register(fn: JobFunction) -> JobFunction:
        if name in _KINDS and _KINDS[name] is not fn:
            raise ValueError(f"job kind {name!r} is registered twice")
        _KINDS[name] = fn
        _TITLES[name] = title or name
        return fn

    return register


def title(name: str) -> str:
    """The translatable title of a job kind (its name when unknown)."""
    return _TITLES.get(name, name)


def kinds() -> list[str]:
    return sorted(_KINDS)


def lookup(name: str) -> JobFunction | None:
    return _KINDS.get(name)


def execute(
    job_id: str,
    *,
    sessions: sessionmaker[Session],
    home: Path,
    on_progress: ProgressCallback | None = None,
    settings: Settings | None = None,
) -> None:
    """Run one queued job to its end, recording success or failure; never raises."""
    with transaction(sessions, write=True) as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        job.status = "running"
        job.started_at = utcnow()
        kind, params = job.kind, dict(job.params)
    fn = lookup(kind)
    ctx = JobContext(
        job_id=job_id, sessions=sessions, home=home, on_progress=on_progress, settings=settings
    )
    status, result, error = "succeeded", None, None
    try:
        if fn is None:
            raise SoaiError(N_("Unknown job kind {kind}."), kind=kind)
        result = fn(ctx, params)
    except SoaiError as exc:
        status, error = "failed", exc.render()
        log.warning("job_failed", job_id=job_id, kind=kind, error=error)
    except Exception:
        status, error = "failed", N_("Something went wrong on our side. The error has been logged.")
        log.error("job_crashed", job_id=job_id, kind=kind, traceback=traceback.format_exc())
    with transaction(sessions, write=True) as session:
        job = session.get(Job, job_id)
        if job is not None:
            job.status = status
            job.result = result
            job.error = error
            job.finished_at = utcnow()
            if status == "succeeded" and job.total is not None:
                job.done = job.total


class JobRunner(Protocol):
    """Where queued jobs go to be run."""

    def submit(self, job_id: str) -> None: ...

    def shutdown(self) -> None: ...


class InProcessRunner:
    """Runs jobs on a small thread pool inside the current process (the embedded default)."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        home: Path,
        workers: int,
        settings: Settings | None = None,
    ) -> None:
        self._sessions = sessions
        self._home = home
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="soai-job")

    def submit(self, job_id: str) -> None:
        self._pool.submit(
            execute, job_id, sessions=self._sessions, home=self._home, settings=self._settings
        )

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
