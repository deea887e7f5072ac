"""Use cases of technical assurance: run a test on a data file, judge it against the policy,
store the run (or its failure record), and offer it as evidence to a SOAI-PDCA cycle."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.assurance import checks, dataset, policy
from soai.assurance.inputs import Spec
from soai.assurance.models import TestRun
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.pdca import evidence as pdca_evidence
from soai.pdca.models import Control, Cycle


def fairness(
    path: Path,
    *,
    label: str,
    prediction: str,
    sensitive: Sequence[str],
    score: str | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    overrides: checks.Overrides | None = None,
    on_progress: dataset.Progress | None = None,
) -> dict[str, Any]:
    """The fairness test of ARCHITECTURE.md's contract (predictions only), judged by the policy."""
    spec = Spec(
        path, label=label, prediction=prediction, score=score, sensitive=tuple(sensitive),
        bootstrap=bootstrap, seed=seed,
    )  # fmt: skip
    return checks.run_plan(spec, ("fairness",), overrides=overrides, on_progress=on_progress)[
        "fairness"
    ]


def plan(
    spec: Spec,
    kinds: Sequence[str],
    *,
    overrides: checks.Overrides | None = None,
    on_progress: dataset.Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Several tests on one read of the data (a test plan): ``{kind: outcome}``."""
    return checks.run_plan(spec, tuple(kinds), overrides=overrides, on_progress=on_progress)


def record(
    session: Session,
    *,
    kind: str,
    outcome: dict[str, Any] | None,
    error: str | None,
    input_name: str,
    parameters: dict[str, Any],
    user_id: int | None,
    system_id: int | None = None,
) -> TestRun:
    """Store a run: its result, or only the failure record when it failed."""
    run = TestRun(
        kind=kind,
        status="failed" if outcome is None else "succeeded",
        verdict=None if outcome is None else outcome["verdict"],
        input_name=input_name,
        input_sha256=None if outcome is None else outcome["input"]["sha256"],
        rows=None if outcome is None else outcome["input"]["rows"],
        parameters=parameters,
        tool_version=checks.tool_version(),
        policy_version=policy.load().version,
        result=outcome,
        error=error,
        system_id=system_id,
        created_by=user_id,
    )
    session.add(run)
    session.flush()
    return run


def get(session: Session, *, run_id: int) -> TestRun:
    run = session.get(TestRun, run_id)
    if run is None:
        raise NotFound(N_("No test run {id}."), id=run_id)
    return run


def attach(
    session: Session, *, run: TestRun, cycle: Cycle, user_id: int | None, base_url: str
) -> int:
    """Offer a succeeded run as evidence (a test result) for the controls the policy maps its
    kind to, among the cycle's Statement of Applicability; returns the evidence id.

    ``base_url`` is the instance's address (``https://<issuer domain>``), where the run's page is.
    """
    if run.status != "succeeded":
        raise InvalidInput(N_("A failed run is not evidence."), field="run")
    urns = policy.load().controls.get(run.kind, [])
    control_ids = list(
        session.scalars(
            select(Control.id).where(Control.cycle_id == cycle.id, Control.urn.in_(urns))
        )
    )
    added = pdca_evidence.add_link_evidence(
        session,
        cycle=cycle,
        title=f"{run.kind} test of {run.input_name} (sha256 {run.input_sha256 or ''}): {run.verdict}",
        url=f"{base_url.rstrip('/')}/assurance/runs/{run.id}",
        kind="test_result",
        control_ids=control_ids,
        user_id=user_id,
    )
    run.cycle_id, run.evidence_id, run.system_id = cycle.id, added.id, cycle.system_id
    session.flush()
    return added.id


def runs(
    session: Session, *, user_id: int | None, sees_all: bool, limit: int = 50
) -> list[TestRun]:
    """Recent runs: all of them for analysts and regulators, one's own for others."""
    query = select(TestRun).order_by(TestRun.id.desc()).limit(limit)
    if not sees_all:
        query = query.where(TestRun.created_by == user_id)
    return list(session.scalars(query))


def visible(run: TestRun, *, user_id: int | None, sees_all: bool) -> bool:
    return sees_all or (user_id is not None and run.created_by == user_id)


def summaries_for_system(
    session: Session, *, system_id: int, limit: int = 20
) -> list[dict[str, Any]]:
    """The latest succeeded runs of a system, as plain data for other parts (the council)."""
    found = session.scalars(
        select(TestRun)
        .where(TestRun.system_id == system_id, TestRun.status == "succeeded")
        .order_by(TestRun.id.desc())
        .limit(limit)
    )
    return [
        {
            "run_id": run.id,
            "kind": run.kind,
            "verdict": run.verdict,
            "input_sha256": run.input_sha256,
            "policy_version": run.policy_version,
            "verdicts": [
                {k: v.get(k) for k in ("metric", "scope", "value", "verdict", "reason")}
                for v in (run.result or {}).get("verdicts", [])
            ],
        }
        for run in found
    ]
