"""The cycle board in the portal: who sees what, gates that say what is missing, evidence upload."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.pdca import service
from soai.pdca.models import Control, Evidence, Finding
from soai.registry import service as registry
from tests.identity.factories import PASSWORD, make_user
from tests.registry.factories import make_organisation, register
from tests.web_client import csrf_from, sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def provider_with_system(client: TestClient, sessions: sessionmaker[Session]) -> int:
    client.headers["Accept-Language"] = "en"
    bank = make_organisation(sessions, name="Angkor Commercial Bank")
    system = register(sessions, bank)
    provider = make_user(sessions, "provider")
    with transaction(sessions) as session:
        registry.add_member(session, organisation_id=bank.id, user_id=provider.id)
    sign_in(client, provider.email, PASSWORD)
    return system.id


def test_a_provider_starts_a_cycle_and_the_gate_lists_what_is_missing(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    system_id = provider_with_system(client, app_sessions)
    page = client.get(f"/registry/systems/{system_id}")
    started = client.post(
        f"/pdca/systems/{system_id}/cycles",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert started.status_code == 303
    board = client.get(started.headers["location"])
    assert board.status_code == 200
    assert "The scope is not written." in board.text
    assert "Council review: pending" in board.text, "high-risk: the missing council is said"
    assert 'class="heatmap"' in board.text
    signed = client.post(
        started.headers["location"] + "/gate",
        data={"phase": "plan", "csrf_token": csrf_from(board.text)},
    )
    assert signed.status_code == 422
    assert "cannot be signed yet" in signed.text and "risk(s) have no owner" in signed.text
    again = client.post(
        f"/pdca/systems/{system_id}/cycles",
        data={"csrf_token": csrf_from(board.text)},
        follow_redirects=False,
    )
    assert again.headers["location"] == started.headers["location"], "one open cycle per system"
    listing = client.get("/pdca")
    assert "cycle 1" in listing.text


def test_an_evidence_upload_of_a_forbidden_type_leaves_nothing(
    client: TestClient, app_sessions: sessionmaker[Session], instance: object
) -> None:
    system_id = provider_with_system(client, app_sessions)
    with transaction(app_sessions) as session:
        cycle = service.start(session, system_id=system_id, user_id=None)
        cycle_id = cycle.id
        control_id = session.scalars(select(Control.id).where(Control.cycle_id == cycle_id)).first()
    board = client.get(f"/pdca/cycles/{cycle_id}")
    bad = client.post(
        f"/pdca/cycles/{cycle_id}/evidence",
        data={"csrf_token": csrf_from(board.text), "title": "Tool", "control_id": str(control_id)},
        files={"file": ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream")},
    )
    assert bad.status_code == 422 and "not accepted" in bad.text
    good = client.post(
        f"/pdca/cycles/{cycle_id}/evidence",
        data={
            "csrf_token": csrf_from(board.text),
            "title": "AI policy",
            "control_id": str(control_id),
        },
        files={"file": ("policy.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        follow_redirects=False,
    )
    assert good.status_code == 303
    with transaction(app_sessions) as session:
        titles = session.scalars(select(Evidence.title).where(Evidence.cycle_id == cycle_id)).all()
    assert titles == ["AI policy"]


def test_another_provider_cannot_open_the_board(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    bank = make_organisation(app_sessions, name="Other bank")
    system = register(app_sessions, bank)
    with transaction(app_sessions) as session:
        cycle_id = service.start(session, system_id=system.id, user_id=None).id
    outsider = make_user(app_sessions, "provider")
    sign_in(client, outsider.email, PASSWORD)
    assert client.get(f"/pdca/cycles/{cycle_id}").status_code == 404


def test_risks_nonconformities_and_actions_are_recorded_on_the_board(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    system_id = provider_with_system(client, app_sessions)
    with transaction(app_sessions) as session:
        cycle = service.start(session, system_id=system_id, user_id=None)
        cycle.phase = "act"  # as if Plan, Do and Check were signed
        cycle_id = cycle.id
    board = client.get(f"/pdca/cycles/{cycle_id}")
    csrf = csrf_from(board.text)
    bad = client.post(
        f"/pdca/cycles/{cycle_id}/risks",
        data={
            "csrf_token": csrf,
            "hazard": "Khmer names mis-read",
            "likelihood": "9",
            "impact": "2",
        },
    )
    assert bad.status_code == 422 and "from 1 to 5" in bad.text
    added = client.post(
        f"/pdca/cycles/{cycle_id}/risks",
        data={"csrf_token": csrf, "hazard": "Khmer names mis-read", "likelihood": "4",
              "impact": "3", "treatment": "Khmer name matching tests", "owner": "QA lead"},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303
    raised = client.post(
        f"/pdca/cycles/{cycle_id}/findings",
        data={"csrf_token": csrf, "description": "No fairness test by province", "severity": "major",
              "control_urn": "urn:soai:eu-ai-act:art-10"},
        follow_redirects=False,
    )  # fmt: skip
    assert raised.status_code == 303
    with transaction(app_sessions) as session:
        [finding] = session.scalars(select(Finding).where(Finding.cycle_id == cycle_id)).all()
    planned = client.post(
        f"/pdca/cycles/{cycle_id}/findings/{finding.id}",
        data={"csrf_token": csrf, "root_cause": "Not planned", "action": "Test by province",
              "owner": "Data lead", "due_date": "2020-01-31"},
        follow_redirects=False,
    )  # fmt: skip
    assert planned.status_code == 303
    page = client.get(f"/pdca/cycles/{cycle_id}").text
    assert "Khmer names mis-read" in page and "Test by province" in page
    assert "overdue" in page, "an action past its due date is flagged"
    verified = client.post(
        f"/pdca/cycles/{cycle_id}/findings/{finding.id}",
        data={"csrf_token": csrf, "verification": "Re-test showed parity across provinces"},
        follow_redirects=False,
    )
    assert verified.status_code == 303
    with transaction(app_sessions) as session:
        assert session.get_one(Finding, finding.id).status == "verified"


def test_a_regulator_assigns_an_analyst_who_then_sees_the_cycle(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    bank = make_organisation(app_sessions, name="Bank")
    system = register(app_sessions, bank)
    with transaction(app_sessions) as session:
        cycle_id = service.start(session, system_id=system.id, user_id=None).id
    analyst = make_user(app_sessions, "analyst")
    provider = make_user(app_sessions, "provider")
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    board = client.get(f"/pdca/cycles/{cycle_id}")
    refused = client.post(
        f"/pdca/cycles/{cycle_id}/analyst",
        data={"csrf_token": csrf_from(board.text), "email": provider.email},
    )
    assert refused.status_code == 422 and "Only a certified analyst" in refused.text
    client.post(
        f"/pdca/cycles/{cycle_id}/analyst",
        data={"csrf_token": csrf_from(board.text), "email": analyst.email},
    )
    other = TestClient(client.app)
    other.headers["Accept-Language"] = "en"
    sign_in(other, analyst.email, PASSWORD)
    assert other.get(f"/pdca/cycles/{cycle_id}").status_code == 200


def test_the_api_records_steps_and_refuses_a_stale_version_with_409(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    system_id = provider_with_system(client, app_sessions)
    with transaction(app_sessions) as session:
        cycle = service.start(session, system_id=system_id, user_id=None)
        cycle_id, version = cycle.id, cycle.version
        control_id = session.scalars(select(Control.id).where(Control.cycle_id == cycle_id)).first()
    headers = {"X-CSRF-Token": csrf_from(client.get(f"/pdca/cycles/{cycle_id}").text)}
    saved = client.patch(
        f"/api/v1/pdca/cycles/{cycle_id}",
        json={"version": version, "scope": "Lending"},
        headers=headers,
    )
    assert saved.status_code == 200
    stale = client.patch(
        f"/api/v1/pdca/cycles/{cycle_id}",
        json={"version": version, "scope": "Other"},
        headers=headers,
    )
    assert stale.status_code == 409 and stale.json()["error"]["field"] == "version"
    risk = client.post(
        f"/api/v1/pdca/cycles/{cycle_id}/risks",
        json={"hazard": "Drift after the rainy season", "likelihood": 3, "impact": 3},
        headers=headers,
    )
    assert risk.status_code == 201
    uploaded = client.post(
        f"/api/v1/pdca/cycles/{cycle_id}/evidence",
        data={"title": "Policy", "control_id": [str(control_id)]},
        files={"file": ("policy.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    board = client.get(f"/api/v1/pdca/cycles/{cycle_id}").json()
    evidenced = [c for c in board["controls"] if c["id"] == control_id]
    assert evidenced[0]["evidence"] == [uploaded.json()["sha256"]]


def test_the_board_offers_the_pdf_report_and_the_oscal_assessment_results(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    system_id = provider_with_system(client, app_sessions)
    with transaction(app_sessions) as session:
        cycle_id = service.start(session, system_id=system_id, user_id=None).id
    board = client.get(f"/pdca/cycles/{cycle_id}")
    assert f"/pdca/cycles/{cycle_id}/report.pdf" in board.text
    pdf = client.get(f"/pdca/cycles/{cycle_id}/report.pdf?lang=km")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    results = client.get(f"/api/v1/pdca/cycles/{cycle_id}/oscal-results")
    assert results.status_code == 200
    assert results.json()["assessment-results"]["metadata"]["oscal-version"]


def test_actions_due_soon_or_overdue_are_listed_for_reminders(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    from datetime import date, timedelta

    system_id = provider_with_system(client, app_sessions)
    today = date.today()
    with transaction(app_sessions) as session:
        cycle = service.start(session, system_id=system_id, user_id=None)
        for days, text in ((-3, "Late action"), (5, "Soon action"), (60, "Later action")):
            finding = service.raise_finding(
                session, cycle=cycle, description=text, control_urn=None, severity="minor"
            )
            service.plan_action(
                session, cycle=cycle, finding_id=finding.id, root_cause="r", action=text,
                owner="o", due_date=today + timedelta(days=days),
            )  # fmt: skip
        scope = service.Scope(everything=True)
        due = service.actions_due(session, scope=scope, today=today, within_days=14)
        assert [f.action for f in due] == ["Late action", "Soon action"]
    page = client.get("/pdca").text
    assert "Late action" in page and "Soon action" in page and "Later action" not in page
    assert "overdue" in page


def test_a_regulator_reopens_a_gate_with_a_reason_from_the_board(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    from soai.pdca import signoff
    from soai.pdca.models import Risk

    client.headers["Accept-Language"] = "en"
    bank = make_organisation(app_sessions, name="Bank")
    system = register(app_sessions, bank)
    with transaction(app_sessions) as session:
        cycle = service.start(session, system_id=system.id, user_id=None)
        service.update_plan(
            session,
            cycle=cycle,
            version=cycle.version,
            values={"scope": "S", "objectives": "O", "roles": "R"},
        )
        for risk in session.scalars(select(Risk).where(Risk.cycle_id == cycle.id)):
            risk.owner = "CRO"
        session.refresh(cycle)
        signoff.sign(session, cycle=cycle, phase="plan", user_id=None, signer="Dara")
        cycle_id = cycle.id
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    board = client.get(f"/pdca/cycles/{cycle_id}")
    assert "Reopen the gate of" in board.text
    empty = client.post(
        f"/pdca/cycles/{cycle_id}/reopen",
        data={"csrf_token": csrf_from(board.text), "phase": "plan", "reason": ""},
    )
    assert empty.status_code == 422 and "reason" in empty.text
    reopened = client.post(
        f"/pdca/cycles/{cycle_id}/reopen",
        data={
            "csrf_token": csrf_from(board.text),
            "phase": "plan",
            "reason": "Scope missed the app",
        },
        follow_redirects=False,
    )
    assert reopened.status_code == 303
    page = client.get(f"/pdca/cycles/{cycle_id}").text
    assert "reopened: Scope missed the app" in page
    headers = {"X-CSRF-Token": csrf_from(page)}
    test_result = client.post(
        f"/api/v1/pdca/cycles/{cycle_id}/links",
        json={
            "title": "Fairness test",
            "url": "https://bank.example.org/fairness",
            "kind": "test_result",
        },
        headers=headers,
    )
    assert test_result.status_code == 201
