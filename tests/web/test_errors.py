"""Errors reach people as clear messages with the right status, never as stack traces."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.identity import service
from soai.identity.guard import require
from soai.identity.models import User
from soai.identity.policy import Permission, Role
from tests.identity.factories import make_user


def _admin_token(sessions: sessionmaker[Session]) -> dict[str, str]:
    admin = make_user(sessions, Role.ADMIN)
    with transaction(sessions) as session:
        token, _ = service.create_token(session, email=admin.email, name="t", days=1)
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def test_malformed_json_body_is_a_400_naming_the_problem(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    response = client.post(
        "/api/v1/identity/users",
        content=b'{"email": "a@example.org", ',
        headers={**_admin_token(app_sessions), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json" and error["field"] == "body"
    assert "not valid JSON" in error["message"]


def test_invalid_field_is_a_422_naming_the_field_and_nothing_is_written(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    headers = _admin_token(app_sessions)
    response = client.post(
        "/api/v1/identity/users",
        json={
            "email": "not-an-email",
            "display_name": "X",
            "password": "long-enough-pass",
            "roles": ["analyst"],
        },
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "email"
    unknown = client.post(
        "/api/v1/identity/users",
        json={
            "email": "a@example.org",
            "display_name": "X",
            "password": "long-enough-pass",
            "roles": ["analyst"],
            "is_admin": True,
        },
        headers=headers,
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "is_admin"
    weak = client.post(
        "/api/v1/identity/users",
        json={
            "email": "a@example.org",
            "display_name": "X",
            "password": "short",
            "roles": ["analyst"],
        },
        headers=headers,
    )
    assert weak.status_code == 422
    assert weak.json()["error"] == {
        "code": "invalid_input",
        "message": "The password must have at least 12 characters.",
        "field": "password",
    }
    with transaction(app_sessions) as session:
        assert session.scalar(select(User).where(User.email == "a@example.org")) is None


def test_api_creates_users_and_reports_conflicts(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    headers = _admin_token(app_sessions)
    body = {
        "email": "vuthy@example.org",
        "display_name": "Vuthy",
        "password": "long-enough-pass",
        "roles": ["provider"],
    }
    created = client.post("/api/v1/identity/users", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["roles"] == ["provider"]
    again = client.post("/api/v1/identity/users", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["field"] == "email"


def test_bad_or_missing_token_is_401_in_json(client: TestClient) -> None:
    client.headers["Accept-Language"] = "en"
    missing = client.get("/api/v1/identity/me")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "authentication_required"
    bad = client.get("/api/v1/identity/me", headers={"Authorization": "Bearer soai_nope_nope"})
    assert bad.status_code == 401
    assert "not valid" in bad.json()["error"]["message"]
    assert bad.headers["www-authenticate"].startswith("Bearer")


def test_unknown_pages_are_404_in_the_readers_language(client: TestClient) -> None:
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    page = client.get("/nothing-here", headers={"Accept-Language": "km"})
    assert page.status_code == 404 and "ទំព័រនេះមិនមានទេ។" in page.text


def test_wrong_method_is_405(client: TestClient) -> None:
    response = client.get("/logout")
    assert response.status_code == 405


def test_unexpected_errors_are_a_generic_500_without_a_trace(app: FastAPI) -> None:

    @app.get("/boom", dependencies=[Depends(require(Permission.PUBLIC_READ))])
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/boom", headers={"Accept-Language": "en"})
        assert page.status_code == 500
        assert "Something went wrong on our side" in page.text
        assert "secret internal detail" not in page.text and "Traceback" not in page.text
        api = client.get("/boom", headers={"Accept": "application/json"})
        assert api.json()["error"]["code"] == "internal"
