"""The cycle board in real Chromium: a provider uploads evidence with a progress bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.pdca import service
from soai.registry import service as registry
from tests.identity.factories import PASSWORD, make_user
from tests.registry.factories import make_organisation, register

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_a_provider_uploads_evidence_on_the_board(
    browser: Browser,
    base_url: str,
    app_sessions: sessionmaker[Session],
    artifacts: Path,
    tmp_path: Path,
) -> None:
    bank = make_organisation(app_sessions, name="Angkor Commercial Bank")
    system = register(app_sessions, bank)
    provider = make_user(app_sessions, "provider", email="vuthy@bank.example.org")
    with transaction(app_sessions) as session:
        registry.add_member(session, organisation_id=bank.id, user_id=provider.id)
        cycle_id = service.start(session, system_id=system.id, user_id=None).id
    errors: list[str] = []
    page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/login?next=/pdca/cycles/{cycle_id}")
    page.locator("#email").fill(provider.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Retail credit scoring")
    policy = tmp_path / "ai-policy.pdf"
    policy.write_bytes(b"%PDF-1.4\n" + b"% policy text\n" * 20_000 + b"%%EOF\n")
    page.locator("#ev-title").fill("AI risk management policy")
    page.locator("#ev-file").set_input_files(str(policy))
    page.locator("#ev-controls").select_option(index=0)
    page.locator("form[data-upload-progress] button[type=submit]").click()
    expect(page.locator("#evidence")).to_contain_text("AI risk management policy", timeout=20_000)
    expect(page.locator("#evidence")).to_contain_text("sha256")
    page.screenshot(path=str(artifacts / "pdca-board-evidence.png"), full_page=False)
    assert errors == [], f"browser console errors: {errors}"
