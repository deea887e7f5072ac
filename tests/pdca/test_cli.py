"""`soai pdca` as an operator runs it, in a subprocess, on the demo instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soai.settings import Settings
from tests.ledger.test_cli import run

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_each_step_of_the_do_phase_from_the_command_line(
    settings: Settings, tmp_path: Path
) -> None:
    assert run(settings, "demo").returncode == 0
    cycles = json.loads(run(settings, "pdca", "list", "--json").stdout)["cycles"]
    chatbot = next(c for c in cycles if c["system_name"] == "Khmer customer-service chatbot")
    assert chatbot["phase"] == "do"
    cycle = str(chatbot["cycle"])
    shown = json.loads(run(settings, "pdca", "show", cycle, "--json").stdout)
    assert any("not started" in item for item in shown["missing"])

    wrong = run(settings, "pdca", "sign", cycle, "plan", "--as", "Vuthy")
    assert wrong.returncode == 1 and "do phase, not plan" in wrong.stderr

    urn = "urn:soai:eu-ai-act:art-50-1"
    done = run(
        settings,
        "pdca",
        "control",
        cycle,
        urn,
        "--implementation",
        "implemented",
        "--owner",
        "CX lead",
    )
    assert done.returncode == 0, done.stderr
    notice = tmp_path / "chatbot-notice.md"
    notice.write_text(
        "# ការជូនដំណឹង\nThe chatbot tells every customer it is an AI.\n", encoding="utf-8"
    )
    stored = run(settings, "pdca", "evidence", cycle, str(notice), "--control", urn)
    assert stored.returncode == 0, stored.stderr
    assert "sha256" in stored.stdout
    refused = tmp_path / "payload.exe"
    refused.write_bytes(b"MZ\x90\x00")
    bad = run(settings, "pdca", "evidence", cycle, str(refused), "--control", urn)
    assert bad.returncode == 1 and "not accepted" in bad.stderr

    board = json.loads(run(settings, "pdca", "show", cycle, "--json").stdout)
    assert board["phase"] == "do"
    assert not any("implemented control(s) have no evidence" in item for item in board["missing"])
