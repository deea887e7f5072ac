"""`soai ledger` as an operator and an offline verifier run it, in a real subprocess.

The contract (ARCHITECTURE.md): `soai ledger proof INDEX --json` prints leaf_index, tree_size,
leaf_hash, audit_path, checkpoint (lowercase hex, 0-based); `soai ledger verify PROOF.json`
exits 0 or 1; `soai ledger vkey` prints `<name>+<hex keyhash>+<base64 key>`.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from soai.crypto import service as crypto
from soai.db import transaction
from soai.ledger import keys, note, service
from soai.ledger.verify import verify
from soai.settings import Settings
from tests.ledger.factories import append, counts, proof_at_latest, replace_entry

SOAI = [sys.executable, "-m", "soai.cli"]
VKEY = re.compile(r"^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$")
HEX = re.compile(r"^[0-9a-f]{64}$")
CONTRACT = {"leaf_index", "tree_size", "leaf_hash", "audit_path", "checkpoint", "entry"}
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def run(
    settings: Settings, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`soai ARGS` on the instance of ``settings``."""
    return _soai(
        args,
        {
            "SOAI_HOME": str(settings.home),
            "SOAI_DATABASE_URL": settings.resolved_database_url,
            "SOAI_KEY_PASSPHRASE": settings.signing_passphrase().decode(),
        },
        cwd,
    )


