"""Exams as a candidate sits them in the portal: registration, one question at a time with the
key never sent, autosave that survives a closed tab, a second tab refused, time kept by the
server, review and submission once, the result with per-domain feedback, and the credential a
pass earns — on a synthetic bank (the shipped bank is tested in test_bank.py)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.academy import service
from soai.academy.models import Attempt
from soai.db import transaction
from soai.settings import Settings
from tests.academy.itemfiles import write_bank
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import csrf_from, sign_in

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BANK = {"foundations": 40, "law": 40, "development": 40, "deployment": 40, "council": 30}


@pytest.fixture
def app(instance: Settings, tmp_path: Path) -> FastAPI:
    from soai.web.app import create_app

    items = write_bank(tmp_path / "bank", BANK, pretest={"law": 10, "development": 10})
    return create_app(instance.model_copy(update={"academy_items": items}))


def candidate_client(client: TestClient, sessions: sessionmaker[Session]) -> tuple[TestClient, Any]:
    user = make_user(sessions, "candidate")
    browser = TestClient(client.app)
    browser.headers["Accept-Language"] = "en"
    sign_in(browser, user.email, PASSWORD)
    return browser, user


def keys_of(app: FastAPI, attempt: Attempt) -> list[int]:
    """The displayed option that is right, per question (what a perfect candidate clicks)."""
    bank = service.bank_of(app.state.soai.settings.academy_items)
    out = []
    for item_id, order in zip(attempt.form["items"], attempt.form["options"], strict=True):
        out.append(order.index(bank.items[bank.index[item_id]].key))
    return out


@SQLITE_ONLY
def test_a_candidate_sits_the_exam_and_a_pass_earns_a_verifiable_certificate(
    client: TestClient, app_sessions: sessionmaker[Session], app: FastAPI
) -> None:
    browser, user = candidate_client(client, app_sessions)
    home = browser.get("/academy")
    assert "CEASAI Fundamentals" in home.text and "90 minutes" in home.text
    browser.post("/academy/enrol", data={"csrf_token": csrf_from(home.text), "language": "en",
                                         "country": "KH", "national_id": "010203040"})  # fmt: skip
    home = browser.get("/academy")
    started = browser.post("/academy/exams", data={"csrf_token": csrf_from(home.text),
                                                   "tier": "fundamentals"})  # fmt: skip
    assert started.status_code == 200 and "Question 1 of 58" in started.text
    attempt_id = str(started.url).split("/academy/exams/")[1].split("?")[0]
    tab = re.search(r'name="tab" value="([0-9a-f]+)"', started.text).group(1)  # type: ignore[union-attr]
    with transaction(app_sessions) as session:
        attempt = session.get_one(Attempt, attempt_id)
        keys = keys_of(app, attempt)
        assert attempt.seed and len(attempt.form["items"]) == 58
    assert "key" not in re.sub(r"keyboard|Keyboard|[Kk]eys", "", started.text).lower(), (
        "no key sent"
    )
    csrf = csrf_from(started.text)
    for position, right in enumerate(keys):
        saved = browser.post(f"/academy/exams/{attempt_id}/autosave", data={
            "csrf_token": csrf, "position": str(position), "option": str(right), "tab": tab})  # fmt: skip
        assert saved.json() == {"saved": True, "time_up": False}
    # The tab is closed and the exam reopened: nothing lost, the old tab is now refused.
    reopened = browser.get(f"/academy/exams/{attempt_id}?q=3")
    assert "Question 3 of 58" in reopened.text and "checked" in reopened.text
    stale = browser.post(f"/academy/exams/{attempt_id}/autosave", data={
        "csrf_token": csrf, "position": "0", "option": "0", "tab": tab})  # fmt: skip
    assert stale.status_code == 409 and "open in another tab" in stale.json()["error"]
    tampered = browser.post(f"/academy/exams/{attempt_id}/autosave", data={
        "csrf_token": csrf, "position": "58", "option": "1",
        "tab": re.search(r'name="tab" value="([0-9a-f]+)"', reopened.text).group(1)})  # type: ignore[union-attr]  # fmt: skip
    assert tampered.status_code == 422 and "has no question 59" in tampered.json()["error"]
    review = browser.get(f"/academy/exams/{attempt_id}/review")
    assert "58 of 58 questions answered" in review.text
    result = browser.post(
        f"/academy/exams/{attempt_id}/submit", data={"csrf_token": csrf_from(review.text)}
    )
    assert "CEASAI Fundamentals — passed" in result.text and "500" in result.text
    assert "By domain" in result.text and "Certificate (PDF)" in result.text
    again = browser.post(f"/academy/exams/{attempt_id}/autosave", data={
        "csrf_token": csrf, "position": "0", "option": "0", "tab": tab})  # fmt: skip
    assert again.status_code == 409 and "already submitted" in again.json()["error"]
    credential = browser.get(f"/academy/exams/{attempt_id}/credential.json").json()
    assert "OpenBadgeCredential" in credential["type"]
    verifier = TestClient(client.app)
    verifier.headers["Accept-Language"] = "en"
    page = verifier.get("/verify")
    checked = verifier.post("/verify", data={"csrf_token": csrf_from(page.text),
                                             "credential_text": json.dumps(credential)})  # fmt: skip
    assert checked.status_code == 200 and "CEASAI Fundamentals" in checked.text
    assert "is valid" in checked.text or "Valid" in checked.text
    with transaction(app_sessions) as session:
        candidate = service.candidate_of(session, user_id=user.id)
        assert (
            candidate is not None
            and candidate.national_id_hash
            and "010203040" not in candidate.national_id_hash
        )


@SQLITE_ONLY
def test_the_server_keeps_time_and_the_retake_rules(
    client: TestClient, app_sessions: sessionmaker[Session], app: FastAPI
) -> None:
    browser, _user = candidate_client(client, app_sessions)
    home = browser.get("/academy")
    browser.post("/academy/enrol", data={"csrf_token": csrf_from(home.text), "language": "km",
                                         "country": "KH"})  # fmt: skip
    started = browser.post("/academy/exams", data={"csrf_token": csrf_from(browser.get("/academy").text),
                                                   "tier": "watchdog"})  # fmt: skip
    attempt_id = str(started.url).split("/academy/exams/")[1].split("?")[0]
    tab = re.search(r'name="tab" value="([0-9a-f]+)"', started.text).group(1)  # type: ignore[union-attr]
    second = browser.post("/academy/exams", data={"csrf_token": csrf_from(browser.get("/academy").text),
                                                  "tier": "fundamentals"})  # fmt: skip
    assert "already have an exam in progress" in second.text or "មាន" in second.text
    with transaction(app_sessions, write=True) as session:
        attempt = session.get_one(Attempt, attempt_id)
        attempt.deadline = attempt.started_at - timedelta(seconds=1)  # the time is up
    late = browser.post(f"/academy/exams/{attempt_id}/autosave", data={
        "csrf_token": csrf_from(started.text), "position": "0", "option": "1", "tab": tab})  # fmt: skip
    assert late.json() == {"saved": False, "time_up": True}
    with transaction(app_sessions) as session:
        attempt = session.get_one(Attempt, attempt_id)
        assert attempt.status == "submitted" and attempt.passed is False
    retake = browser.post("/academy/exams", data={"csrf_token": csrf_from(browser.get("/academy").text),
                                                  "tier": "watchdog"})  # fmt: skip
    assert retake.status_code == 409
