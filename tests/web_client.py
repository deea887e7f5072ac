"""A test client that signs in as a browser does (form, CSRF cookie, session cookie)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF_FIELD = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


def form_post(client: TestClient, page_url: str, action: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """Open ``page_url``, then submit a form to ``action`` with the page's CSRF token."""
    page = client.get(page_url)
    return client.post(
        action, data={**data, "csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
