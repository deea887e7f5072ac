"""The register in real Chromium: a provider answers the questionnaire in Khmer on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.registry import service
from tests.identity.factories import PASSWORD, make_user
from tests.registry.factories import make_organisation

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
PHONE = {"width": 390, "height": 844}


WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 8)"""


def wider(page: Page) -> list[str]:
    """The elements that stick out to the right of the viewport."""
    found: list[str] = page.evaluate(WIDER)
    return found


def test_a_provider_registers_a_system_in_khmer_on_a_phone_and_reads_why(
    browser: Browser, base_url: str, app_sessions: sessionmaker[Session], artifacts: Path
) -> None:
    bank = make_organisation(app_sessions, name="Angkor Commercial Bank")
    provider = make_user(app_sessions, "provider", email="vuthy@bank.example.org")
    with transaction(app_sessions) as session:
        service.add_member(session, organisation_id=bank.id, user_id=provider.id)
    errors: list[str] = []
    page = browser.new_page(locale="km-KH", viewport=PHONE)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base_url + "/login?next=/registry/systems/new")
    page.locator("#email").fill(provider.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("#q-annex_iii")).to_be_visible()
    page.locator("#name").fill("Retail credit scoring v3")
    page.locator("#purpose").fill("Scores applicants for personal loans from their history.")
    page.locator("#sector").select_option("finance")
    page.locator("input[name=annex_iii][value='5(b)']").check()
    page.locator("input[name=profiling][value=yes]").check()
    page.screenshot(path=str(artifacts / "registry-questionnaire-km-phone.png"), full_page=True)
    page.locator("form.questionnaire button[type=submit]").click()
    expect(page.locator(".risk-line .risk-high")).to_be_visible()
    expect(page.locator("ol.trace li")).not_to_have_count(0)
    trace = page.locator("ol.trace").inner_text()
    assert "Art. 6(2)" in trace
    assert any("\u1780" <= ch <= "\u17ff" for ch in trace), "the explanation is in Khmer"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways on a phone: {wider(page)}"
    page.screenshot(path=str(artifacts / "registry-classification-km-phone.png"), full_page=True)
    assert errors == [], f"browser console errors: {errors}"
