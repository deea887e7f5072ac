"""`soai giveaway open | import | close | draw | status | export` as the instance's IT team runs
them, in a real subprocess, and the public re-run of the draw from the exported file."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from soai.settings import Settings
from tests.ledger.test_cli import run, run_offline
from tests.programme.test_rounds import applications_file, people


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_round_run_from_the_command_line_is_re_run_by_anyone(
    instance: Settings, tmp_path: Path
) -> None:
    closes = (date.today() + timedelta(days=10)).isoformat()
    opened = run(instance, "giveaway", "open", "--name", "CLI round", "--closes", closes, "--json")
    assert opened.returncode == 0, opened.stderr
    state = json.loads(opened.stdout)
    seed = state["seed"]
    assert state["status"] == "open" and state["seats"] == 500250 and len(seed) == 64
    bad = applications_file(
        tmp_path / "bad.csv", [("X1", "A", "1990-02-30", "KH", "a@example.org", "")]
    )
    refused = run(instance, "giveaway", "import", str(bad), "--json")
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["error"]["problems"][0]["column"] == "date_of_birth"
    good = applications_file(tmp_path / "good.csv", people(30))
    imported = run(instance, "giveaway", "import", str(good))
    assert imported.returncode == 0 and "30 applications imported" in imported.stdout
    assert run(instance, "giveaway", "draw", "--seed", seed).returncode == 1  # not closed yet
    assert run(instance, "giveaway", "close").returncode == 0
    wrong = run(instance, "giveaway", "draw", "--seed", "00" * 32)
    assert wrong.returncode == 1 and "not the seed committed" in wrong.stderr
    drawn = run(instance, "giveaway", "draw", "--seed", seed, "--json")
    assert drawn.returncode == 0, drawn.stderr
    digest = json.loads(drawn.stdout)["allocation_digest"]
    status = json.loads(run(instance, "giveaway", "status").stdout)
    assert status["applications"] == {"allocated": 30} and status["funnel"]["*"]["offered"] == 30
    exported = tmp_path / "round.csv"
    assert run(instance, "giveaway", "export", str(exported)).returncode == 0
    # anyone, on a machine without the instance, re-runs the draw from the published file
    rerun = run_offline(tmp_path, "giveaway", "allocate", str(exported), "--seats", "500250",
                        "--seed", seed, "--json")  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["allocation_digest"] == digest
    assert json.loads(rerun.stdout)["input"]["sha256"] == status["applications_sha256"]
