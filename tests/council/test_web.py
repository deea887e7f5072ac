"""The council in the portal: the regulator seats it and puts an assessment to it, a human
member votes from their seat with their password, the human panel decides an escalated
session, and anyone downloads the decision file and verifies it offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.council import seating, service
from soai.council.verify import verify
from soai.db import transaction, utcnow
from tests.identity.factories import PASSWORD, make_user
from tests.pdca.test_cycle import high_risk_cycle
from tests.web_client import csrf_from, sign_in

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
COUNCIL = "urn:soai:council:cambodia"


def signed_in(client: TestClient, sessions: sessionmaker[Session], role: str) -> TestClient:
    user = make_user(sessions, role)
    other = TestClient(client.app)
    other.headers["Accept-Language"] = "en"
    sign_in(other, user.email, PASSWORD)
    return other


@SQLITE_ONLY
def test_the_regulator_puts_an_assessment_to_the_council_and_anyone_verifies_the_outcome(
    client: TestClient, app_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    cycle_id, _bank = high_risk_cycle(app_sessions)
    regulator = signed_in(client, app_sessions, "regulator")
    page = regulator.get("/council")
    assert "two quorums of 22 share at least 11 seats" in page.text.replace("\n", " ")
    assert "The council has no members yet." in page.text
    seated = regulator.post("/council/seat-default", data={"csrf_token": csrf_from(page.text)},
                            follow_redirects=True)  # fmt: skip
    assert seated.status_code == 200 and "Seats (epoch 1)" in seated.text
    assert seated.text.count("<tr><td>") >= 33
    opened = regulator.post("/council/sessions", data={"csrf_token": csrf_from(seated.text),
                                                       "cycle_id": str(cycle_id)})  # fmt: skip
    assert opened.status_code == 200 and "Let the built-in agents evaluate and vote" in opened.text
    session_url = str(opened.url)
    ran = regulator.post(f"{session_url}/run", data={"csrf_token": csrf_from(opened.text)})
    assert ran.status_code == 200
    assert "a decision needs 22 signatures on one choice" in ran.text
    assert ran.text.count("Rubric check of") >= 5, "each vote's rationale is shown"
    session_id = session_url.rsplit("/", 1)[1]
    with transaction(app_sessions) as session:
        status = service.get(session, session_id=session_id).status
    if status == "escalated":
        analyst = signed_in(client, app_sessions, "analyst")
        shown = analyst.get(session_url)
        assert "Decision of the human panel" in shown.text
        decided = analyst.post(f"{session_url}/panel", data={
            "csrf_token": csrf_from(shown.text), "choice": "reject",
            "rationale": "Controls are not implemented yet."})  # fmt: skip
        assert decided.status_code == 200 and "decided by the human panel" in decided.text
    anonymous = TestClient(client.app)
    hidden = anonymous.get(session_url, follow_redirects=False)
    assert hidden.status_code in (303, 401, 403), "the evidence is for signed-in reviewers"
    download = anonymous.get(f"{session_url}/decision.json")
    assert download.status_code == 200
    did = anonymous.get("/.well-known/did.json").json()
    checks = verify(download.json(), did)
    assert checks[-1].startswith("decision ") and "recorded in the ledger" in checks[-1]


@SQLITE_ONLY
def test_a_human_member_votes_from_their_seat_with_their_password(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    cycle_id, _bank = high_risk_cycle(app_sessions)
    member_user = make_user(app_sessions, "council_member")
    passphrase = client.app.state.soai.settings.signing_passphrase()  # type: ignore[attr-defined]
    with transaction(app_sessions, write=True) as session:
        seating.seat_default(session, council=COUNCIL, passphrase=passphrase, actor_id=None)
        expert = seating.add_member(
            session, kind="human", name="Dr. Chan Sophea", family="human:sophea",
            organisation="Institute of Technology of Cambodia", stakeholder_group="academia",
            user_id=member_user.id, secret=PASSWORD.encode(),
        )  # fmt: skip
        seating.change(session, council=COUNCIL, reason="rotation", actor_id=None,
                       seat_member=[(13, "fairness", expert)])  # fmt: skip
        from soai.council import evidence

        bundle = evidence.assessment(session, cycle_id=cycle_id, country="KH")
        session_id = service.open_session(
            session, council=COUNCIL, subject_type="assessment", subject_ref="pdca",
            title="Credit scoring", bundle=bundle, actor_id=None, now=utcnow(),
        ).id  # fmt: skip
    member = TestClient(client.app)
    member.headers["Accept-Language"] = "en"
    sign_in(member, member_user.email, PASSWORD)
    page = member.get(f"/council/sessions/{session_id}")
    assert "Your vote from seat 13" in page.text
    wrong = member.post(f"/council/sessions/{session_id}/vote", data={
        "csrf_token": csrf_from(page.text), "seat": "13", "choice": "reject", "confidence": "0.9",
        "rationale": "Approval rates by province fail the four-fifths rule.", "password": "nope"})  # fmt: skip
    assert wrong.status_code == 422 and "the password is wrong" in wrong.text
    voted = member.post(f"/council/sessions/{session_id}/vote", data={
        "csrf_token": csrf_from(page.text), "seat": "13", "choice": "reject", "confidence": "0.9",
        "rationale": "Approval rates by province fail the four-fifths rule.",
        "password": PASSWORD})  # fmt: skip
    assert voted.status_code == 200
    assert "Approval rates by province fail the four-fifths rule." in voted.text
    with transaction(app_sessions) as session:
        rows = service.votes(session, session_id=session_id)
        assert [(v.seat, v.choice, v.accepted) for v in rows] == [(13, "reject", True)]
        signed = json.dumps(rows[0].signed)
    assert "rationale_digest" in signed
    again = member.post(f"/council/sessions/{session_id}/vote", data={
        "csrf_token": csrf_from(page.text), "seat": "13", "choice": "approve", "confidence": "0.5",
        "rationale": "Changed my mind.", "password": PASSWORD})  # fmt: skip
    assert again.status_code == 409 or "not counted" in again.text or again.status_code == 422
    with transaction(app_sessions) as session:
        assert seating.member_of_seat(session, seat=13).status == "suspended", "equivocation"


@SQLITE_ONLY
def test_a_member_makes_their_own_key_and_the_regulator_seats_them(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    passphrase = client.app.state.soai.settings.signing_passphrase()  # type: ignore[attr-defined]
    with transaction(app_sessions, write=True) as session:
        seating.seat_default(session, council=COUNCIL, passphrase=passphrase, actor_id=None)
    member_user = make_user(app_sessions, "council_member")
    member = TestClient(client.app)
    member.headers["Accept-Language"] = "en"
    sign_in(member, member_user.email, PASSWORD)
    page = member.get("/council")
    assert "nobody else, administrators included, can vote in your name" in page.text
    form = {"csrf_token": csrf_from(page.text), "organisation": "Cambodian Center for Human Rights",
            "stakeholder_group": "civil_society"}  # fmt: skip
    wrong = member.post("/council/enrol", data={**form, "password": "not-mine"})
    assert wrong.status_code == 422 and "That is not your password." in wrong.text
    enrolled = member.post("/council/enrol", data={**form, "password": PASSWORD})
    assert "waiting for the regulator to seat you" in enrolled.text
    regulator = signed_in(client, app_sessions, "regulator")
    home = regulator.get("/council")
    assert "Cambodian Center for Human Rights" in home.text, "the enrolled member is listed"
    with transaction(app_sessions) as session:
        member_id = seating.member_of_user(session, user_id=member_user.id).id  # type: ignore[union-attr]
    seated = regulator.post("/council/seatings", data={
        "csrf_token": csrf_from(home.text), "seat": "20", "member_id": str(member_id)})  # fmt: skip
    assert seated.status_code == 200 and "Seats (epoch 2)" in seated.text
    assert "you hold seat 20." in member.get("/council").text
    with transaction(app_sessions) as session:
        held = seating.member_of_seat(session, seat=20)
        assert held.member.key_protection == "password" and held.lens == "accountability"
