"""Bulk import from the portal: upload, follow the job, read the outcome and the problems."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.jobs import service as jobs
from soai.registry import listing, service
from tests.identity.factories import PASSWORD, make_user
from tests.registry.factories import CSV_HEADER, csv_row
from tests.web_client import csrf_from, sign_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def upload(client: TestClient, content: str, *, skip: bool = False) -> str:
    page = client.get("/registry/import")
    assert page.status_code == 200 and "organisation,organisation_kind,name" in page.text
    answer = client.post(
        "/registry/import",
        data={"csrf_token": csrf_from(page.text), **({"skip_invalid": "yes"} if skip else {})},
        files={"file": ("systems.csv", content.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:1000]
    return answer.headers["location"]


def finished(client: TestClient, sessions: sessionmaker[Session], location: str) -> str:
    job_id = location.rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with transaction(sessions) as session:
            if jobs.get(session, job_id=job_id).status in ("succeeded", "failed"):
                break
        time.sleep(0.1)
    return client.get(location).text


def test_a_regulator_uploads_a_file_sees_the_bad_line_then_imports_the_good_rows(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    content = CSV_HEADER + csv_row("Good one") + csv_row("Bad one", sector="casino")
    page = finished(client, app_sessions, upload(client, content))
    assert "Nothing was imported: 1 row(s) have problems" in page
    assert "<td>3</td>" in page and "casino" in page
    with transaction(app_sessions) as session:
        assert listing.search(session, scope=service.Scope(everything=True)).total == 0
    page = finished(client, app_sessions, upload(client, content, skip=True))
    assert "1 of 2 systems imported" in page
    with transaction(app_sessions) as session:
        assert listing.search(session, scope=service.Scope(everything=True)).total == 1


def test_a_wrong_file_type_is_refused_on_the_form(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    page = client.get("/registry/import")
    answer = client.post(
        "/registry/import",
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("systems.xlsx", b"PK\x03\x04", "application/octet-stream")},
    )
    assert answer.status_code == 422 and "Upload a .csv or a .jsonl file." in answer.text
