"""Demo test run (``soai demo``): the fairness test on the synthetic credit-scoring data, stored
and attached to the bank's open compliance cycle. Idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.assurance import demo_data, service
from soai.assurance.models import TestRun
from soai.pdca import service as pdca
from soai.registry import listing
from soai.registry import service as registry

FILE = "credit-scoring-predictions.csv"
SYSTEM = "Retail credit scoring v3"


def seed(session: Session, *, home: Path, domain: str) -> int:
    """Run and attach the demo fairness test once; returns the number of runs added."""
    if session.scalar(select(TestRun.id).where(TestRun.input_name == FILE)) is not None:
        return 0
    path = demo_data.write_csv(home / "demo" / FILE)
    outcome = service.fairness(
        path, label="repaid", prediction="approved", sensitive=["gender", "province"], score="score"
    )
    parameters = outcome["parameters"]
    run = service.record(
        session, kind="fairness", outcome=outcome, error=None, input_name=FILE,
        parameters=parameters, user_id=None,
    )  # fmt: skip
    found = listing.search(session, scope=registry.Scope(everything=True), query=SYSTEM, limit=5)
    system_id = next((s.id for s, _o in found.rows if s.name == SYSTEM), None)
    cycle = pdca.open_cycle_of(session, system_id=system_id) if system_id is not None else None
    if cycle is not None:
        service.attach(session, run=run, cycle=cycle, user_id=None, base_url=f"https://{domain}")
    return 1
