"""A citizen reports harm without an account (on a form that needs no JavaScript), gets a
reference and a private link that cannot be guessed; attachments are judged by their content;
a flood from one address is slowed without losing a report; script typed into a report stays
text everywhere."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.identity import formtickets
from soai.incidents.models import Attachment, Incident
from soai.settings import Settings
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import csrf_from, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SCRIPT = "<script>alert('x')</script>"


def aged_ticket(settings: Settings) -> str:
    return formtickets.ticket(settings.signing_secret(), utcnow() - timedelta(seconds=30),
                              purpose="incident")  # fmt: skip


def report(client: TestClient, settings: Settings, *, files: list[tuple[str, bytes]] | None = None,
           **fields: str):  # type: ignore[no-untyped-def]  # fmt: skip
    page = client.get("/incidents/report")
    data = {"csrf_token": csrf_from(page.text), "ticket": aged_ticket(settings), "website": "",
            "description": "The loan app refused me in seconds and said my province is risky.",
            "harm": "bias", "affected": "me", **fields}  # fmt: skip
    upload = [
        ("attachments", (name, content, "application/octet-stream"))
        for name, content in files or []
    ]
    return client.post("/incidents/report", data=data, files=upload or None)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_anonymous_report_gets_a_reference_and_an_unguessable_link(
    client: TestClient, instance: Settings
) -> None:
    client.headers["Accept-Language"] = "km"
    form = client.get("/incidents/report")
    assert (
        form.status_code == 200
        and "<script" not in form.text.split("</head>")[1].split("<footer")[0]
    )
    assert re.search("[\u1780-\u17ff]", form.text)
    receipt = report(
        client, instance, description=f"{SCRIPT} The loan app refused me because of my province."
    )
    assert receipt.status_code == 200, receipt.text[:3000]
    code = re.search(r"INC-[2-9A-HJ-NP-Z]{6}", receipt.text).group(0)  # type: ignore[union-attr]
    link = re.search(r'href="(/incidents/track/INC-[^"]+)"', receipt.text).group(1)  # type: ignore[union-attr]
    mine = client.get(link, headers={"Accept-Language": "en"})
    assert mine.status_code == 200 and "Received" in mine.text and code in mine.text
    mac = link.rsplit("-", 1)[1]
    for guess in (f"/incidents/track/{code}", f"/incidents/track/{code}-{'0' * 32}",
                  f"/incidents/track/{code}-{mac[:-1]}{'1' if mac[-1] == '0' else '0'}"):  # fmt: skip
        assert client.get(guess).status_code == 404
    assert client.get("/incidents", headers={"Accept-Language": "en"}).status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_input_is_named_and_nothing_is_half_written(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    exe = b"MZ\x90\x00" + b"\x00" * 100
    disguised = report(client, instance, files=[("evidence.pdf", exe)])
    assert (
        disguised.status_code == 422
        and "evidence is not a PDF, PNG, JPEG or plain-text file" in disguised.text
    )
    big = report(client, instance, files=[("scan.png", PNG + b"\x00" * (5 * 1024 * 1024))])
    assert big.status_code == 422 and "larger than 5 MB" in big.text
    short = report(client, instance, description="too short")
    assert short.status_code == 422 and "field-invalid" in short.text
    bad_mail = report(client, instance, contact_email="not-an-address")
    assert bad_mail.status_code == 422 and "stay anonymous" in bad_mail.text
    robot = report(client, instance, website="http://spam.example")
    assert robot.status_code == 422
    fast = client.post("/incidents/report", data={
        "csrf_token": csrf_from(client.get("/incidents/report").text),
        "ticket": formtickets.ticket(instance.signing_secret(), utcnow(), purpose="incident"),
        "description": "x" * 40, "harm": "bias"})  # fmt: skip
    assert fast.status_code == 422 and "too quickly" in fast.text
    with transaction(app_sessions) as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 0
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    first = report(client, instance, files=[("photo.png", PNG), ("same.png", PNG)])
    assert first.status_code == 200
    with transaction(app_sessions) as session:
        stored = list(session.scalars(select(Attachment)))
    assert [a.filename for a in stored] == ["photo.png", "same.png"]
    files = [p for p in (instance.home / "incidents").rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].name == stored[0].sha256  # content-addressed, one copy


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_flood_from_one_address_is_slowed_and_no_report_is_lost(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session], app: FastAPI
) -> None:
    client.headers["Accept-Language"] = "en"
    statuses = [report(client, instance).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    with TestClient(app, client=("198.51.100.20", 40000)) as someone_else:
        assert report(someone_else, instance).status_code == 200
    with transaction(app_sessions) as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 6


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_analyst_sees_script_as_text_and_downloads_files_safely(
    client: TestClient, instance: Settings, app_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    client.headers["Accept-Language"] = "en"
    report(client, instance, description=f"{SCRIPT} happened to me with the chatbot today.",
           files=[("a<b>.txt", "ចំណាំ notes".encode())])  # fmt: skip
    analyst = make_user(app_sessions, "analyst")
    sign_in(client, analyst.email, PASSWORD)
    queue = client.get("/incidents/queue")
    case_link = re.search(r'href="(/incidents/cases/\d+)"', queue.text).group(1)  # type: ignore[union-attr]
    case = client.get(case_link)
    assert SCRIPT not in case.text and "&lt;script&gt;" in case.text
    file_link = re.search(r'href="(/incidents/cases/\d+/files/[0-9a-f]{64})"', case.text).group(1)  # type: ignore[union-attr]
    download = client.get(file_link)
    assert download.content == "ចំណាំ notes".encode()
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["content-security-policy"]
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    for link in (case_link, file_link):
        refused = client.get(link, follow_redirects=False)
        assert refused.status_code in (303, 401, 403) and "ចំណាំ" not in refused.text
