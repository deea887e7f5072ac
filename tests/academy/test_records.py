"""After the exam: the committee's item analysis of a window, accommodations, a candidate's
data exported and erased (credentials stay verifiable), and CPD hours towards renewal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from soai.academy import records, service
from soai.credentials import service as credentials
from soai.db import transaction
from soai.errors import Conflict, InvalidInput
from soai.settings import Settings
from tests.academy.itemfiles import write_bank
from tests.identity.factories import make_user

BANK = {"foundations": 40, "law": 40, "development": 40, "deployment": 40, "council": 30}
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_window_is_analysed_and_a_candidate_erased_keeps_the_statistics(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    bank = service.bank_of(write_bank(tmp_path / "bank", BANK, pretest={"law": 10}))
    rng = np.random.default_rng(3)
    users = [make_user(sessions, "candidate") for _ in range(30)]
    with transaction(sessions, write=True) as session:
        people = []
        for n, user in enumerate(users):
            candidate = service.enrol(session, user_id=user.id, language="en")
            attempt = service.start(session, candidate=candidate, tier_id="watchdog",
                                    now=NOW, bank=bank)  # fmt: skip
            ability = n / 30
            for position, (item_id, order) in enumerate(
                zip(attempt.form["items"], attempt.form["options"], strict=True)
            ):
                right = order.index(bank.items[bank.index[item_id]].key)
                option = right if rng.random() < 0.3 + 0.6 * ability else (right + 1) % 4
                service.save(session, attempt=attempt, position=position, option=option,
                             flagged=False, tab=attempt.tab, now=NOW, bank=bank)  # fmt: skip
            service.submit(session, attempt=attempt, now=NOW + timedelta(minutes=30), bank=bank)
            people.append(candidate)
        report = records.window_analysis(session, tier="watchdog", bank=bank)
    assert report["candidates"] == 30
    assert report["reliability"]["coefficient"] > 0.5, "answers follow ability"
    assert all(0 <= item["facility"] <= 1 for item in report["items"])
    with transaction(sessions, write=True) as session:
        first = session.merge(people[0])
        with pytest.raises(InvalidInput, match="0 to 240 minutes"):
            records.accommodate(session, candidate=first, extra_minutes=500)
        records.accommodate(session, candidate=first, extra_minutes=30)
        exported = records.export(session, candidate=first)
        assert exported["candidate"]["extra_minutes"] == 30 and len(exported["attempts"]) == 1
        json.dumps(exported)
        records.erase(session, candidate=first, now=NOW)
        assert first.user_id is None and first.national_id_hash is None
        with pytest.raises(Conflict, match="already erased"):
            records.erase(session, candidate=first, now=NOW)
        again = records.window_analysis(session, tier="watchdog", bank=bank)
    assert again["candidates"] == 30, "erasure keeps the anonymous statistics"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cpd_hours_count_towards_renewal_from_the_pass(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    bank = service.bank_of(write_bank(tmp_path / "bank", BANK))
    user = make_user(sessions, "candidate")
    with transaction(sessions, write=True) as session:
        candidate = service.enrol(session, user_id=user.id, language="km")
        attempt = service.start(
            session, candidate=candidate, tier_id="watchdog", now=NOW, bank=bank
        )
        for position, (item_id, order) in enumerate(
            zip(attempt.form["items"], attempt.form["options"], strict=True)
        ):
            service.save(session, attempt=attempt, position=position,
                         option=order.index(bank.items[bank.index[item_id]].key),
                         flagged=False, tab=attempt.tab, now=NOW, bank=bank)  # fmt: skip
        service.submit(session, attempt=attempt, now=NOW + timedelta(minutes=40), bank=bank)
        assert attempt.passed and attempt.scaled_score == 500
        with pytest.raises(InvalidInput, match="more than 0"):
            records.record_cpd(session, candidate=candidate, tier="watchdog", hours=0,
                               activity="x", done_on=NOW)  # fmt: skip
        records.record_cpd(session, candidate=candidate, tier="watchdog", hours=6,
                           activity="Workshop on fairness testing", done_on=NOW + timedelta(days=30))  # fmt: skip
        due = records.renewal_due(session, candidate=candidate, tier="watchdog")
        assert (due["hours"], due["needed"], due["eligible"]) == (6, 10, False)
        records.record_cpd(session, candidate=candidate, tier="watchdog", hours=4,
                           activity="Council session observer", done_on=NOW + timedelta(days=60))  # fmt: skip
        assert records.renewal_due(session, candidate=candidate, tier="watchdog")["eligible"]
        issuer = credentials.issuer_for(instance)
        with pytest.raises(Conflict, match="expired on 2027-11-27"):
            records.renew(session, candidate=candidate, tier="watchdog", email=user.email,
                          issuer=issuer, now=NOW + timedelta(days=400))  # fmt: skip
        renewed = records.renew(session, candidate=candidate, tier="watchdog", email=user.email,
                                issuer=issuer, now=NOW + timedelta(days=90))  # fmt: skip
        assert renewed.valid_until.year == 2028, "one more year from the old expiry"
        assert renewed.credential_id.startswith("urn:uuid:")
        with pytest.raises(Conflict, match="needs 10 CPD hours; 0 are recorded"):
            records.renew(session, candidate=candidate, tier="watchdog", email=user.email,
                          issuer=issuer, now=NOW + timedelta(days=91))  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_committee_reads_the_item_analysis_in_the_portal(
    client: Any, app_sessions: Any
) -> None:
    from tests.identity.factories import PASSWORD
    from tests.web_client import sign_in

    regulator = make_user(app_sessions, "regulator")
    client.headers["Accept-Language"] = "en"
    sign_in(client, regulator.email, PASSWORD)
    empty = client.get("/academy/analysis?tier=watchdog")
    assert empty.status_code == 200 and "No submitted watchdog attempt to analyse." in empty.text
    candidate = make_user(app_sessions, "candidate")
    bank = service.bank_of(None)
    with transaction(app_sessions, write=True) as session:
        person = service.enrol(session, user_id=candidate.id, language="en")
        attempt = service.start(session, candidate=person, tier_id="watchdog", now=NOW, bank=bank)
        service.save(session, attempt=attempt, position=0, option=0, flagged=False,
                     tab=attempt.tab, now=NOW, bank=bank)  # fmt: skip
        service.submit(session, attempt=attempt, now=NOW + timedelta(minutes=5), bank=bank)
    page = client.get("/academy/analysis?tier=watchdog")
    assert "1 candidates." in page.text and attempt.form["items"][0] in page.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_analyst_logs_cpd_hours_and_renews_in_the_portal(client: Any, app_sessions: Any) -> None:
    from tests.identity.factories import PASSWORD
    from tests.web_client import csrf_from, sign_in

    analyst = make_user(app_sessions, "candidate")
    bank = service.bank_of(None)
    now = datetime.now(UTC)
    with transaction(app_sessions, write=True) as session:
        person = service.enrol(session, user_id=analyst.id, language="en")
        attempt = service.start(session, candidate=person, tier_id="watchdog", now=now, bank=bank)
        for position, (item_id, order) in enumerate(
            zip(attempt.form["items"], attempt.form["options"], strict=True)
        ):
            service.save(session, attempt=attempt, position=position,
                         option=order.index(bank.items[bank.index[item_id]].key),
                         flagged=False, tab=attempt.tab, now=now, bank=bank)  # fmt: skip
        service.submit(session, attempt=attempt, now=now, bank=bank)
    client.headers["Accept-Language"] = "en"
    sign_in(client, analyst.email, PASSWORD)
    page = client.get("/academy")
    assert "0 of 10 CPD hours" in page.text
    logged = client.post("/academy/cpd", data={
        "csrf_token": csrf_from(page.text), "tier": "watchdog", "hours": "10",
        "activity": "Fairness testing workshop", "done_on": (now + timedelta(days=1)).date().isoformat()})  # fmt: skip
    assert "10 of 10 CPD hours" in logged.text and "Renew the certificate" in logged.text
    renewed = client.post(
        "/academy/renew", data={"csrf_token": csrf_from(logged.text), "tier": "watchdog"}
    )
    assert renewed.status_code == 200 and "0 of 10 CPD hours" in renewed.text, "a new term starts"
