"""The report form as citizens meet it — on a phone, with JavaScript switched off, in Khmer —
in real Chromium against a real server; and many reports at once from many addresses, none
lost (a bounded load on loopback; the timed load is benchmarks/bench_incidents_load.py)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.incidents.models import Incident
from soai.ledger import service as ledger

pytestmark = [pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.mark.browser
def test_a_citizen_reports_from_a_phone_without_javascript(
    browser: Browser, base_url: str, artifacts: Path
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="km",
                                  viewport={"width": 390, "height": 844},
                                  extra_http_headers={"Accept-Language": "km"})  # fmt: skip
    page = context.new_page()
    page.goto(f"{base_url}/incidents/report")
    width = page.locator("body").bounding_box()
    assert width is not None and width["width"] <= 390  # nothing wider than the phone
    page.fill("#description", "កម្មវិធីឥណទានបានបដិសេធខ្ញុំ ដោយសារខេត្តដែលខ្ញុំរស់នៅ។ ខ្ញុំមិនបានទទួលការពន្យល់ទេ។")
    page.select_option("#harm", "bias")
    page.select_option("#affected", "me")
    time.sleep(2.2)  # a person takes longer than the form ticket's minimum
    page.click("form[enctype] button[type=submit]")
    text = page.locator("main").inner_text()
    assert re.search(r"INC-[2-9A-HJ-NP-Z]{6}", text)
    assert re.search("[\u1780-\u17ff]", text)
    page.click("a[href^='/incidents/track/']")
    assert "/incidents/track/INC-" in page.url
    page.screenshot(path=str(artifacts / "incident-phone.png"), full_page=True)
    context.close()


def test_many_reports_at_once_are_all_stored_and_logged(
    base_url: str, app_sessions: sessionmaker[Session], instance: object
) -> None:
    from datetime import timedelta

    from soai.db import utcnow
    from soai.identity import formtickets

    ticket = formtickets.ticket(instance.signing_secret(), utcnow() - timedelta(seconds=30),  # type: ignore[attr-defined]
                                purpose="incident")  # fmt: skip
    accepted: list[str] = []
    failures: list[int] = []
    lock = threading.Lock()

    def reporter(number: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            page = client.get("/incidents/report")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            for n in range(5):
                response = client.post("/incidents/report", headers={
                    "X-Forwarded-For": f"10.0.{number}.{n}"}, data={
                    "csrf_token": csrf.group(1), "ticket": ticket, "harm": "privacy",
                    "description": f"Reporter {number}, report {n}: my data was used without consent.",
                })  # fmt: skip
                found = re.search(r"INC-[2-9A-HJ-NP-Z]{6}", response.text)
                with lock:
                    (accepted.append(found.group(0)) if response.status_code == 200 and found
                     else failures.append(response.status_code))  # fmt: skip

    threads = [threading.Thread(target=reporter, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(set(accepted)) == 40
    with transaction(app_sessions) as session:
        stored = set(session.scalars(select(Incident.code)))
        logged = ledger.size(session)
    assert stored == set(accepted) and logged >= 40
