"""`soai incidents overdue` as cron runs it: the overdue reports, and one portal notice per
report and time limit to whoever must act."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.incidents import intake
from soai.incidents.models import Incident, Notice
from soai.settings import Settings
from tests.identity.factories import make_user
from tests.ledger.test_cli import run


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_overdue_reports_are_listed_and_their_people_reminded_once(
    instance: Settings, sessions: sessionmaker[Session]
) -> None:
    regulator = make_user(sessions, "regulator")
    now = utcnow()
    with transaction(sessions, write=True) as session:
        for n, late in enumerate((True, False)):
            incident = intake.receive(
                session, home=instance.home, secret=b"s" * 32, address=f"10.0.0.{n}",
                form={"description": "An automated decision refused my claim without reason.",
                      "harm": "denial"},
                uploads=[], language="en", now=now - timedelta(days=5 if late else 0),
                source="provider",
            )  # fmt: skip
            assert incident.due_at is not None
        late_code = session.scalars(select(Incident.code).order_by(Incident.created_at)).first()
    listed = run(instance, "incidents", "overdue", "--json")
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert [r["reference"] for r in found["overdue"]] == [late_code] and found["notices"] == 0
    for _ in range(2):
        reminded = run(instance, "incidents", "overdue", "--notify", "--json")
        assert reminded.returncode == 0, reminded.stderr
    with transaction(sessions) as session:
        notices = session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == regulator.id))  # fmt: skip
    assert notices == 1  # once, not once per run
