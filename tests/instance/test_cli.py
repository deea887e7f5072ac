"""The `soai` command as an operator runs it: init, demo, users, tokens, schema, reports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from soai.settings import Settings
from soai.web.app import create_app

SOAI = [sys.executable, "-m", "soai.cli"]


def run(
    settings: Settings, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "SOAI_HOME": str(settings.home),
        "SOAI_DATABASE_URL": settings.resolved_database_url,
        "SOAI_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [*SOAI, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_demo_initialises_prints_logins_and_is_idempotent(settings: Settings) -> None:
    first = run(settings, "demo")
    assert first.returncode == 0, first.stderr
    assert "Instance ready" in first.stdout and "profile cambodia" in first.stdout
    assert "admin@demo.example.org" in first.stdout and "soai-demo-admin" in first.stdout
    assert "Registered 13 demo AI systems" in first.stdout
    second = run(settings, "demo")
    assert second.returncode == 0, second.stderr
    assert "Instance ready" not in second.stdout and "(new)" not in second.stdout
    assert "Registered" not in second.stdout
    register = json.loads(run(settings, "registry", "list", "--json").stdout)
    assert register["total"] == 13
    tiers = {s["name"]: s["risk"] for s in register["systems"]}
    assert tiers["Retail credit scoring v3"] == "high"
    assert tiers["Mobile money fraud detection"] == "minimal", "fraud detection is not 5(b)"
    assert tiers["CV screening"] == "high", "profiling rules out the Art. 6(3) exception"
    assert tiers["Khmer customer-service chatbot"] == "limited"
    assert "Opened 4 demo compliance cycles" in first.stdout
    cycles = json.loads(run(settings, "pdca", "list", "--json").stdout)["cycles"]
    assert {"cycle", "system", "number", "phase", "status", "score"} <= set(cycles[0])
    credit = [c for c in cycles if c["system_name"] == "Retail credit scoring v3"]
    assert [(c["number"], c["phase"]) for c in credit] == [(1, "closed"), (2, "plan")]
    assert credit[0]["score"] is not None and credit[1]["score"] is None
    assert "Ran the demo fairness test" in first.stdout
    assert "Ran the demo fairness test" not in second.stdout
    users = json.loads(run(settings, "user", "list", "--json").stdout)
    assert len(users) == 6
    assert {role for u in users for role in u["roles"]} == {
        "admin",
        "regulator",
        "analyst",
        "provider",
        "council_member",
        "candidate",
    }
    current = json.loads(run(settings, "db", "current", "--json").stdout)
    assert current["current"] == current["head"] is not None


def test_user_and_token_commands(instance: Settings) -> None:
    created = run(
        instance,
        "user",
        "create",
        "pisey@example.org",
        "--name",
        "Pisey",
        "--roles",
        "analyst,council_member",
        "--password-stdin",
        stdin="a-long-enough-password\n",
    )
    assert created.returncode == 0, created.stderr
    unknown = run(
        instance,
        "user",
        "create",
        "x@example.org",
        "--name",
        "X",
        "--roles",
        "wizard",
        "--password-stdin",
        stdin="a-long-enough-password\n",
    )
    assert unknown.returncode == 1 and "Unknown role wizard" in unknown.stderr
    weak = run(
        instance,
        "user",
        "create",
        "y@example.org",
        "--name",
        "Y",
        "--roles",
        "analyst",
        "--password-stdin",
        stdin="short\n",
    )
    assert weak.returncode == 1 and "at least 12 characters" in weak.stderr

    token = run(instance, "token", "create", "pisey@example.org", "--name", "sync", "--days", "7")
    assert token.returncode == 0, token.stderr
    raw = token.stdout.strip()
    with TestClient(create_app(instance)) as client:
        me = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {raw}"})
        assert me.status_code == 200
        assert me.json()["roles"] == ["analyst", "council_member", "public"]
        disabled = run(instance, "user", "disable", "pisey@example.org")
        assert disabled.returncode == 0, disabled.stderr
        again = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {raw}"})
        assert again.status_code == 401
    missing = run(instance, "user", "disable", "nobody@example.org")
    assert missing.returncode == 1 and "No user with the e-mail address" in missing.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_broken_profile_is_refused_and_nothing_is_written(
    settings: Settings, tmp_path: Path
) -> None:
    broken = tmp_path / "lao.yaml"
    source = Path(__file__).parents[2] / "src/soai/profiles/data/cambodia.yaml"
    broken.write_text(source.read_text().replace("timezone:", "timezon:"), encoding="utf-8")
    (tmp_path / "cambodia-logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    result = run(settings, "init", "--profile", str(broken))
    assert result.returncode == 1
    assert str(broken) in result.stderr
    assert "timezon: unknown key" in result.stderr
    assert "timezone: Field required" in result.stderr
    assert not settings.home.exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unreachable_postgresql_is_reported_clearly(settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://soai:hunter2@127.0.0.1:{port}/soai"
    result = run(settings, "init", env={"SOAI_DATABASE_URL": url})
    assert result.returncode == 1
    assert (
        f"Cannot reach the database at postgresql+psycopg://soai:***@127.0.0.1:{port}/soai"
        in result.stderr
    )
    assert "hunter2" not in result.stderr
    assert not (settings.home / "profile").exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_production_refuses_sqlite_and_demo(settings: Settings) -> None:
    result = run(settings, "init", env={"SOAI_ENV": "production"})
    assert result.returncode == 1
    assert "must point to PostgreSQL" in result.stderr
    assert "SOAI_SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_report_summary_writes_a_pdf(instance: Settings, tmp_path: Path) -> None:
    output = tmp_path / "summary.pdf"
    result = run(instance, "report", "summary", "--output", str(output), "--language", "km")
    assert result.returncode == 0, result.stderr
    assert output.read_bytes().startswith(b"%PDF")


def test_commands_before_init_say_what_to_run_and_create_nothing(settings: Settings) -> None:
    for args in (["user", "list"], ["jobs", "list"], ["report", "summary"]):
        result = run(settings, *args)
        assert result.returncode == 1, args
        assert "No soai instance in" in result.stderr and "soai init" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (settings.home / "soai.db").exists()


def test_password_reset_enable_and_token_revocation(instance: Settings) -> None:
    assert (
        run(
            instance,
            "user",
            "create",
            "sok@example.org",
            "--name",
            "Sok",
            "--roles",
            "provider",
            "--password-stdin",
            stdin="first-long-password\n",
        ).returncode
        == 0
    )
    reset = run(
        instance,
        "user",
        "password",
        "sok@example.org",
        "--password-stdin",
        stdin="second-long-password\n",
    )
    assert reset.returncode == 0 and "sessions were ended" in reset.stdout
    assert run(instance, "user", "disable", "sok@example.org").returncode == 0
    assert run(instance, "user", "enable", "sok@example.org").returncode == 0
    users = json.loads(run(instance, "user", "list", "--json").stdout)
    assert users[0]["active"] is True

    raw = run(instance, "token", "create", "sok@example.org", "--name", "erp").stdout.strip()
    listed = json.loads(run(instance, "token", "list", "sok@example.org", "--json").stdout)
    assert [t["name"] for t in listed] == ["erp"] and raw not in json.dumps(listed)
    revoked = run(instance, "token", "revoke", listed[0]["prefix"])
    assert revoked.returncode == 0
    with TestClient(create_app(instance)) as client:
        me = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {raw}"})
        assert me.status_code == 401
    unknown = run(instance, "token", "revoke", "deadbeef")
    assert unknown.returncode == 1 and "No API token with the prefix deadbeef" in unknown.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_language_and_markup_like_text_are_reported_verbatim(instance: Settings) -> None:
    user = run(
        instance,
        "user",
        "create",
        "l@example.org",
        "--name",
        "L",
        "--roles",
        "analyst",
        "--language",
        "xx",
        "--password-stdin",
        stdin="a-long-enough-password\n",
    )
    assert user.returncode == 1 and "Unknown language xx; choose from: en, km" in user.stderr
    report = run(instance, "report", "summary", "--language", "fr")
    assert report.returncode == 1 and "does not speak fr" in report.stderr
    bracket = run(
        instance,
        "user",
        "create",
        "[bold]x@example.org",
        "--name",
        "X",
        "--roles",
        "analyst",
        "--password-stdin",
        stdin="a-long-enough-password\n",
    )
    assert bracket.returncode == 1 and "[bold]x@example.org" in bracket.stderr
