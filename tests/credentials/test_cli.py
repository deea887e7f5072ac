"""`soai credential …` and `soai keys …` as an operator and a verifier run them (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from soai.credentials.verify import verify as soai_verify
from soai.settings import Settings
from tests.conftest import TEST_KEY_PASSPHRASE, TEST_SECRET
from tests.credentials import independent_verifier as independent

SOAI = [sys.executable, "-m", "soai.cli"]
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("SOAI_")}


def run(
    settings: Settings | None, *args: str, cwd: Path | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `soai`; without ``settings`` it gets only an (empty) SOAI_HOME: no database, no keys."""
    environment = {**CLEAN_ENV, "SOAI_LOG_LEVEL": "WARNING", "COLUMNS": "200"}
    if settings is not None:
        environment |= {
            "SOAI_HOME": str(settings.home),
            "SOAI_DATABASE_URL": settings.resolved_database_url,
            "SOAI_KEY_PASSPHRASE": TEST_KEY_PASSPHRASE,
            "SOAI_SECRET_KEY": TEST_SECRET,
        }
    if home is not None:
        environment["SOAI_HOME"] = str(home)
    return subprocess.run(
        [*SOAI, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=180,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def save(path: Path, stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout)
    path.write_text(stdout, encoding="utf-8")
    return data


def test_issue_verify_offline_revoke_tamper_rotate(instance: Settings, tmp_path: Path) -> None:
    issued = {}
    for name, email in (("revoked", "a@example.org"), ("kept", "b@example.org")):
        stdout = ok(
            run(
                instance,
                "credential",
                "issue",
                "--achievement",
                "ceasai-fundamentals",
                "--subject-email",
                email,
            )
        )
        issued[name] = save(tmp_path / f"{name}.json", stdout)
    credential = issued["revoked"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert "a@example.org" not in json.dumps(credential)
    did = save(tmp_path / "did.json", ok(run(instance, "keys", "did")))
    status = save(tmp_path / "list.json", ok(run(instance, "credential", "status-list")))
    independent.verify(credential, did, [status, _suspension_list(instance, tmp_path)])

    verify = ("credential", "verify", "revoked.json", "--did", "did.json")
    listed = (*verify, "--status-list", "list.json")
    out = ok(run(instance, *listed, cwd=tmp_path))
    assert "valid:" in out and "not checked against a status list: suspension" in out
    report = json.loads(ok(run(instance, *listed, "--json", cwd=tmp_path)))
    assert report["valid"] is True and report["id"] == credential["id"]
    assert report["statusChecked"] == ["revocation"]

    # A verifier needs only the three files: a SOAI_HOME holding nothing else (no instance,
    # database or keys), and nothing is created in it.
    verifier = tmp_path / "verifier"
    verifier.mkdir()
    three = ["did.json", "list.json", "revoked.json"]
    for name in three:
        (verifier / name).write_text((tmp_path / name).read_text())
    ok(run(None, *listed, cwd=verifier, home=verifier))
    assert sorted(p.name for p in verifier.iterdir()) == three

    revoked = run(instance, "credential", "revoke", credential["id"], "--reason", "misconduct")
    assert credential["id"] in ok(revoked)
    save(tmp_path / "list.json", ok(run(instance, "credential", "status-list")))
    refused = run(instance, *listed, cwd=tmp_path)
    assert refused.returncode == 1 and "revoked" in refused.stderr
    refused = run(instance, *listed, "--json", cwd=tmp_path)
    assert refused.returncode == 1
    assert json.loads(refused.stdout) == {
        "valid": False,
        "reason": "the credential has been revoked",
    }
    again = run(instance, "credential", "revoke", credential["id"], "--reason", "twice")
    assert again.returncode == 1 and "already revoked" in again.stderr

    forged = {**issued["kept"], "name": "CEASAI Expert"}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    tampered = run(
        instance, "credential", "verify", "forged.json", "--did", "did.json", cwd=tmp_path
    )
    assert tampered.returncode == 1 and "altered or forged" in tampered.stderr

    assert "previous key is retired" in ok(run(instance, "keys", "rotate"))
    new_did = save(tmp_path / "did.json", ok(run(instance, "keys", "did")))
    assert len(new_did["verificationMethod"]) == 2 and "expires" in new_did["verificationMethod"][0]
    fresh = save(tmp_path / "list.json", ok(run(instance, "credential", "status-list")))
    assert fresh["proof"]["verificationMethod"] == new_did["verificationMethod"][1]["id"]
    kept = ("credential", "verify", "kept.json", "--did", "did.json", "--status-list", "list.json")
    ok(run(None, *kept, cwd=tmp_path, home=verifier))


def _suspension_list(settings: Settings, folder: Path) -> dict[str, Any]:
    stdout = ok(run(settings, "credential", "status-list", "--purpose", "suspension"))
    return save(folder / "suspension.json", stdout)


def test_bulk_issue_shows_progress_and_writes_verifiable_lines(
    instance: Settings, tmp_path: Path
) -> None:
    rows = [f"analyst{i}@example.org" for i in range(25)]
    (tmp_path / "emails.csv").write_text("email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(
        instance,
        "credential",
        "bulk-issue",
        "emails.csv",
        "--achievement",
        "watchdog-analyst",
        "--output",
        "out.jsonl",
        cwd=tmp_path,
    )
    out = ok(result)
    assert "Issuing credentials" in out and "25/25" in out and "Issued 25 credentials" in out
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 25
    did = json.loads(ok(run(instance, "keys", "did")))
    lists = [
        json.loads(ok(run(instance, "credential", "status-list", "--purpose", purpose)))
        for purpose in ("revocation", "suspension")
    ]
    for line in lines:
        credential = json.loads(line)
        assert credential["credentialSubject"]["achievement"]["id"].endswith("/watchdog-analyst")
        soai_verify(credential, did_document=did, status_lists=lists)
        independent.verify(credential, did, lists)
    (tmp_path / "first.json").write_text(lines[0])
    (tmp_path / "did.json").write_text(json.dumps(did))
    ok(run(None, "credential", "verify", "first.json", "--did", "did.json", cwd=tmp_path))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unknown_achievement_or_csv_column_is_a_clear_error(
    instance: Settings, tmp_path: Path
) -> None:
    issue = run(
        instance,
        "credential",
        "issue",
        "--achievement",
        "ceasai-grandmaster",
        "--subject-email",
        "a@example.org",
    )
    assert issue.returncode == 1 and issue.stdout == ""
    for key in ("ceasai-expert", "ceasai-fundamentals", "ceasai-professional", "watchdog-analyst"):
        assert key in issue.stderr
    (tmp_path / "emails.csv").write_text("email\na@example.org\n")
    (tmp_path / "people.csv").write_text("name,mail\nDara,dara@example.org\n")
    for source, achievement, expected in (
        ("emails.csv", "ceasai-grandmaster", "watchdog-analyst"),
        ("people.csv", "watchdog-analyst", "columns found: name, mail"),
    ):
        bad = run(
            instance, "credential", "bulk-issue", source, "--achievement", achievement, cwd=tmp_path
        )
        assert bad.returncode == 1 and expected in bad.stderr, bad.stderr
    status = run(instance, "credential", "status-list")  # nothing was issued: no list yet
    assert status.returncode == 1 and "No status list 1" in status.stderr


def test_find_lists_a_holders_credentials_by_address_without_the_passphrase(
    instance: Settings, tmp_path: Path
) -> None:
    rows = ["Lost.Holder@Example.org", "other@example.org", "lost.holder@example.org"]
    (tmp_path / "emails.csv").write_text("email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ok(run(instance, "credential", "bulk-issue", "emails.csv", "--achievement",
           "watchdog-analyst", "--output", "out.jsonl", cwd=tmp_path))  # fmt: skip
    issued = [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    revoked = issued[2]
    ok(run(instance, "credential", "revoke", revoked, "--reason", "issued twice"))
    env_run = subprocess.run(
        [*SOAI, "credential", "find", "--email", "  LOST.holder@example.ORG "],
        capture_output=True,
        text=True,
        env={
            **CLEAN_ENV,
            "SOAI_LOG_LEVEL": "WARNING",
            "SOAI_HOME": str(instance.home),
            "SOAI_DATABASE_URL": instance.resolved_database_url,
            "SOAI_SECRET_KEY": TEST_SECRET,  # and no SOAI_KEY_PASSPHRASE
        },
        timeout=180,
        check=False,
    )
    found = json.loads(ok(env_run))
    assert [item["id"] for item in found] == [issued[0], issued[2]]
    assert [item["revoked"] for item in found] == [False, True]
    assert all(item["achievement"] == "watchdog-analyst" for item in found)
    assert "lost.holder" not in env_run.stdout.lower()  # ids and states only, no address
    nobody = json.loads(ok(run(instance, "credential", "find", "--email", "nobody@example.org")))
    assert nobody == []
