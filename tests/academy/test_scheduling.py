"""Exam windows: the certification body opens one with seats, candidates book, and the exam of
a scheduled tier starts only in the booked window while it is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.academy import scheduling, service
from soai.db import transaction
from soai.errors import Conflict, InvalidInput
from soai.settings import Settings
from tests.academy.itemfiles import write_bank
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import csrf_from, sign_in

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
BANK = {"foundations": 40, "law": 40, "development": 40, "deployment": 40, "council": 30}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_scheduled_exam_starts_only_in_a_booked_open_window(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    bank = service.bank_of(write_bank(tmp_path / "bank", BANK))
    first, second = make_user(sessions, "candidate"), make_user(sessions, "candidate")
    with transaction(sessions, write=True) as session:
        with pytest.raises(InvalidInput, match="close after it opens"):
            scheduling.open_window(
                session, tier="fundamentals", opens_at=NOW, closes_at=NOW, seats=1
            )
        window = scheduling.open_window(session, tier="fundamentals", opens_at=NOW + timedelta(days=1),
                                        closes_at=NOW + timedelta(days=2), seats=1)  # fmt: skip
        a = service.enrol(session, user_id=first.id, language="km")
        b = service.enrol(session, user_id=second.id, language="en")
        with pytest.raises(Conflict, match="book a window"):
            service.start(session, candidate=a, tier_id="fundamentals", now=NOW, bank=bank)
        scheduling.book(session, candidate=a, window_id=window.id, now=NOW)
        with pytest.raises(Conflict, match="window is full"):
            scheduling.book(session, candidate=b, window_id=window.id, now=NOW)
        with pytest.raises(Conflict, match="book a window"):  # booked, but not open yet
            service.start(session, candidate=a, tier_id="fundamentals", now=NOW, bank=bank)
        attempt = service.start(session, candidate=a, tier_id="fundamentals",
                                now=NOW + timedelta(days=1, hours=1), bank=bank)  # fmt: skip
        assert attempt.status == "active"
        watchdog = service.start(session, candidate=b, tier_id="watchdog", now=NOW, bank=bank)
        assert watchdog.status == "active", "a tier without windows is self-paced"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_regulator_opens_a_window_in_the_portal_and_a_candidate_books_it(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    regulator = make_user(app_sessions, "regulator")
    client.headers["Accept-Language"] = "en"
    sign_in(client, regulator.email, PASSWORD)
    page = client.get("/academy")
    opened = client.post("/academy/windows", data={
        "csrf_token": csrf_from(page.text), "tier": "fundamentals", "opens": "2030-01-05T08:00",
        "closes": "2030-01-05T12:00", "seats": "2"})  # fmt: skip
    assert opened.status_code == 200 and "Seats left" in opened.text
    candidate = make_user(app_sessions, "candidate")
    browser = TestClient(client.app)
    browser.headers["Accept-Language"] = "en"
    sign_in(browser, candidate.email, PASSWORD)
    home = browser.get("/academy")
    browser.post("/academy/enrol", data={"csrf_token": csrf_from(home.text), "language": "en",
                                         "country": "KH"})  # fmt: skip
    with transaction(app_sessions) as session:
        window_id = scheduling.windows(session, now=datetime.now(UTC))[0].id
    booked = browser.post(f"/academy/windows/{window_id}/book",
                          data={"csrf_token": csrf_from(browser.get("/academy").text)})  # fmt: skip
    assert booked.status_code == 200 and "booked" in booked.text
