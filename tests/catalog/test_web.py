"""Browsing and searching the catalogue in the portal and the API, in English and Khmer."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient

from soai.catalog.service import catalogue

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def english(client: TestClient) -> None:
    """Pages in English unless a test asks for Khmer (the profile's default is Khmer)."""
    client.headers["Accept-Language"] = "en"


def test_the_catalogue_page_lists_the_frameworks_and_finds_requirements(client: TestClient) -> None:
    page = client.get("/catalog")
    assert page.status_code == 200
    for short in ("EU AI Act", "ISO/IEC 42001", "NIST AI RMF"):
        assert short in page.text
    found = client.get("/catalog", params={"q": "human oversight"})
    assert "/catalog/requirements/urn:soai:eu-ai-act:art-14" in found.text
    only_iso = client.get("/catalog", params={"framework": "iso-42001", "kind": "control"})
    assert "38 requirement(s) found" in only_iso.text


def test_a_khmer_reader_searches_in_khmer_and_reads_khmer_titles(client: TestClient) -> None:
    title = catalogue().get("urn:soai:eu-ai-act:art-10").title["km"]
    page = client.get("/catalog", params={"q": title}, headers={"Accept-Language": "km"})
    assert page.status_code == 200
    assert "urn:soai:eu-ai-act:art-10" in page.text
    assert title in page.text


def test_a_requirement_page_shows_dates_on_both_timelines_and_its_crosswalks(
    client: TestClient,
) -> None:
    page = client.get("/catalog/requirements/urn:soai:eu-ai-act:art-10")
    assert page.status_code == 200
    enacted = format_date(date(2026, 8, 2), "long", locale="en")
    omnibus = format_date(date(2027, 12, 2), "long", locale="en")
    assert enacted in page.text and omnibus in page.text
    assert "(used here)" in page.text
    assert "/catalog/requirements/urn:soai:iso-42001:a-7-" in page.text
    assert client.get("/catalog/requirements/urn:soai:eu-ai-act:art-999").status_code == 404


def test_the_api_searches_and_the_oscal_catalog_downloads(client: TestClient) -> None:
    found = client.get("/api/v1/catalog/requirements", params={"q": "Art. 14"}).json()
    assert found[0]["urn"] == "urn:soai:eu-ai-act:art-14"
    one = client.get("/api/v1/catalog/requirements/urn:soai:eu-ai-act:art-14").json()
    assert one["related"], "crosswalks are part of the answer"
    frameworks = {
        f["id"]: f["requirements"] for f in client.get("/api/v1/catalog/frameworks").json()
    }
    assert frameworks["nist-ai-rmf"] == 95
    oscal = client.get("/catalog/oscal/catalog.json", params={"lang": "km"})
    assert oscal.status_code == 200
    assert "attachment" in oscal.headers["content-disposition"]
    assert len(oscal.json()["catalog"]["groups"]) == len(catalogue().frameworks)
