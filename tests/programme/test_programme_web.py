"""The public programme page (live figures, never invented; the roadmap and its Gantt chart),
milestone sign-off into the ledger, the press kit generated from live data in English and Khmer
(Markdown, HTML, PDF) with the regulator's edited quotes, and the partnership form's spam
protection with the regulator's inbox."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction, utcnow
from soai.ledger import service as ledger
from soai.programme import enquiries
from soai.settings import Settings
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import csrf_from, form_post, sign_in

KHMER = re.compile("[\u1780-\u17ff]")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_programme_page_shows_live_figures_and_says_what_is_not_available(
    client: TestClient,
) -> None:
    page = client.get("/programme", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "0 / 33" in page.text  # no council seated on an empty instance
    incidents = re.search(
        r"Incidents handled within target time \(%\)</th><td[^>]*>(.*?)</td>", page.text, re.S
    )
    assert incidents and "not available" in incidents.group(1)
    assert "Phase 3" in page.text and "duration not set" in page.text
    svg = client.get("/programme/roadmap.svg", headers={"Accept-Language": "en"})
    root = ET.fromstring(svg.text)  # noqa: S314 - our own SVG
    assert root.get("role") == "img" and "today" in svg.text
    km = client.get("/programme", headers={"Accept-Language": "km"})
    assert '<html lang="km"' in km.text and "ដំណាក់កាល" in km.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_milestone_below_target_needs_a_note_and_its_sign_off_is_in_the_ledger(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    action = "/programme/milestones/council-seated/sign-off"
    refused = form_post(client, "/programme", action, {"note": ""})
    assert (
        refused.status_code == 422 and "below the milestone&#39;s target (0 of 33)" in refused.text
    )
    signed = form_post(client, "/programme", action, {"note": "Seated by decree; agents follow."})
    assert signed.status_code == 303
    page = client.get("/programme")
    entry = re.search(r'href="/ledger/entries/(\d+)">signed', page.text)
    assert entry is not None
    with transaction(app_sessions) as session:
        body = json.loads(ledger.entry(session, position=int(entry.group(1))).body)
    assert body["type"] == "programme.milestone-signed"
    assert body["data"]["milestone"] == "council-seated" and body["data"]["value"] == 0
    assert body["data"]["by"] == regulator.email
    assert form_post(client, "/programme", action, {"note": "again"}).status_code == 409
    analyst = make_user(app_sessions, "analyst")
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(client, analyst.email, PASSWORD)
    assert form_post(client, "/programme", "/programme/milestones/ai-landscape-assessed/sign-off",
                     {"note": "x"}).status_code == 403  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_press_kit_is_generated_in_both_languages_with_the_edited_quotes(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    client.headers["Accept-Language"] = "en"
    kit = client.get("/programme/press")
    assert kit.status_code == 200 and "draft: to be edited by the regulator" in kit.text
    md = client.get("/programme/press/release.en.md").text
    assert "500,250" in md and "£1,000,000,000" in md and "£1,999" in md
    assert "None" not in md and "not yet available" in md  # no giveaway round yet
    km = client.get("/programme/press/release.km.md").text
    assert KHMER.search(km) and "500,250" in km
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    edited = form_post(client, "/programme/press", "/programme/press/quotes/new-generation", {
        "text_en": "Seats for everyone <script>alert(1)</script>",
        "text_km": "កៅអីសម្រាប់គ្រប់គ្នា", "attribution_en": "H.E. the Minister",
        "attribution_km": "ឯកឧត្តមរដ្ឋមន្ត្រី"})  # fmt: skip
    assert edited.status_code == 303
    missing = form_post(client, "/programme/press", "/programme/press/quotes/new-generation", {
        "text_en": "x", "text_km": "", "attribution_en": "a", "attribution_km": "b"})  # fmt: skip
    assert missing.status_code == 422 and "text_km" in missing.text
    html = client.get("/programme/press/release.en.html").text
    assert "H.E. the Minister" in html and "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    pdf = client.get("/programme/press/release.en.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "500,250" in text and "H.E. the Minister" in text
    km_pdf = PdfReader(io.BytesIO(client.get("/programme/press/release.km.pdf").content))
    fonts = {str(font["/BaseFont"]) for page in km_pdf.pages
             for font in page["/Resources"]["/Font"].values()}  # fmt: skip
    assert any("Khmer" in name for name in fonts)  # the Khmer text is set in the bundled font
    assert client.get("/programme/press/release.fr.pdf").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_partnership_enquiry_reaches_the_inbox_and_robots_are_kept_out(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    client.headers["Accept-Language"] = "en"
    secret = instance.signing_secret()
    aged = enquiries.ticket(secret, utcnow() - timedelta(seconds=30))
    enquiry = {"name": "Sok Dara", "organisation": "Royal University of Phnom Penh",
               "email": "dara@rupp.example.org", "kind": "academia",
               "message": "We would like to deliver CEASAI courses.", "website": ""}  # fmt: skip
    fast = form_post(
        client,
        "/programme",
        "/programme/partner",
        {**enquiry, "ticket": enquiries.ticket(secret, utcnow())},
    )
    assert fast.status_code == 422 and "too quickly" in fast.text
    forged = form_post(
        client, "/programme", "/programme/partner", {**enquiry, "ticket": "1700000000.00"}
    )
    assert forged.status_code == 422 and "not served by this site" in forged.text
    robot = form_post(
        client,
        "/programme",
        "/programme/partner",
        {**enquiry, "ticket": aged, "website": "http://spam"},
    )
    assert robot.status_code == 422
    links = form_post(client, "/programme", "/programme/partner", {
        **enquiry, "ticket": aged, "message": "see http://a http://b http://c http://d"})  # fmt: skip
    assert links.status_code == 422 and "at most 3 links" in links.text
    sent = form_post(client, "/programme", "/programme/partner", {**enquiry, "ticket": aged})
    assert sent.status_code == 200 and "your enquiry reached the regulator" in sent.text
    for _ in range(2):
        form_post(client, "/programme", "/programme/partner", {**enquiry, "ticket": aged})
    flood = form_post(client, "/programme", "/programme/partner", {**enquiry, "ticket": aged})
    assert flood.status_code == 429
    provider = make_user(app_sessions, "provider")
    sign_in(client, provider.email, PASSWORD)
    assert client.get("/programme/enquiries").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    inbox = client.get("/programme/enquiries")
    assert (
        inbox.text.count("Royal University of Phnom Penh") == 3 and "Mark as handled" in inbox.text
    )
    first = re.search(r"/programme/enquiries/(\d+)/handled", inbox.text).group(1)  # type: ignore[union-attr]
    assert (
        form_post(
            client, "/programme/enquiries", f"/programme/enquiries/{first}/handled", {}
        ).status_code
        == 303
    )
    assert "Handled on" in client.get("/programme/enquiries").text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_key_figures_follow_the_register_and_the_cycles(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    from sqlalchemy import select

    from soai.instance import demo
    from soai.pdca import service as pdca
    from soai.profiles import service as profiles
    from soai.registry.models import AISystem, Organisation

    def figure(label: str) -> str:
        page = client.get("/programme", headers={"Accept-Language": "en"}).text
        found = re.search(re.escape(label) + r"</th><td[^>]*>(.*?)</td>", page, re.S)
        assert found, label
        return found.group(1).strip()

    assert figure("AI systems registered") == "0"
    assert figure("Registered systems classified (%)").endswith("not available</span>")
    with transaction(app_sessions, write=True) as session:
        added = demo.seed_register(session, profiles.instance_profile(instance.home.resolve()))
        public = session.scalar(select(AISystem).join(Organisation).where(
            Organisation.kind == "public_body"))  # fmt: skip
        assert public is not None
        pdca.start(session, system_id=public.id, user_id=None)
    assert figure("AI systems registered") == str(added)
    assert figure("Registered systems classified (%)") == "100"
    assert figure("Sectors with a SOAI-PDCA cycle") == "1"
    assert figure("Ministries and public bodies with a SOAI-PDCA cycle") == "1"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_figures_and_the_roadmap_as_json(client: TestClient) -> None:
    figures = client.get("/api/v1/programme/figures").json()
    assert figures["council_size"] == 33 and figures["council_seated"] == 0
    assert figures["incidents_in_time"] is None  # nothing decided: no figure, not 0
    roadmap = client.get("/api/v1/programme/roadmap").json()
    assert [p["months"] for p in roadmap["phases"]] == [3, 6, None, None]
    assert roadmap["phases"][0]["start"] == "2026-03-02" and roadmap["phases"][3]["start"] is None
    stats = client.get("/api/v1/incidents/statistics").json()
    assert stats["total"] == 0 and stats["in_time_percent"] is None
    assert client.get("/api/v1/incidents/outcomes").json() == []
