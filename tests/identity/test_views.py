"""Signing in and out in the portal, as a person does it, and user administration."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.identity.models import LoginSession, User
from soai.identity.policy import Role
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import csrf_from, form_post, sign_in

EN = {"Accept-Language": "en"}


def test_sign_in_shows_the_account_and_sign_out_ends_the_session(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, Role.ANALYST, email="mom@example.org", name="Sreymom Pich")
    client.headers.update(EN)
    sign_in(client, "mom@example.org", PASSWORD)
    account = client.get("/account")
    assert account.status_code == 200
    assert "Sreymom Pich" in account.text and "Certified analyst" in account.text
    old_cookie = client.cookies.get("soai_session")

    response = form_post(client, "/account", "/logout", {})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    page = client.get("/login")
    assert "You have signed out." in page.text
    assert client.get("/account", follow_redirects=False).status_code == 303
    # The old session id is dead on the server, not only forgotten by the browser.
    client.cookies.set("soai_session", old_cookie)
    again = client.get("/account", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login?next=")


def test_wrong_password_says_so_and_keeps_the_email(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, email="dara@example.org")
    client.headers.update(EN)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "dara@example.org",
            "password": "not-the-password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 401
    assert "The e-mail address or the password is wrong." in response.text
    assert 'value="dara@example.org"' in response.text
    assert "soai_session" not in client.cookies


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": "a@example.org", "password": "x"}, headers=EN)
    assert response.status_code == 403
    assert "security token is missing or out of date" in response.text


def test_csrf_token_of_another_browser_is_refused(
    client: TestClient, app: object, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, email="x@example.org")
    other = TestClient(client.app)
    stolen = csrf_from(other.get("/login").text)
    client.get("/login")
    response = client.post(
        "/login",
        data={"email": "x@example.org", "password": PASSWORD, "csrf_token": stolen},
        headers=EN,
    )
    assert response.status_code == 403


def test_repeated_failures_throttle_sign_in(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, email="bopha@example.org")
    client.headers.update(EN)
    statuses = []
    for _ in range(6):
        page = client.get("/login")
        statuses.append(
            client.post(
                "/login",
                data={
                    "email": "bopha@example.org",
                    "password": "wrong-wrong-wrong",
                    "csrf_token": csrf_from(page.text),
                },
            ).status_code
        )
    assert statuses == [401] * 5 + [429]
    page = client.get("/login")
    blocked = client.post(
        "/login",
        data={
            "email": "bopha@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text


def test_expired_session_sends_back_to_login_with_a_notice(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, Role.ADMIN, email="admin@example.org")
    client.headers.update(EN)
    sign_in(client, "admin@example.org", PASSWORD)
    with transaction(app_sessions) as session:
        session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    response = client.get("/admin/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fadmin%2Fusers"
    login = client.get(response.headers["location"])
    assert "Your session has expired. Please sign in again." in login.text


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, Role.REGULATOR, email="keo@example.org")
    page = client.get("/login?next=/instance/summary")
    response = client.post(
        "/login",
        data={
            "email": "keo@example.org",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_admin_adds_a_user_and_sees_field_errors(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, Role.ADMIN, email="root@example.org")
    client.headers.update(EN)
    sign_in(client, "root@example.org", PASSWORD)

    weak = form_post(
        client,
        "/admin/users",
        "/admin/users",
        {
            "email": "new@example.org",
            "display_name": "New",
            "password": "short",
            "roles": ["analyst"],
        },
    )
    assert weak.status_code == 422
    assert "at least 12 characters" in weak.text
    assert 'id="new-password"' in weak.text and 'aria-invalid="true"' in weak.text

    created = form_post(
        client,
        "/admin/users",
        "/admin/users",
        {
            "email": "new@example.org",
            "display_name": "Pisey New",
            "password": "a-good-long-password",
            "roles": ["analyst", "candidate"],
        },
    )
    assert created.status_code == 200
    assert "The user new@example.org was created." in created.text
    with transaction(app_sessions) as session:
        user = session.scalar(select(User).where(User.email == "new@example.org"))
        assert user is not None and user.role_names == {"analyst", "candidate"}

    target = user.id
    disabled = form_post(client, "/admin/users", f"/admin/users/{target}/disable", {})
    assert disabled.status_code == 303
    with transaction(app_sessions) as session:
        assert session.get(User, target).is_active is False  # type: ignore[union-attr]


def test_signed_in_user_without_permission_gets_a_403_page(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    make_user(app_sessions, Role.CANDIDATE, email="rithy@example.org")
    client.headers.update(EN)
    sign_in(client, "rithy@example.org", PASSWORD)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission to open this page." in response.text
