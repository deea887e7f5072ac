"""`soai classify` (the contract) and `soai registry import|list|reclassify`, in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soai.settings import Settings
from tests.ledger.test_cli import run, run_offline
from tests.registry.factories import CSV_HEADER, csv_row

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
CONTRACT = {"risk", "gpai", "high_risk_route", "obligations", "citations", "trace"}


def test_classify_prints_the_contract_json_without_an_instance(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(
        json.dumps(
            {
                "name": "ACLEDA retail credit scoring v3",
                "sector": "finance",
                "role": "provider",
                "annex_iii": ["5(b)"],
                "profiling": True,
                "gpai": {"training_flops": 2e25, "designated_systemic": False},
            }
        ),
        encoding="utf-8",
    )
    result = run_offline(tmp_path, "classify", str(profile), "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) >= CONTRACT
    assert (body["risk"], body["gpai"], body["high_risk_route"]) == (
        "high",
        "gpai_systemic",
        "6(2)",
    )
    assert all(step["article"] for step in body["trace"])
    assert any("Annex III" in citation for citation in body["citations"])


def test_classify_names_the_unknown_key_and_exits_1(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"name": "x", "anex_iii": ["5(b)"]}), encoding="utf-8")
    result = run_offline(tmp_path, "classify", str(profile), "--json")
    assert result.returncode == 1
    assert "anex_iii" in result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = run_offline(tmp_path, "classify", str(broken))
    assert result.returncode == 1 and "line 1" in result.stderr


@SQLITE_ONLY
def test_import_reports_bad_lines_then_imports_and_lists(
    instance: Settings, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_HEADER + csv_row("One") + csv_row("Two", sector="casino"), encoding="utf-8")
    rejected = run(instance, "registry", "import", str(bad))
    assert rejected.returncode == 1
    assert "line 3: sector" in rejected.stderr and "nothing was imported" in rejected.stderr
    skipped = run(instance, "registry", "import", str(bad), "--skip-invalid", "--json")
    assert skipped.returncode == 0, skipped.stderr
    report = json.loads(skipped.stdout)
    assert report["imported"] == 1 and report["problems"][0]["line"] == 3
    listed = json.loads(run(instance, "registry", "list", "--json").stdout)
    assert listed["total"] == 1 and listed["systems"][0]["risk"] == "high"
    again = json.loads(run(instance, "registry", "reclassify", "--json").stdout)
    assert again["reclassified"] == 0, "nothing changed since the import"
