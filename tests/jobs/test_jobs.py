"""Jobs on SQLite and PostgreSQL: queueing, progress, outcome, failure and restart recovery."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.errors import GENERIC_MESSAGES, InvalidInput, NotFound, SoaiError
from soai.i18n.markers import N_
from soai.jobs import service
from soai.jobs.models import Job
from soai.jobs.runner import InProcessRunner, JobContext, execute, job_kind

COUNT = "tests.jobs.count"
REFUSE = "tests.jobs.refuse"
CRASH = "tests.jobs.crash"


@job_kind(COUNT)
def count(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Counts to ``to``, and reports what a poller saw half-way through."""
    to = int(params["to"])
    ctx.progress(to // 2, to, "half-way")
    with transaction(ctx.sessions) as session:
        job = session.get(Job, ctx.job_id)
        assert job is not None
        seen = {"status": job.status, "done": job.done, "total": job.total, "msg": job.message}
    for n in range(to // 2 + 1, to + 1):
        ctx.progress(n, to, f"counted {n}")
    return {"counted": to, "seen_half_way": seen, "home": str(ctx.home)}


@job_kind(REFUSE)
def refuse(ctx: JobContext, params: dict[str, Any]) -> None:
    raise SoaiError(N_("No organisation named {name}."), name=params["name"])


@job_kind(CRASH)
def crash(ctx: JobContext, params: dict[str, Any]) -> None:
    raise RuntimeError("secret internal detail: /etc/shadow")


def _enqueue(sessions: sessionmaker[Session], kind: str, **params: Any) -> str:
    with transaction(sessions) as session:
        return service.enqueue(session, kind=kind, params=params, user_id=None).id


def _job(sessions: sessionmaker[Session], job_id: str) -> Job:
    with transaction(sessions) as session:
        job = service.get(session, job_id=job_id)
        session.expunge(job)
    return job


def test_an_unknown_job_kind_is_refused_by_name(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(InvalidInput) as caught, transaction(sessions) as session:
        service.enqueue(session, kind="tests.jobs.nope", params={}, user_id=None)

    assert caught.value.field == "kind"
    assert "tests.jobs.nope" in str(caught.value)
    with transaction(sessions) as session:
        assert service.recent(session) == []


def test_a_queued_job_waits_with_its_parameters(sessions: sessionmaker[Session]) -> None:
    job_id = _enqueue(sessions, COUNT, to=4)

    job = _job(sessions, job_id)
    assert (job.kind, job.status, job.params, job.done) == (COUNT, "queued", {"to": 4}, 0)
    assert job.status_label == "Waiting"
    assert job.created_at.utcoffset() is not None


def test_a_job_runs_with_progress_and_its_result_is_stored(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    job_id = _enqueue(sessions, COUNT, to=6)
    reported: list[tuple[int, int | None, str]] = []

    execute(
        job_id,
        sessions=sessions,
        home=tmp_path,
        on_progress=lambda done, total, msg: reported.append((done, total, msg)),
    )

    job = _job(sessions, job_id)
    assert job.status == "succeeded"
    assert job.error is None
    assert job.result is not None
    assert job.result["counted"] == 6
    assert job.result["home"] == str(tmp_path)
    # A poller sees the progress while the job runs, not only at its end.
    assert job.result["seen_half_way"] == {
        "status": "running",
        "done": 3,
        "total": 6,
        "msg": "half-way",
    }
    assert (job.done, job.total, job.message, job.fraction) == (6, 6, "counted 6", 1.0)
    assert reported[0] == (3, 6, "half-way")
    assert reported[-1] == (6, 6, "counted 6")
    assert job.started_at is not None and job.finished_at is not None
    assert job.created_at <= job.started_at <= job.finished_at
    assert job.finished and job.status_label == "Finished"


def test_a_finished_job_is_not_run_again(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    job_id = _enqueue(sessions, COUNT, to=2)
    execute(job_id, sessions=sessions, home=tmp_path)
    finished_at = _job(sessions, job_id).finished_at

    execute(job_id, sessions=sessions, home=tmp_path)

    assert _job(sessions, job_id).finished_at == finished_at


def test_a_job_refusing_with_a_soai_error_fails_with_its_message(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    job_id = _enqueue(sessions, REFUSE, name="Angkor AI")

    execute(job_id, sessions=sessions, home=tmp_path)

    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error == "No organisation named Angkor AI."
    assert job.result is None
    assert job.finished_at is not None
    assert job.status_label == "Failed"


def test_a_crashing_job_fails_with_the_generic_message_only(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    job_id = _enqueue(sessions, CRASH)

    execute(job_id, sessions=sessions, home=tmp_path)

    job = _job(sessions, job_id)
    assert job.status == "failed"
    assert job.error == GENERIC_MESSAGES["internal"]
    assert "shadow" not in (job.error or "")


def test_the_in_process_runner_runs_a_job_to_completion(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    job_id = _enqueue(sessions, COUNT, to=10)
    runner = InProcessRunner(sessions=sessions, home=tmp_path, workers=2)
    try:
        runner.submit(job_id)
        deadline = time.monotonic() + 20
        while not _job(sessions, job_id).finished and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.shutdown()

    job = _job(sessions, job_id)
    assert job.status == "succeeded"
    assert job.result is not None and job.result["counted"] == 10
    assert job.done == 10


def test_interrupted_jobs_are_marked_failed_after_a_restart(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    queued = _enqueue(sessions, COUNT, to=2)
    running = _enqueue(sessions, COUNT, to=2)
    done = _enqueue(sessions, COUNT, to=2)
    execute(done, sessions=sessions, home=tmp_path)
    with transaction(sessions) as session:
        job = service.get(session, job_id=running)
        job.status, job.started_at = "running", utcnow()  # its process stopped mid-way

    # The server restarts: whatever was queued or running is reported, not left spinning.
    with transaction(sessions) as session:
        assert service.fail_interrupted(session) == 2

    for job_id in (queued, running):
        job = _job(sessions, job_id)
        assert job.status == "failed"
        assert job.error == service.INTERRUPTED
        assert job.finished_at is not None
    assert _job(sessions, done).status == "succeeded"
    # A failed job is not picked up again by a runner.
    execute(queued, sessions=sessions, home=tmp_path)
    assert _job(sessions, queued).status == "failed"


def test_an_unknown_job_id_is_not_found(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound, match="No job 0123"), transaction(sessions) as session:
        service.get(session, job_id="0123")
