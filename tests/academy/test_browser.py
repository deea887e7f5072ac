"""An exam in real Chromium: the candidate answers with the keyboard, the page autosaves in
the background, the tab is closed and reopened, and nothing is lost (shipped item bank)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.academy.models import Answer
from soai.db import transaction
from tests.identity.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_answers_autosave_and_survive_a_closed_tab(
    browser: Browser, base_url: str, app_sessions: sessionmaker[Session], artifacts: Path
) -> None:
    candidate = make_user(app_sessions, "candidate")
    errors: list[str] = []
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base_url}/login?next=/academy")
    page.locator("#email").fill(candidate.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#language").select_option("en")
    page.get_by_role("button", name="Register").click()
    page.locator("#tier").select_option("watchdog")
    page.get_by_role("button", name="Start the exam").click()
    expect(page.locator(".exam-bar")).to_contain_text("Question 1 of 50")
    page.locator("#option-0").focus()
    page.keyboard.press("ArrowDown")  # the keyboard moves to option B, which autosaves
    expect(page.locator("[data-save-status]")).to_have_text("✓", timeout=10_000)
    page.screenshot(path=str(artifacts / "academy-exam.png"), full_page=False)
    url = page.url
    page.close()  # the tab is closed without pressing anything
    again = context.new_page()
    again.goto(url.split("?")[0])
    expect(again.locator("#option-1")).to_be_checked()
    with transaction(app_sessions) as session:
        saved = session.scalars(select(Answer)).all()
        assert [(a.position, a.option) for a in saved] == [(0, 1)]
    assert errors == [], f"browser console errors: {errors}"
