"""Fairness tests as an analyst runs them: the CLI contract, the portal job, the PDCA evidence,
on the synthetic Cambodian credit-scoring data with its planted bias by province."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.assurance import demo_data, service
from soai.assurance.models import TestRun
from soai.db import transaction
from soai.jobs import service as job_queue
from soai.pdca import service as pdca
from soai.pdca.models import Evidence
from soai.settings import Settings
from tests.identity.factories import PASSWORD, make_user
from tests.ledger.test_cli import run, run_offline
from tests.registry.factories import make_organisation, register
from tests.web_client import csrf_from, sign_in

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
AGGREGATES = {
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
}


@pytest.fixture(scope="module")
def credit_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_data.write_csv(tmp_path_factory.mktemp("assurance") / "credit.csv", rows=5_000)


def test_the_fairness_test_finds_the_planted_bias_by_province_not_by_gender(
    credit_csv: Path,
) -> None:
    outcome = service.fairness(
        credit_csv,
        label="repaid",
        prediction="approved",
        sensitive=["gender", "province"],
        score="score",
    )
    assert set(outcome["aggregates"]["province"]) >= AGGREGATES
    by_scope = {(v["scope"], v["metric"]): v["verdict"] for v in outcome["verdicts"]}
    assert by_scope[("province", "demographic_parity_ratio")] == "fail"
    assert by_scope[("gender", "demographic_parity_ratio")] == "pass"
    assert outcome["verdict"] == "fail"
    rates = outcome["groups"]["province"]
    assert rates["Ratanakiri"]["selection_rate"] < rates["Phnom Penh"]["selection_rate"] / 2
    assert outcome["input"]["rows"] == 5_000 and len(outcome["input"]["sha256"]) == 64


def test_the_cli_prints_the_contract_json_without_an_instance(
    credit_csv: Path, tmp_path: Path
) -> None:
    result = run_offline(
        tmp_path, "assure", "fairness", str(credit_csv), "--label", "repaid",
        "--prediction", "approved", "--sensitive", "gender,province", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body["aggregates"]["gender"]) >= AGGREGATES
    assert set(body["groups"]["gender"]) == {"female", "male"}
    missing = run_offline(
        tmp_path, "assure", "fairness", str(credit_csv), "--label", "repaid",
        "--prediction", "approved", "--sensitive", "sex", "--json",
    )  # fmt: skip
    assert missing.returncode == 1 and "no column sex" in missing.stderr
    assert "gender, province" in missing.stderr


@SQLITE_ONLY
def test_a_saved_run_is_attached_to_a_cycle_as_evidence(
    instance: Settings, sessions: sessionmaker[Session], credit_csv: Path
) -> None:
    bank = make_organisation(sessions, name="Angkor Commercial Bank")
    system = register(sessions, bank)
    with transaction(sessions) as session:
        cycle_id = pdca.start(session, system_id=system.id, user_id=None).id
    result = run(
        instance, "assure", "fairness", str(credit_csv), "--label", "repaid", "--prediction",
        "approved", "--sensitive", "province", "--cycle", str(cycle_id), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["run"]
    with transaction(sessions) as session:
        stored = session.get_one(TestRun, run_id)
        assert stored.verdict == "fail" and stored.cycle_id == cycle_id
        evidence = session.scalars(select(Evidence).where(Evidence.cycle_id == cycle_id)).one()
        assert evidence.kind == "test_result" and evidence.url.endswith(f"/assurance/runs/{run_id}")
    failed = run(
        instance, "assure", "fairness", str(credit_csv), "--label", "repaid", "--prediction",
        "province", "--sensitive", "gender", "--save",
    )  # fmt: skip
    assert failed.returncode == 1 and "two classes" in failed.stderr
    with transaction(sessions) as session:
        record = session.scalars(select(TestRun).order_by(TestRun.id.desc())).first()
        assert record is not None and record.status == "failed" and record.result is None


@SQLITE_ONLY
def test_an_analyst_runs_the_test_in_the_portal_and_reads_the_verdicts(
    client: TestClient, app_sessions: sessionmaker[Session], credit_csv: Path
) -> None:
    client.headers["Accept-Language"] = "en"
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    page = client.get("/assurance")
    answer = client.post(
        "/assurance/runs",
        data={"csrf_token": csrf_from(page.text), "tests": ["fairness"], "label": "repaid",
              "prediction": "approved", "score": "score", "sensitive": "gender, province"},
        files={"file": ("credit.csv", credit_csv.read_bytes(), "text/csv")},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    job_id = answer.headers["location"].rsplit("/", 1)[1]
    job = wait_for(app_sessions, job_id)
    assert job.status == "succeeded", job.error
    run_id = job.result["runs"][0]
    result = client.get(f"/assurance/runs/{run_id}")
    assert result.status_code == 200
    assert "below the threshold of 0.8" in result.text
    assert "four-fifths rule" in result.text, "what the metric means is explained"
    assert 'src="data:image/svg+xml;base64,' in result.text, "per-group selection-rate chart"
    other = make_user(app_sessions, "provider")
    stranger = TestClient(client.app)
    sign_in(stranger, other.email, PASSWORD)
    assert stranger.get(f"/assurance/runs/{run_id}").status_code == 404


def wait_for(sessions: sessionmaker[Session], job_id: str) -> Any:
    """The job once it has finished (at most a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with transaction(sessions) as session:
            job = job_queue.get(session, job_id=job_id)
            if job.status in ("succeeded", "failed"):
                return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")
