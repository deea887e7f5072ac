"""A report handled end to end: an analyst triages it (severity and its time limit, the AI
system), asks the provider — whose members, and only theirs, see it and answer in the portal —
decides it with reasons (the reporter is told by e-mail through a real SMTP server, the ledger
records every status, a substantiated report opens a nonconformity in the system's cycle), the
public page shows the redacted outcome with statistics; duplicates are merged, contested reports
go to the council, and providers file serious-incident reports with their deadline."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.council import seating
from soai.db import transaction, utcnow
from soai.incidents.models import Incident
from soai.ledger import service as ledger
from soai.pdca import service as pdca
from soai.pdca.models import Finding
from soai.registry import service as registry
from soai.registry.models import AISystem
from soai.settings import Settings
from soai.web.app import create_app
from tests.identity.factories import PASSWORD, make_user
from tests.incidents.test_reporting import report
from tests.web_client import csrf_from, form_post, sign_in


def register(app_sessions: sessionmaker[Session], settings: Settings) -> dict[str, Any]:
    """The demo register, a cycle on the credit-scoring system, a provider of its organisation
    and a provider of another organisation."""
    from soai.instance import demo
    from soai.profiles import service as profiles

    profile = profiles.instance_profile(settings.home.resolve())
    with transaction(app_sessions, write=True) as session:
        demo.seed_register(session, profile)
        credit = session.scalar(select(AISystem).where(AISystem.name == "Retail credit scoring v3"))
        other = session.scalar(
            select(AISystem).where(AISystem.organisation_id != credit.organisation_id)
        )  # type: ignore[union-attr]
        assert credit is not None and other is not None
        cycle = pdca.start(session, system_id=credit.id, user_id=None)
        ids = {"system": credit.id, "org": credit.organisation_id, "cycle": cycle.id,
               "other_org": other.organisation_id, "other_system": other.id}  # fmt: skip
    ours, theirs = make_user(app_sessions, "provider"), make_user(app_sessions, "provider")
    with transaction(app_sessions, write=True) as session:
        from soai.registry.models import Organisation

        organisation = session.get(Organisation, ids["org"])
        assert organisation is not None
        organisation.contact_email = "compliance@bank.example.org"
        registry.add_member(session, organisation_id=ids["org"], user_id=ours.id)
        registry.add_member(session, organisation_id=ids["other_org"], user_id=theirs.id)
    return {**ids, "ours": ours, "theirs": theirs}


def logout(client: TestClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})


def act(client: TestClient, incident_id: int, action: str, **data: str):  # type: ignore[no-untyped-def]
    page = f"/incidents/cases/{incident_id}"
    return form_post(client, page, f"{page}/{action}", data)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_report_from_triage_to_a_public_outcome(
    instance: Settings, smtp_server: tuple[Any, int]
) -> None:
    inbox, port = smtp_server
    app = create_app(instance.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                                 "smtp_from": "watchdog@example.org"}))  # fmt: skip
    sessions = app.state.soai.sessions
    with TestClient(app) as client:
        client.headers["Accept-Language"] = "en"
        ids = register(sessions, instance)
        receipt = report(client, instance, system_id=str(ids["system"]),
                         contact_email="dara@example.org", contact_name="Dara")  # fmt: skip
        link = re.search(r'href="(/incidents/track/INC-[^"]+)"', receipt.text).group(1)  # type: ignore[union-attr]
        with transaction(sessions) as session:
            incident = session.scalar(select(Incident))
            assert incident is not None and incident.organisation_id == ids["org"]
            incident_id, code = incident.id, incident.code
        analyst = make_user(sessions, "analyst")
        sign_in(client, analyst.email, PASSWORD)
        assert (
            act(
                client, incident_id, "triage", severity="high", system_id=str(ids["system"])
            ).status_code
            == 303
        )
        assert act(client, incident_id, "assign", assignee=str(analyst.id)).status_code == 303
        assert "was assigned to you" in client.get("/incidents/notices").text
        short = act(client, incident_id, "request", text="")
        assert short.status_code == 422 and "Write the question" in short.text
        act(client, incident_id, "request", text="Which features does the model use?")
        logout(client)

        # The provider of another organisation cannot see the report, nor its files.
        sign_in(client, ids["theirs"].email, PASSWORD)
        assert client.get(f"/incidents/provider/{incident_id}").status_code == 404
        assert code not in client.get("/incidents/provider").text
        assert form_post(client, "/incidents/provider", f"/incidents/provider/{incident_id}/answer",
                         {"text": "x"}).status_code == 404  # fmt: skip
        logout(client)
        sign_in(client, ids["ours"].email, PASSWORD)
        assert "The regulator asks about report" in client.get("/incidents/notices").text
        page = client.get(f"/incidents/provider/{incident_id}")
        assert "Which features does the model use?" in page.text
        assert "province is risky" not in page.text  # the reporter's own words stay with analysts
        answered = form_post(client, f"/incidents/provider/{incident_id}",
                             f"/incidents/provider/{incident_id}/answer",
                             {"text": "Income, tenure and the applicant's province."})  # fmt: skip
        assert answered.status_code == 303
        logout(client)

        sign_in(client, analyst.email, PASSWORD)
        assert "The provider answered" in client.get("/incidents/notices").text
        missing = act(client, incident_id, "decide", outcome="substantiated", reason="", summary="")
        assert missing.status_code == 422 and "reasons" in missing.text
        decided = act(client, incident_id, "decide", outcome="substantiated",
                      reason="The province feature makes approvals differ by 30 points.",
                      summary="A credit-scoring model treated applicants differently by province.")  # fmt: skip
        assert decided.status_code == 303
        with transaction(sessions) as session:
            finding = session.scalar(select(Finding).where(Finding.cycle_id == ids["cycle"]))
            assert (
                finding is not None and finding.severity == "major" and code in finding.description
            )
            statuses = [json.loads(e.body)["data"]["status"] for e in ledger.recent_entries(session, limit=50)
                        if json.loads(e.body)["type"] == "incident.status"]  # fmt: skip
        assert set(statuses) == {"triaged", "awaiting_provider", "investigating", "decided"}
        assert act(client, incident_id, "note", text="late").status_code == 409
        logout(client)

        mine = client.get(link)
        assert "Substantiated" in mine.text and "30 points" in mine.text
        public = client.get("/incidents")
        assert "A credit-scoring model treated applicants differently by province." in public.text
        assert "dara@example.org" not in public.text and "Dara" not in public.text
        assert "Which features" not in public.text and "province is risky" not in public.text
        assert "Reports by kind of harm" in public.text
    to_reporter = [m for m in inbox.messages if m["To"] == "dara@example.org"]
    to_provider = [m for m in inbox.messages if m["To"] == "compliance@bank.example.org"]
    assert len(to_reporter) == 4 and all(code in m["Subject"] for m in to_reporter)
    assert link in to_reporter[-1].get_payload(decode=True).decode()
    assert (
        len(to_provider) == 1
        and f"/incidents/provider/{incident_id}" in to_provider[0].get_payload(decode=True).decode()
    )
    assert len(inbox.messages) == 5


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_duplicates_are_merged_and_contested_reports_go_to_the_council(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    ids = register(app_sessions, instance)
    text = "The credit app refused my loan because I live in Ratanakiri province, twice this month."
    first = report(client, instance, system_id=str(ids["system"]), description=text)
    second = report(client, instance, system_id=str(ids["system"]), description=text + " Again.")
    link = re.search(r'href="(/incidents/track/INC-[^"]+)"', second.text).group(1)  # type: ignore[union-attr]
    assert first.status_code == second.status_code == 200
    with transaction(app_sessions) as session:
        one, two = session.scalars(select(Incident).order_by(Incident.id)).all()
        one_id, one_code, two_id = one.id, one.code, two.id
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    assert f"Possible duplicates: {one_code}" in client.get(f"/incidents/cases/{two_id}").text
    assert act(client, two_id, "merge", into=one_code).status_code == 303
    with transaction(app_sessions) as session:
        two_code = session.get(Incident, two_id).code  # type: ignore[union-attr]
    looped = act(client, one_id, "merge", into=two_code)
    assert looped.status_code == 422 and "itself merged into this one" in looped.text
    with transaction(app_sessions, write=True) as session:
        seating.seat_default(session, council=seating.council_id("cambodia"),
                             passphrase=instance.signing_passphrase(), actor_id=None)  # fmt: skip
    assert act(client, one_id, "escalate").status_code == 303
    with transaction(app_sessions) as session:
        escalated = session.get(Incident, one_id)
        assert (
            escalated is not None and escalated.status == "escalated" and escalated.council_session
        )
        session_id = escalated.council_session
    assert client.get(f"/council/sessions/{session_id}").status_code == 200
    logout(client)
    merged = client.get(link)
    assert f"same harm as report {one_code}" in merged.text and "Before the council" in merged.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_provider_files_a_serious_incident_with_its_deadline(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    ids = register(app_sessions, instance)
    sign_in(client, ids["ours"].email, PASSWORD)
    aware = (utcnow() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    base = {"system_id": str(ids["system"]), "aware_at": aware, "stage": "initial",
            "harm": "safety", "description": "The model approved a fraudulent batch of loans."}  # fmt: skip
    page = client.get("/incidents/provider")
    csrf = csrf_from(page.text)
    none = client.post("/incidents/provider/serious", data={**base, "csrf_token": csrf})
    assert none.status_code == 422 and "at least one kind" in none.text
    foreign = client.post("/incidents/provider/serious", data={
        **base, "system_id": str(ids["other_system"]), "kinds": "health", "csrf_token": csrf})  # fmt: skip
    assert foreign.status_code == 422 and "your organisation" in foreign.text
    filed = client.post("/incidents/provider/serious", data={
        **base, "kinds": ["health", "critical-infrastructure"], "csrf_token": csrf},
        follow_redirects=False)  # fmt: skip
    assert filed.status_code == 303
    case = client.get(filed.headers["location"])
    assert "filed late" in case.text  # aware 3 days ago, critical infrastructure: 2 days
    with transaction(app_sessions) as session:
        incident = session.scalar(select(Incident))
        assert incident is not None and incident.source == "provider"
        assert incident.report_due_at is not None and incident.aware_at is not None
        assert incident.report_due_at - incident.aware_at == timedelta(days=2)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_exports_keep_script_and_formulas_inert(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    import io

    from pypdf import PdfReader

    client.headers["Accept-Language"] = "en"
    hostile = "<h1>Big</h1><script>alert(1)</script> the chatbot leaked my phone number."
    report(client, instance, description=hostile)
    with transaction(app_sessions) as session:
        incident_id = session.scalars(select(Incident.id)).one()
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    act(client, incident_id, "decide", outcome="not_substantiated",
        reason="No trace of the number in the provider's logs.",
        summary="=HYPERLINK(\"http://evil\") a chatbot was said to leak phone numbers.")  # fmt: skip
    pdf = client.get(f"/incidents/cases/{incident_id}/record.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "<script>alert(1)</script>" in text and "<h1>Big</h1>" in text  # shown, not obeyed
    logout(client)
    data = client.get("/incidents/outcomes.csv")
    assert data.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK" in data.text and ",=HYPERLINK" not in data.text
    assert "leaked my phone number" not in data.text  # the public summary, not the report's words
    api = client.get("/api/v1/incidents/outcomes").json()
    assert api[0]["outcome"] == "not_substantiated" and "leaked my phone" not in str(api)
