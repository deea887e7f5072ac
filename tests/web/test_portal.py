"""The portal shell: languages, branding from the profile, headers, health, API docs."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from soai.settings import Settings
from soai.web.app import create_app

KHMER = re.compile(r"[\u1780-\u17FF]")


def nav_labels(html: str) -> list[str]:
    nav = html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)


def test_khmer_is_chosen_from_the_browser_and_the_navigation_is_khmer(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "km-KH,km;q=0.9,en;q=0.5"})
    assert '<html lang="km"' in page.text
    labels = nav_labels(page.text)
    assert labels and all(KHMER.search(label) for label in labels)
    assert "បញ្ជីប្រព័ន្ធ AI" in labels


def test_english_browser_gets_english_and_switcher_sets_khmer(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en"' in page.text
    assert "AI register" in nav_labels(page.text)
    switched = client.get("/lang/km?next=/incidents", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/incidents"
    page = client.get("/incidents", headers={"Accept-Language": "en"})
    assert '<html lang="km"' in page.text
    assert "រាយការណ៍" in page.text  # "Report harm caused by AI", in Khmer


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get(f"/lang/en?next={target}", follow_redirects=False)
        assert response.headers["location"] == "/"


def test_unknown_language_is_ignored(client: TestClient) -> None:
    response = client.get("/lang/fr?next=/", follow_redirects=False)
    assert "soai_lang" not in response.headers.get("set-cookie", "")


def test_home_shows_the_profile_brand_and_a_babel_formatted_date(client: TestClient) -> None:
    en = client.get("/", headers={"Accept-Language": "en"}).text
    assert "Cambodia AI Safety Framework" in en
    assert "Ministry of Post and Telecommunications" in en
    assert "March 2, 2026" in en
    km = client.get("/", headers={"Accept-Language": "km"}).text
    assert "ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍" in km
    assert "មីនា" in km  # March, in Khmer


def test_parts_say_not_available_instead_of_inventing_figures(client: TestClient) -> None:
    page = client.get("/programme", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "not available" in page.text  # incidents handled in time: no figure is invented
    home = client.get("/", headers={"Accept-Language": "en"}).text
    assert "Not available yet" not in home  # every part is built


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/", "/api/v1/instance"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-frame-options"] == "DENY"
    cookie = client.get("/").headers.get("set-cookie", "")
    if cookie:
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_no_inline_script_or_style_in_pages(client: TestClient) -> None:
    page = client.get("/login").text
    assert "<style" not in page and " style=" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None


def test_static_assets_are_bundled(client: TestClient) -> None:
    for path in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/fonts/NotoSansKhmer-Regular.ttf",
        "/static/css/soai.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/brand/logo",
        "/brand.css",
    ):
        assert client.get(path).status_code == 200, path
    assert "#032EA1" in client.get("/brand.css").text


def test_api_docs_and_openapi_document(client: TestClient) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/identity/me" in spec["paths"]
    assert not any(not path.startswith("/api/v1") for path in spec["paths"])


def test_health_reports_the_database(client: TestClient, settings: Settings) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == (
        "sqlite" if settings.resolved_database_url.startswith("sqlite") else "postgresql"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_another_country_profile_rebrands_everything(settings: Settings) -> None:
    from soai.instance import service

    service.initialise(settings, "philippines")
    with TestClient(create_app(settings)) as client:
        page = client.get("/", headers={"Accept-Language": "km"}).text
        assert '<html lang="en"' in page  # the Philippine instance speaks English only
        assert "Philippine AI Safety Register" in page
        assert "Department of Information and Communications Technology" in page
        assert "Cambodia" not in page and "language-switcher" not in page
        assert "#0038A8" in client.get("/brand.css").text
        assert client.get("/api/v1/instance").json()["issuer"] == "did:web:aisafety.dict.gov.ph"
