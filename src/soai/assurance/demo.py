"""Demo test runs (``soai demo``) on the synthetic Cambodian credit-scoring data: fairness,
performance and data quality on the bank's file of decisions, then robustness and
explainability on a model trained on its past (biased) approvals. Each run is stored and
attached to the bank's open compliance cycle. Idempotent."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.assurance import demo_data, demo_model, service
from soai.assurance.inputs import Spec
from soai.assurance.models import TestRun
from soai.pdca import service as pdca
from soai.registry import listing
from soai.registry import service as registry

FILE = "credit-scoring-predictions.csv"
MODEL = "credit-scoring-model.joblib"
SYSTEM = "Retail credit scoring v3"


def seed(session: Session, *, home: Path, domain: str) -> int:
    """Run and attach the demo tests once; returns the number of runs added."""
    if session.scalar(select(TestRun.id).where(TestRun.input_name == FILE)) is not None:
        return 0
    folder = home / "demo"
    data = demo_data.write_csv(folder / FILE)
    population = {"province": dict(zip(demo_data.PROVINCES, demo_data.SHARES, strict=True))}
    decisions = Spec(
        data, label="repaid", prediction="approved", score="score",
        sensitive=("gender", "province"), population=population,
    )  # fmt: skip
    outcomes = list(service.plan(decisions, ("fairness", "performance", "data")).items())
    # The model learnt the bank's past approvals, so it learnt their bias too; the soai demo
    # made this file itself, which is why it may be trusted.
    model = Spec(
        data, label="repaid", model=demo_model.write(folder / MODEL), trust_model=True,
        sensitive=("gender", "province"),
    )  # fmt: skip
    outcomes += list(service.plan(model, ("robustness", "explain")).items())
    found = listing.search(session, scope=registry.Scope(everything=True), query=SYSTEM, limit=5)
    system_id = next((s.id for s, _o in found.rows if s.name == SYSTEM), None)
    cycle = pdca.open_cycle_of(session, system_id=system_id) if system_id is not None else None
    for kind, outcome in outcomes:
        run = service.record(
            session, kind=kind, outcome=outcome, error=None, input_name=FILE,
            parameters=outcome["parameters"], user_id=None, system_id=system_id,
        )  # fmt: skip
        if cycle is not None:
            service.attach(
                session, run=run, cycle=cycle, user_id=None, base_url=f"https://{domain}"
            )
    return len(outcomes)