def run_offline(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`soai ARGS` on a machine that has no instance: an empty SOAI_HOME, no database, no key."""
    return _soai(args, {"SOAI_HOME": str(home)}, home)


def _soai(
    args: tuple[str, ...], soai_env: dict[str, str], cwd: Path | None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOAI_")}
    environment.update(soai_env, SOAI_LOG_LEVEL="WARNING", COLUMNS="200")
    return subprocess.run(
        [*SOAI, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _failed(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return " ".join(result.stderr.split())  # Rich may wrap long messages


def test_operator_appends_signs_proves_and_audits(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    notice = {"title": "Council seat 7 suspended", "km": "សេចក្តីជូនដំណឹង"}
    out = _ok(
        run(instance, "ledger", "append", "--type", "admin.notice", "--data", json.dumps(notice))
    )
    assert out.strip() == "Appended entry 0"
    append(sessions, 9)  # decisions other parts log meanwhile
    assert _ok(run(instance, "ledger", "append", "--type", "admin.notice")).strip() == (
        "Appended entry 10"
    )

    vkeys = keys.vkeys(instance)
    signed = _ok(run(instance, "ledger", "checkpoint"))
    assert signed.startswith(f"{keys.origin(instance)}\n11\n")
    assert note.parse_checkpoint(note.open_note(signed, vkeys)).size == 11
    assert _ok(run(instance, "ledger", "checkpoint")) == signed  # nothing new: same checkpoint

    printed = _ok(run(instance, "ledger", "proof", "5", "--json"))
    proof = json.loads(printed)
    assert set(proof) == CONTRACT
    assert (proof["leaf_index"], proof["tree_size"]) == (5, 11)
    assert all(HEX.match(h) for h in [proof["leaf_hash"], *proof["audit_path"]])
    assert len(proof["audit_path"]) == 4 and proof["checkpoint"] == signed
    assert proof["entry"]["data"] == {"n": 5}
    first = json.loads(_ok(run(instance, "ledger", "proof", "0", "--json")))
    assert first["leaf_index"] == 0 and first["entry"]["type"] == "admin.notice"
    assert first["entry"]["data"] == notice

    proof_file = tmp_path / "proof-5.json"
    proof_file.write_text(printed, encoding="utf-8")
    verified = _ok(run(instance, "ledger", "verify", str(proof_file)))
    assert verified.strip() == f"valid: entry 5 is in {keys.origin(instance)} at size 11"

    consistency = _ok(run(instance, "ledger", "consistency", "3", "9", "--json"))
    assert (json.loads(consistency)["size1"], json.loads(consistency)["size2"]) == (3, 9)
    consistency_file = tmp_path / "consistency.json"
    consistency_file.write_text(consistency, encoding="utf-8")
    assert "extends the log at size 3" in _ok(
        run(instance, "ledger", "verify", str(consistency_file))
    )
    assert "0 ≤ old ≤ new ≤ 11" in _failed(run(instance, "ledger", "consistency", "9", "3"))

    assert "The ledger is intact." in _ok(run(instance, "ledger", "audit"))
    with transaction(sessions) as session:
        body = service.entry(session, position=7).body
    replace_entry(sessions, 7, body.replace(b'"n":7', b'"n":70'))
    assert "ALTERED entry 7:" in _failed(run(instance, "ledger", "audit"))


def test_a_verifier_with_only_the_proof_and_the_vkey_needs_no_instance(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    append(sessions, 6)
    printed = _ok(run(instance, "ledger", "proof", "4", "--json"))
    vkey = _ok(run(instance, "ledger", "vkey")).strip()
    assert VKEY.match(vkey), vkey
    assert vkey == keys.vkeys(instance)[0]

    elsewhere = tmp_path / "citizen"
    elsewhere.mkdir()
    (elsewhere / "proof.json").write_text(printed, encoding="utf-8")
    (elsewhere / "ledger.vkey").write_text(vkey + "\n", encoding="utf-8")
    home = elsewhere / "empty-home"
    home.mkdir()
    expected = f"valid: entry 4 is in {keys.origin(instance)} at size 6"
    by_string = run_offline(home, "ledger", "verify", "../proof.json", "--vkey", vkey)
    assert _ok(by_string).strip() == expected
    by_file = run_offline(home, "ledger", "verify", "../proof.json", "--vkey", "../ledger.vkey")
    assert _ok(by_file).strip() == expected
    assert list(home.iterdir()) == []  # verifying wrote nothing: no database, no key

    no_key = _failed(run_offline(home, "ledger", "verify", "../proof.json"))
    assert no_key.startswith("invalid: no verifier key: pass --vkey")
    other = note.vkey(keys.origin(instance), bytes(range(32)))
    wrong_key = _failed(run_offline(home, "ledger", "verify", "../proof.json", "--vkey", other))
    assert wrong_key == "invalid: checkpoint: the note has no signature by a trusted key"


def _reroot(checkpoint: str) -> str:
    origin, size, _root, *rest = checkpoint.split("\n")
    return "\n".join([origin, size, base64.b64encode(bytes(32)).decode(), *rest])


def _path_flip(proof: dict[str, Any]) -> dict[str, Any]:
    first = proof["audit_path"][1]
    flipped = first[:-1] + ("0" if first[-1] != "0" else "1")
    return {**proof, "audit_path": [proof["audit_path"][0], flipped, *proof["audit_path"][2:]]}


TAMPERINGS = {
    "leaf_index": (lambda p: {**p, "leaf_index": 6}, "does not match the checkpoint root"),
    "tree_size": (lambda p: {**p, "tree_size": 12}, "tree_size 12 differs from the checkpoint"),
    "leaf_hash": (
        lambda p: {**p, "leaf_hash": "ab" * 32},
        "the entry does not hash to leaf_hash: it was altered",
    ),
    "leaf_hash without entry": (
        lambda p: {k: v for k, v in p.items() if k != "entry"} | {"leaf_hash": "ab" * 32},
        "does not match the checkpoint root",
    ),
    "audit_path": (_path_flip, "does not match the checkpoint root"),
    "checkpoint root": (
        lambda p: {**p, "checkpoint": _reroot(p["checkpoint"])},
        "checkpoint: the signature of",
    ),
    "checkpoint signature": (
        lambda p: {**p, "checkpoint": p["checkpoint"][:-9] + "AAAAAAAA\n"},
        "checkpoint: the signature of",
    ),
    "entry data": (
        lambda p: {**p, "entry": {**p["entry"], "data": {"n": 6}}},
        "the entry does not hash to leaf_hash: it was altered",
    ),
}


@SQLITE_ONLY
@pytest.mark.parametrize("field", list(TAMPERINGS))
def test_a_proof_with_any_field_tampered_fails_with_the_reason(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path, field: str
) -> None:
    append(sessions, 11)
    proof = proof_at_latest(instance, sessions, 5).model_dump(mode="json")
    vkey = keys.vkeys(instance)[0]
    tamper, reason = TAMPERINGS[field]
    forged = tamper(proof)
    assert forged != proof
    verify(proof, [vkey])  # the genuine proof holds
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    home = tmp_path / "home-of-verifier"
    home.mkdir()
    message = _failed(run_offline(home, "ledger", "verify", "../forged.json", "--vkey", vkey))
    assert message.startswith("invalid: ") and reason in message, message


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("admin.notice", "not json", "--data is not valid JSON: Expecting value"),
        ("admin.notice", "[1, 2]", "Ledger event data must be a JSON object."),
        ("admin.notice", '{"amount": NaN}', "Ledger event data must be a JSON object."),
        ("admin.Notice", "{}", "'admin.Notice' is not a ledger event type"),
        ("credential.revoked", "{}", "credential.revoked is kept for the system's own events"),
    ],
)
def test_append_refuses_bad_input_with_a_clear_message(
    instance: Settings, sessions: sessionmaker[Session], kind: str, data: str, message: str
) -> None:
    refused = _failed(run(instance, "ledger", "append", "--type", kind, "--data", data))
    assert refused.startswith("error: ") and message in refused
    assert counts(sessions) == (0, 0, 0)


@SQLITE_ONLY
def test_proof_of_an_unknown_entry_says_how_many_there_are(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    append(sessions, 3)
    missing = _failed(run(instance, "ledger", "proof", "3", "--json"))
    assert "The ledger has no entry 3 (it holds 3)." in missing
    assert counts(sessions) == (3, 3, 0)


@SQLITE_ONLY
def test_a_proof_saved_before_a_key_rotation_still_verifies(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    append(sessions, 4)
    proof_file = tmp_path / "old-proof.json"
    proof_file.write_text(_ok(run(instance, "ledger", "proof", "1", "--json")), encoding="utf-8")
    old_vkey = _ok(run(instance, "ledger", "vkey")).strip()
    crypto.rotate(instance)

    new_vkey = _ok(run(instance, "ledger", "vkey")).strip()
    assert new_vkey != old_vkey and VKEY.match(new_vkey)
    every = _ok(run(instance, "ledger", "vkey", "--all")).splitlines()
    assert every == [new_vkey, old_vkey]
    assert _ok(run(instance, "ledger", "verify", str(proof_file))).startswith("valid: ")
    (tmp_path / "all.vkey").write_text("\n".join(every) + "\n", encoding="utf-8")
    home = tmp_path / "verifier"
    home.mkdir()
    keyfile = run_offline(home, "ledger", "verify", str(proof_file), "--vkey", "../all.vkey")
    assert _ok(keyfile).startswith("valid: ")
    only_new = run_offline(home, "ledger", "verify", str(proof_file), "--vkey", new_vkey)
    assert "no signature by a trusted key" in _failed(only_new)
    append(sessions, 1)
    fresh = json.loads(_ok(run(instance, "ledger", "proof", "4", "--json")))
    verify(fresh, [new_vkey])  # new checkpoints are signed by the new key
