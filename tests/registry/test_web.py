"""The register in the portal and the API: questionnaire, public register, scopes, Khmer."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.registry import listing, service
from tests.identity.factories import PASSWORD, make_user
from tests.registry.factories import make_organisation, register, submission
from tests.web_client import csrf_from, sign_in

QUESTIONNAIRE = {
    "name": "Microloan approval",
    "purpose": "Recommends approval of microloans for rural clients.",
    "sector": "microfinance",
    "role": "deployer",
    "status": "in_service",
    "autonomy": "advisory",
    "data_categories": ["personal"],
    "annex_iii": ["5(b)"],
    "profiling": "yes",
    "annex_i_product": "no",
    "art_6_3_condition": "",
}


def provider_of(client: TestClient, sessions: sessionmaker[Session], organisation_id: int) -> None:
    user = make_user(sessions, "provider")
    with transaction(sessions) as session:
        service.add_member(session, organisation_id=organisation_id, user_id=user.id)
    sign_in(client, user.email, PASSWORD)


@pytest.fixture(autouse=True)
def english(client: TestClient) -> None:
    """Pages in English unless a test asks for Khmer (the profile's default is Khmer)."""
    client.headers["Accept-Language"] = "en"


def test_a_provider_registers_a_system_through_the_questionnaire_and_sees_why(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    mfi = make_organisation(app_sessions, name="Tonle Sap Microfinance")
    provider_of(client, app_sessions, mfi.id)
    form = client.get("/registry/systems/new")
    assert form.status_code == 200
    assert "Art. 6(2), Annex III" in form.text, "each question names its source"
    assert "Profiling means evaluating personal aspects" in form.text, "and explains itself"
    saved = client.post(
        "/registry/systems",
        data={**QUESTIONNAIRE, "organisation_id": str(mfi.id), "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:2000]
    page = client.get(saved.headers["location"])
    assert "High risk" in page.text
    assert "Art. 26" in page.text, "a deployer's obligations are listed"
    assert "Art. 27" in page.text, "credit scoring deployers assess fundamental rights"
    assert "ledger entry #" in page.text
    assert re.search(r"KH-AI-\d{6}", page.text)
    assert "Decided by Art. 6(2)" in page.text, "the history says why the tier was given"


def test_contradictory_answers_come_back_with_the_field_marked(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    mfi = make_organisation(app_sessions)
    provider_of(client, app_sessions, mfi.id)
    form = client.get("/registry/systems/new")
    answer = client.post(
        "/registry/systems",
        data={
            **QUESTIONNAIRE,
            "annex_iii": [],
            "art_6_3_condition": "a",
            "organisation_id": str(mfi.id),
            "csrf_token": csrf_from(form.text),
        },
    )
    assert answer.status_code == 422
    assert "art_6_3_condition" in answer.text or "Article 6(3)" in answer.text
    assert 'id="q-art_6_3_condition"' in answer.text
    assert re.search(r'<select id="art_6_3_condition"[^>]*aria-invalid="true"', answer.text)
    assert 'value="Microloan approval"' in answer.text, "the answers are kept"


def test_anyone_can_check_a_system_without_saving_it_in_khmer(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    page = client.get("/registry/check", headers={"Accept-Language": "km"})
    assert page.status_code == 200
    result = client.post(
        "/registry/check",
        data={"name": "Chatbot", "transparency": ["50(1)"], "csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "km"},
    )
    assert result.status_code == 200
    assert 'class="risk risk-limited"' in result.text
    assert "Limited risk" not in result.text, "the tier is shown in Khmer"
    with transaction(app_sessions) as session:
        assert listing.search(session, scope=service.Scope(everything=True)).total == 0


def test_the_public_register_shows_high_risk_and_public_bodies_without_contacts(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    bank = make_organisation(app_sessions, name="Angkor Bank")
    register(app_sessions, bank, submission("Credit scoring"))
    register(app_sessions, bank, submission("Branch queue forecast", answers={}))
    ministry = make_organisation(app_sessions, name="Ministry of Agriculture", kind="public_body")
    register(app_sessions, ministry, submission("Rice yield", answers={}, sector="agriculture"))
    page = client.get("/registry")
    assert "Credit scoring" in page.text and "Rice yield" in page.text
    assert "Branch queue forecast" not in page.text
    assert "risk@bank.example.org" not in page.text
    found = client.get("/registry", params={"q": "rice"})
    assert "Rice yield" in found.text and "Credit scoring" not in found.text
    api = client.get("/api/v1/registry/public").json()
    assert {row["name"] for row in api} == {"Credit scoring", "Rice yield"}
    assert all("contact" not in key for row in api for key in row)
    with transaction(app_sessions) as session:
        hidden = listing.search(session, scope=service.Scope(everything=True), query="queue")
        hidden_id = hidden.rows[0][0].id
    assert client.get(f"/registry/public/{hidden_id}").status_code == 404


def test_a_provider_cannot_see_another_organisations_system(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    mine = make_organisation(app_sessions, name="Mine")
    theirs = make_organisation(app_sessions, name="Theirs")
    other = register(app_sessions, theirs, submission("Their system", answers={}))
    provider_of(client, app_sessions, mine.id)
    assert client.get(f"/registry/systems/{other.id}").status_code == 404
    assert client.get(f"/api/v1/registry/systems/{other.id}").status_code == 404
    listing = client.get("/registry/systems")
    assert "Their system" not in listing.text


def test_the_api_classifies_a_profile_per_the_contract(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/registry/classify",
        json={
            "name": "ACLEDA retail credit scoring v3",
            "sector": "finance",
            "annex_iii": ["5(b)"],
        },
    )
    assert answer.status_code == 200
    body = answer.json()
    assert {"risk", "gpai", "high_risk_route", "obligations", "citations", "trace"} <= set(body)
    assert (body["risk"], body["gpai"], body["high_risk_route"]) == ("high", "none", "6(2)")
    bad = client.post("/api/v1/registry/classify", json={"name": "x", "colour": "red"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "colour"


def test_a_regulator_registers_through_the_api_and_exports_an_oscal_profile(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    csrf = csrf_from(client.get("/registry/organisations").text)
    headers = {"X-CSRF-Token": csrf}
    org = client.post(
        "/api/v1/registry/organisations",
        json={"name": "Phnom Penh Capital Administration", "kind": "public_body"},
        headers=headers,
    )
    assert org.status_code == 201, org.text
    created = client.post(
        "/api/v1/registry/systems",
        json={
            "organisation_id": org.json()["id"],
            "system": {
                "name": "Traffic signals",
                "purpose": "Adjusts traffic-light timing from camera counts.",
                "sector": "transport",
            },
            "answers": {"annex_iii": ["2"]},
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    system = created.json()
    assert system["risk"] == "high" and system["is_public"] is True
    profile = client.get(f"/api/v1/registry/systems/{system['id']}/oscal-profile")
    assert profile.status_code == 200
    ids = profile.json()["profile"]["imports"][0]["include-controls"][0]["with-ids"]
    assert "eu-ai-act_art-9" in ids and any(i.startswith("iso-42001_") for i in ids)
