"""A whole exam window rehearsed end to end as one job: candidates enrolled, forms drawn from
the shipped bank, answers simulated, graded, stored and the passes certified (SQLite and
PostgreSQL); the same seed gives the same results."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.academy import service, window
from soai.academy.models import Attempt, Candidate
from soai.credentials.models import IssuedCredential
from soai.db import transaction
from soai.jobs.runner import JobContext
from soai.settings import Settings


def test_a_window_enrols_grades_and_certifies_the_passes(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    seen: list[tuple[int, int | None, str]] = []
    ctx = JobContext(job_id="t", sessions=sessions, home=instance.home,
                     on_progress=lambda d, t, m: seen.append((d, t, m)), settings=instance)  # fmt: skip
    result = window.run(instance, ctx, tier_id="fundamentals", candidates=400, seed="rehearsal",
                        bank=service.bank_of(None))  # fmt: skip
    assert result["candidates"] == 400 and 0 < result["passed"] < 400
    assert result["issued"] == result["passed"]
    assert (400, 400, "graded") in seen, "the progress bar reaches the end"
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Candidate)) == 400
        scores = list(session.scalars(select(Attempt.scaled_score).order_by(Attempt.seed)))
        passed = session.scalar(select(func.count()).where(Attempt.passed.is_(True)))
        assert passed == result["passed"] and all(100 <= s <= 500 for s in scores)
        assert (
            session.scalar(select(func.count()).select_from(IssuedCredential)) == result["issued"]
        )
        assert session.scalar(select(Candidate.national_id_hash).limit(1)) is None
