"""Every route declares exactly one permission, and every role gets exactly what the policy
table gives it: 401/redirect-to-login for the anonymous public, 403 for a signed-in role
without the permission, and through for a role that holds it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.identity import service
from soai.identity.guard import require
from soai.identity.policy import POLICY, Permission, Role, needs_sign_in
from soai.web.app import routers
from tests.identity.factories import make_user
from tests.web_client import csrf_from

PATH_VALUES = {
    "user_id": "999999",
    "job_id": "0" * 32,
    "code": "en",
    "position": "0",
    "credential_id": "urn:uuid:00000000-0000-0000-0000-000000000000",
    "list_id": "1",
    "purpose": "revocation",
    "key": "ceasai-fundamentals",
    "system_id": "999999",
    "organisation_id": "999999",
    "urn": "urn:soai:eu-ai-act:art-9",
    "cycle_id": "999999",
    "control_id": "999999",
    "risk_id": "999999",
    "finding_id": "999999",
    "run_id": "999999",
    "session_id": "0123456789abcdef0123456789abcdef",
    "module": "ai-basics",
    "attempt_id": "0123456789abcdef0123456789abcdef",
    "window_id": "999999",
    "ref": "999999-00000000000000000000000000000000",
    "milestone": "council-seated",
    "quote_id": "new-generation",
    "enquiry_id": "999999",
    "assessment_id": "999999",
    "language": "en",
    "fmt": "md",
    "incident_id": "999999",
    "action": "note",
    "digest": "0" * 64,
}


def app_routes() -> Iterator[tuple[str, str, APIRoute]]:
    for prefix, router in routers():
        for route in router.routes:
            assert isinstance(route, APIRoute), f"{route!r} is not an API route"
            for method in sorted(route.methods):
                yield method, prefix + route.path, route


def declared(route: APIRoute) -> list[Permission]:
    found: list[Permission] = []

    def walk(dependant: object) -> None:
        for dependency in getattr(dependant, "dependencies", []):
            if isinstance(dependency.call, require):
                found.append(dependency.call.permission)
            walk(dependency)

    walk(route.dependant)
    return found


def test_every_route_declares_exactly_one_permission() -> None:
    problems = []
    for method, path, route in app_routes():
        permissions = declared(route)
        if len(permissions) != 1:
            problems.append(f"{method} {path}: {permissions or 'no permission declared'}")
    assert not problems, "routes without exactly one permission:\n" + "\n".join(problems)
    assert len(list(app_routes())) >= 25


def test_the_app_serves_exactly_the_routes_that_were_checked(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    api_paths = {p for p in spec["paths"]}
    checked = {path for _method, path, _route in app_routes() if path.startswith("/api/v1")}
    assert api_paths == checked


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_each_role_reaches_only_what_the_policy_allows(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    tokens: dict[Role, str | None] = {Role.PUBLIC: None}
    for role in Role:
        if role is Role.PUBLIC:
            continue
        user = make_user(app_sessions, role)
        with transaction(app_sessions) as session:
            tokens[role], _ = service.create_token(session, email=user.email, name="t", days=1)

    csrf = csrf_from(client.get("/login").text)
    failures = []
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {"X-CSRF-Token": csrf}
        for method, path, route in app_routes():
            permission = declared(route)[0]
            response = client.request(
                method,
                _url(path),
                headers=headers,
                follow_redirects=False,
                data={} if method == "POST" and not path.startswith("/api/") else None,
                json={} if method == "POST" and path.startswith("/api/") else None,
            )
            location = response.headers.get("location", "")
            sent_to_login = response.status_code == 303 and location.startswith("/login?next=")
            denied = response.status_code in (401, 403) or sent_to_login
            allowed = permission in POLICY[role]
            if allowed and denied:
                failures.append(f"{role}: {method} {path} refused ({response.status_code})")
            if not allowed:
                if role is Role.PUBLIC and needs_sign_in(permission):
                    expected = (
                        sent_to_login
                        if not path.startswith("/api/")
                        else (response.status_code == 401)
                    )
                else:
                    expected = response.status_code == 403
                if not expected:
                    failures.append(
                        f"{role}: {method} {path} gave {response.status_code} {location}"
                    )
    assert not failures, "\n".join(failures)
