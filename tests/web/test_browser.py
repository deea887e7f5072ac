"""The portal in a real browser: sign in, switch to Khmer, sign out; a job's live progress bar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from soai.identity.policy import Role
from tests.identity.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def new_page(browser: Browser, errors: list[str]) -> Page:
    page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    return page


def test_sign_in_switch_to_khmer_and_sign_out(
    browser: Browser, base_url: str, app_sessions: sessionmaker[Session], artifacts: Path
) -> None:
    make_user(app_sessions, Role.REGULATOR, email="dara@example.org", name="Dara Keo")
    errors: list[str] = []
    page = new_page(browser, errors)
    page.goto(base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail address").fill("dara@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".account-name")).to_have_text("Dara Keo")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="ខ្មែរ").click()
    expect(page.locator("html")).to_have_attribute("lang", "km")
    nav = page.get_by_role("navigation", name="ម៉ឺនុយមេ")
    expect(nav).to_contain_text("បញ្ជីប្រព័ន្ធ AI")
    expect(nav).to_contain_text("របាយការណ៍ប្រព័ន្ធ")  # regulators see the instance report
    # The bundled Khmer font is what the page uses.
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "soai Khmer" in family
    assert page.evaluate("document.fonts.check('16px \"soai Khmer\"', 'ក')")
    page.screenshot(path=str(artifacts / "portal-khmer-signed-in.png"), full_page=True)

    page.get_by_role("button", name="ចាកចេញ").click()
    expect(page.locator(".notice")).to_contain_text("អ្នកបានចាកចេញហើយ។")
    expect(page.get_by_role("link", name="ចូលគណនី")).to_be_visible()
    assert errors == [], f"browser console errors (CSP?): {errors}"


def test_pdf_report_job_shows_live_progress_then_a_download(
    browser: Browser, base_url: str, app_sessions: sessionmaker[Session], artifacts: Path
) -> None:
    make_user(app_sessions, Role.ADMIN, email="root@example.org")
    errors: list[str] = []
    page = new_page(browser, errors)
    page.goto(base_url + "/login?next=/instance/summary")
    page.get_by_label("E-mail address").fill("root@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Instance report")).to_be_visible()
    page.get_by_role("button", name="Make the PDF report").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    download_link = page.get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=60_000)  # htmx polls until the job ends
    with page.expect_download() as info:
        download_link.click()
    path = artifacts / "instance-summary-from-browser.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(artifacts / "job-finished.png"))
    assert errors == [], f"browser console errors: {errors}"


def test_api_docs_render_under_the_content_security_policy(
    browser: Browser, base_url: str, artifacts: Path
) -> None:
    errors: list[str] = []
    page = new_page(browser, errors)
    page.goto(base_url + "/api/docs")
    expect(page.get_by_text("/api/v1/identity/me")).to_be_visible(timeout=20_000)
    page.screenshot(path=str(artifacts / "api-docs.png"))
    assert errors == [], f"browser console errors: {errors}"
