"""Credentials on the web: the public verifier (page and API), the DID document, achievements."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.credentials.qr import pack
from soai.settings import Settings
from tests.credentials import factories
from tests.web_client import csrf_from


def test_anyone_can_verify_through_the_api_without_a_session(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, app_sessions)
    anonymous = TestClient(client.app)  # no cookies, no token, no CSRF header
    answer = anonymous.post("/api/v1/credentials/verify", json=credential)
    assert answer.status_code == 200 and answer.json()["valid"] is True
    assert answer.json()["result"]["statusChecked"] == ["revocation", "suspension"]
    credential["name"] = "Forged Expert"
    forged = anonymous.post("/api/v1/credentials/verify", json=credential).json()
    assert forged["valid"] is False and "altered or forged" in forged["reason"]


def test_the_verify_page_takes_a_paste_and_a_qr_link_in_khmer(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, app_sessions)
    scanned = client.get(f"/verify?c={pack(credential)}", headers={"Accept-Language": "km"})
    assert scanned.status_code == 200 and "វិញ្ញាបនបត្រត្រឹមត្រូវ" in scanned.text
    page = client.get("/verify", headers={"Accept-Language": "km"})
    pasted = client.post(
        "/verify",
        data={"credential_text": "{not json", "csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "en"},
    )
    assert pasted.status_code == 422 and "This is not JSON (line 1, column 2)" in pasted.text
    broken = client.get("/verify?c=%%%", headers={"Accept-Language": "en"})
    assert "does not hold a readable credential" in broken.text


def test_did_document_and_achievements_are_served_where_credentials_point(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    credential = factories.issue(instance, app_sessions)
    did = client.get("/.well-known/did.json")
    assert did.headers["content-type"].startswith("application/did+json")
    assert did.json()["id"] == credential["issuer"]["id"]
    method = credential["proof"]["verificationMethod"]
    assert method in did.json()["assertionMethod"]
    achievement_id = credential["credentialSubject"]["achievement"]["id"]
    path = "/" + achievement_id.split("/", 3)[3]
    achievement = client.get(path).json()
    assert achievement["id"] == achievement_id and achievement["type"] == ["Achievement"]
    assert client.get("/achievements/no-such-thing").status_code == 422
