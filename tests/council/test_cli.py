"""The council from the command line: seating, a session run by the agents, a human member's
vote with their own key file, the decision exported and verified offline, and the simulation
contract of ARCHITECTURE.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session, sessionmaker

from soai.council import keys
from soai.settings import Settings
from tests.identity.factories import make_user
from tests.ledger.test_cli import run, run_offline
from tests.pdca.test_cycle import high_risk_cycle

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_simulate_keeps_safety_up_to_ten_faults_and_shows_the_bound_at_eleven(
    tmp_path: Path,
) -> None:
    safe = run_offline(tmp_path, "council", "simulate", "--byzantine", "10", "--strategy",
                       "equivocate", "--sessions", "10", "--json")  # fmt: skip
    assert safe.returncode == 0, safe.stderr
    body = json.loads(safe.stdout)
    assert {"safety_violations", "decided", "escalated", "equivocations_detected"} <= set(body)
    assert body["safety_violations"] == 0 and body["equivocations_detected"] > 0
    assert body["decided"] + body["escalated"] == 10
    broken = json.loads(run_offline(tmp_path, "council", "simulate", "--byzantine", "11",
                                    "--strategy", "equivocate", "--sessions", "30",
                                    "--json").stdout)  # fmt: skip
    assert broken["safety_violations"] > 0, "11 colluding equivocators break the bound"
    refused = run_offline(tmp_path, "council", "simulate", "--byzantine", "40", "--strategy",
                          "random", "--json")  # fmt: skip
    assert refused.returncode == 1 and "between 0 and 33" in refused.stderr


@SQLITE_ONLY
def test_a_session_from_seating_to_offline_verification(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cycle_id, _bank = high_risk_cycle(sessions)
    assert run(instance, "council", "seat-default").returncode == 0
    member_key = keys.new_key()
    key_file = tmp_path / "sophea.pem"
    key_file.write_bytes(member_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"file-password"),
    ))  # fmt: skip
    seated = run(instance, "council", "seat-member", "--seat", "13", "--name", "Dr. Chan Sophea",
                 "--organisation", "Institute of Technology of Cambodia", "--stakeholder",
                 "academia", "--public-key", keys.public_hex(member_key))  # fmt: skip
    assert seated.returncode == 0 and "epoch 2" in seated.stdout, seated.stderr
    roster = json.loads(run(instance, "council", "roster", "--json").stdout)
    assert roster["epoch"] == 2 and roster["seats"][12]["member"]["name"] == "Dr. Chan Sophea"
    opened = json.loads(run(instance, "council", "open", "--cycle", str(cycle_id), "--json").stdout)
    session_id = opened["session"]
    voted = run(instance, "council", "vote", session_id, "--seat", "13", "--key", str(key_file),
                "--choice", "reject", "--rationale", "Province bias is unresolved.",
                "--password-env", "SOPHEA_KEY_PASSWORD")  # fmt: skip
    assert voted.returncode == 1 and "cannot be read" in voted.stderr, "the key file's password"
    import os

    os.environ["SOPHEA_KEY_PASSWORD"] = "file-password"
    try:
        voted = run(instance, "council", "vote", session_id, "--seat", "13", "--key", str(key_file),
                    "--choice", "reject", "--rationale", "Province bias is unresolved.",
                    "--password-env", "SOPHEA_KEY_PASSWORD")  # fmt: skip
    finally:
        del os.environ["SOPHEA_KEY_PASSWORD"]
    assert voted.returncode == 0 and "Vote counted." in voted.stdout, voted.stderr
    ran = json.loads(run(instance, "council", "run", session_id, "--json").stdout)
    assert ran["votes_added"] == 32 and sum(ran["tally"].values()) == 33
    if ran["status"] == "escalated":  # no quorum: the human panel of analysts decides
        analyst = make_user(sessions, "analyst")
        decided = run(instance, "council", "decide", session_id, "--choice", "reject",
                      "--rationale", "Bias by province.", "--analyst", analyst.email)  # fmt: skip
        assert decided.returncode == 0, decided.stderr
    exported = run(instance, "council", "export", session_id)
    assert exported.returncode == 0, exported.stderr
    decision = tmp_path / "decision.json"
    decision.write_text(exported.stdout, encoding="utf-8")
    did = tmp_path / "did.json"
    did.write_text(run(instance, "keys", "did").stdout, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    valid = run_offline(
        tmp_path / "elsewhere", "council", "verify", str(decision), "--did", str(did)
    )
    assert valid.returncode == 0 and "recorded in the ledger" in valid.stdout, valid.stdout
    data = json.loads(decision.read_text())
    data["session"]["decision"] = "approve"
    decision.write_text(json.dumps(data))
    invalid = run_offline(tmp_path / "elsewhere", "council", "verify", str(decision), "--did",
                          str(did), "--json")  # fmt: skip
    assert invalid.returncode == 1 and json.loads(invalid.stdout)["valid"] is False
