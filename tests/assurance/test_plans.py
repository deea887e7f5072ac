"""Test plans as an analyst runs them: performance and data quality from the CLI, several tests
as one portal job with charts and a PDF report, the profile's thresholds, and the errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from soai.assurance import demo_data, policy, service
from soai.assurance.inputs import Spec
from soai.errors import InvalidInput
from tests.assurance.test_runs import wait_for
from tests.identity.factories import PASSWORD, make_user
from tests.ledger.test_cli import run_offline
from tests.web_client import csrf_from, sign_in

KHMER = re.compile("[\u1780-\u17ff]")
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def credit_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_data.write_csv(tmp_path_factory.mktemp("plans") / "credit.csv", rows=4_000)


@pytest.fixture(scope="module")
def drifted_csv(credit_csv: Path) -> Path:
    """The same applicants a year later: incomes up by half, a few rows with no age band."""
    rows = list(csv.reader(credit_csv.open(encoding="utf-8")))
    income, age = rows[0].index("monthly_income_usd"), rows[0].index("age_band")
    for number, row in enumerate(rows[1:]):
        row[income] = str(float(row[income]) * 1.5)
        if number % 10 == 0:
            row[age] = ""
    path = credit_csv.with_name("credit-2027.csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_performance_measures_the_decisions_against_what_happened(credit_csv: Path) -> None:
    outcome = service.plan(
        Spec(credit_csv, label="repaid", prediction="approved", score="score"), ["performance"]
    )["performance"]
    metrics = outcome["metrics"]
    c = metrics["confusion_matrix"]
    assert c["tn"] + c["fp"] + c["fn"] + c["tp"] == 4_000
    assert metrics["accuracy"] == pytest.approx((c["tp"] + c["tn"]) / 4_000)
    assert 0.5 < metrics["roc_auc"] < 1 and metrics["roc_curve"]["fpr"][0] == 0
    judged = {v["metric"]: v for v in outcome["verdicts"]}
    assert set(judged) == {"accuracy", "balanced_accuracy", "roc_auc", "brier"}
    assert outcome["verdict"] in ("warn", "fail") and judged["accuracy"]["verdict"] == "fail"
    assert "below the threshold of 0.7" in judged["accuracy"]["reason"]


def test_data_quality_finds_the_drift_and_the_gaps(credit_csv: Path, drifted_csv: Path) -> None:
    population = {"province": {"Phnom Penh": 0.5, "Siem Reap": 0.1, "Battambang": 0.1,
                               "Kampong Cham": 0.1, "Kampot": 0.05, "Takeo": 0.05,
                               "Ratanakiri": 0.05, "Mondulkiri": 0.05}}  # fmt: skip
    spec = Spec(drifted_csv, label="repaid", reference=credit_csv, population=population)
    outcome = service.plan(spec, ["data"])["data"]
    by = {(v["metric"], v["scope"]): v["verdict"] for v in outcome["verdicts"]}
    assert by[("psi", "monthly_income_usd")] == "fail"
    assert by[("psi", "gender")] == "pass"
    assert by[("missing_share", "age_band")] == "warn"  # 10 % of the rows: above 5 %, below 20 %
    assert by[("representation_ratio", "province")] in ("warn", "fail")  # Phnom Penh is 30 %
    assert (
        outcome["reference"]["file"] == "credit.csv" and len(outcome["reference"]["sha256"]) == 64
    )
    assert outcome["drift"]["columns"]["monthly_income_usd"]["band"] == "significant"


def test_the_profile_thresholds_replace_the_policy_rule_by_rule(credit_csv: Path) -> None:
    spec = Spec(credit_csv, label="repaid", prediction="approved", score="score")
    strict = policy.overrides_of({"performance": {"accuracy": {"fail_below": 0.5}}})
    outcome = service.plan(spec, ["performance"], overrides=strict)["performance"]
    judged = {v["metric"]: v for v in outcome["verdicts"]}
    assert judged["accuracy"]["verdict"] == "warn", "0.66 is above the new 0.5, below 0.8"
    assert judged["roc_auc"]["verdict"] == "fail", "other rules are unchanged"
    with pytest.raises(InvalidInput, match="Unknown test fairnes"):
        policy.overrides_of({"fairnes": {}})


@pytest.mark.parametrize(
    ("spec", "tests", "message"),
    [
        (dict(label="repaid", prediction="approved"), [], "Choose at least one test"),
        (dict(label="repaid", prediction="approved"), ["speed"], "Unknown test speed"),
        (dict(label="repaid"), ["performance"], "Name the prediction column"),
        (dict(prediction="approved"), ["performance"], "Name the label column"),
        (dict(label="repaid", prediction="approved"), ["fairness"], "sensitive column"),
        (dict(label="repaid", prediction="approved"), ["robustness"], "give the model file"),
    ],
)
def test_a_plan_that_cannot_run_says_why_before_reading(
    credit_csv: Path, spec: dict[str, str], tests: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.plan(Spec(credit_csv, **spec), tests)  # type: ignore[arg-type]


def test_the_cli_runs_a_plan_and_prints_each_test(credit_csv: Path, tmp_path: Path) -> None:
    result = run_offline(
        tmp_path, "assure", "plan", str(credit_csv), "--tests", "fairness,performance,data",
        "--label", "repaid", "--prediction", "approved", "--score", "score",
        "--sensitive", "province", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {"fairness", "performance", "data"}
    assert body["fairness"]["verdict"] == "fail"
    assert body["data"]["duplicates"]["duplicate_rows"] == 0
    text = run_offline(
        tmp_path, "assure", "performance", str(credit_csv), "--label", "repaid",
        "--prediction", "approved",
    )  # fmt: skip
    assert text.returncode == 0 and "performance: FAIL" in text.stdout
    assert "overall: accuracy is 0.6" in text.stdout


@SQLITE_ONLY
def test_a_portal_plan_runs_three_tests_and_each_has_its_charts_and_pdf(
    client: TestClient,
    app_sessions: sessionmaker[Session],
    credit_csv: Path,
    drifted_csv: Path,
    tmp_path: Path,
) -> None:
    client.headers["Accept-Language"] = "en"
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    page = client.get("/assurance")
    assert "runs code written into the file" in page.text, "the pickle warning is on the form"
    answer = client.post(
        "/assurance/runs",
        data={"csrf_token": csrf_from(page.text), "tests": ["fairness", "performance", "data"],
              "label": "repaid", "prediction": "approved", "score": "score",
              "sensitive": "gender, province",
              "population": "province:\n  Phnom Penh: 0.5\n  Siem Reap: 0.5\n"},
        files={"file": ("credit-2027.csv", drifted_csv.read_bytes(), "text/csv"),
               "reference": ("credit-2026.csv", credit_csv.read_bytes(), "text/csv")},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    job = wait_for(app_sessions, answer.headers["location"].rsplit("/", 1)[1])
    assert job.status == "succeeded", job.error
    fairness, performance, data = job.result["runs"]
    shown = client.get(f"/assurance/runs/{performance}")
    assert "ROC curve (area 0." in shown.text and "Confusion matrix" in shown.text
    assert shown.text.count('src="data:image/svg+xml;base64,') == 2, "ROC and calibration"
    drift = client.get(f"/assurance/runs/{data}")
    assert "credit-2026.csv" in drift.text and "monthly_income_usd" in drift.text
    assert "Drift against the earlier data" in drift.text
    pdf = client.get(f"/assurance/runs/{fairness}/report.pdf?lang=km")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "credit-2027.csv" in text and "Ratanakiri" in text
    # Shaped Khmer cannot be extracted exactly: check there is a lot of it, English gone.
    assert len(KHMER.findall(text)) > 300 and "Test report" not in text
    (tmp_path / "report-km.pdf").write_bytes(pdf.content)


@SQLITE_ONLY
def test_the_portal_refuses_a_plan_it_cannot_run_and_keeps_no_upload(
    client: TestClient, app_sessions: sessionmaker[Session], credit_csv: Path
) -> None:
    client.headers["Accept-Language"] = "en"
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    page = client.get("/assurance")
    answer = client.post(
        "/assurance/runs",
        data={"csrf_token": csrf_from(page.text), "tests": ["robustness"], "label": "repaid"},
        files={"file": ("credit.csv", credit_csv.read_bytes(), "text/csv")},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "The robustness test queries the model" in answer.text
    uploads = client.app.state.soai.settings.home / "assurance" / "uploads"  # type: ignore[attr-defined]
    assert not uploads.exists() or not list(uploads.iterdir())


def test_a_regression_is_measured_with_regression_metrics(tmp_path: Path) -> None:
    path = tmp_path / "loans.csv"
    rows = [("amount", "predicted")] + [
        (str(100 + i), str(100 + i + (i % 7) - 3)) for i in range(300)
    ]
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    spec = Spec(path, label="amount", prediction="predicted", regression=True)
    outcome = service.plan(spec, ["performance"])["performance"]
    assert outcome["metrics"]["mae"] == pytest.approx(
        sum(abs((i % 7) - 3) for i in range(300)) / 300
    )
    assert outcome["metrics"]["r2"] > 0.99
    assert [(v["metric"], v["verdict"]) for v in outcome["verdicts"]] == [("r2", "pass")]
    with pytest.raises(InvalidInput, match="only the performance and data-quality tests"):
        service.plan(Spec(path, label="amount", prediction="predicted", sensitive=("x",),
                          regression=True), ["fairness"])  # fmt: skip


@pytest.fixture(scope="module")
def credit_model(credit_csv: Path) -> Path:
    from soai.assurance import demo_model

    return demo_model.write(credit_csv.with_name("credit-model.joblib"), rows=4_000)


@SQLITE_ONLY
def test_a_portal_plan_queries_a_trusted_model_and_explains_it(
    client: TestClient, app_sessions: sessionmaker[Session], credit_csv: Path, credit_model: Path
) -> None:
    client.headers["Accept-Language"] = "en"
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    form = {"tests": ["fairness", "robustness", "explain"], "label": "repaid",
            "sensitive": "province"}  # fmt: skip

    def submit(**extra: str) -> Any:
        page = client.get("/assurance")
        return client.post(
            "/assurance/runs",
            data={"csrf_token": csrf_from(page.text), **form, **extra},
            files={"file": ("credit.csv", credit_csv.read_bytes(), "text/csv"),
                   "model": ("bank-model.joblib", credit_model.read_bytes(), "application/octet-stream")},
            follow_redirects=False,
        )  # fmt: skip

    refused = submit()
    assert refused.status_code == 422 and "Loading it runs code" in refused.text
    answer = submit(trust_model="true")
    assert answer.status_code == 303, answer.text
    job = wait_for(app_sessions, answer.headers["location"].rsplit("/", 1)[1])
    assert job.status == "succeeded", job.error
    fairness, robustness, explain = job.result["runs"]
    page = client.get(f"/assurance/runs/{fairness}")
    assert "bank-model.joblib" in page.text and "(sklearn)" in page.text, "the model is recorded"
    assert "demographic_parity_ratio is 0.2" in page.text, "the model learnt the bias"
    assert "Stability under noise" in client.get(f"/assurance/runs/{robustness}").text
    shown = client.get(f"/assurance/runs/{explain}").text
    assert "Permutation feature importance" in shown and "Partial dependence on" in shown
    assert "for information" in shown
