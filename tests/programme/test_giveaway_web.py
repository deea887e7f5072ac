"""The giveaway in the portal, as its users meet it: the regulator opens a round (the seed shown
once), people apply on the public form without an account, a bulk file with a bad row stores
nothing, the draw refuses a wrong seed, a winner accepts through the secret link (an account and
an academy enrolment), and the funnel counts them."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.programme import rounds
from soai.programme.applications import COLUMNS
from soai.settings import Settings
from tests.assurance.test_runs import wait_for
from tests.identity.factories import PASSWORD, make_user
from tests.web_client import csrf_from, form_post, sign_in


def bulk(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_giveaway_from_opening_to_an_accepted_seat(
    client: TestClient, app_sessions: sessionmaker[Session], instance: Settings
) -> None:
    client.headers["Accept-Language"] = "en"
    public = client.get("/programme/giveaway")
    assert "No round is open yet" in public.text and "Run the giveaway" not in public.text
    regulator = make_user(app_sessions, "regulator")
    sign_in(client, regulator.email, PASSWORD)
    closes = (date.today() + timedelta(days=20)).isoformat()
    opened = form_post(client, "/programme/giveaway", "/programme/giveaway/open",
                       {"name": "First round", "closes": closes})  # fmt: skip
    assert opened.status_code == 200 and "shown once" in opened.text
    seed = re.search(r"<code>([0-9a-f]{64})</code>", opened.text).group(1)  # type: ignore[union-attr]
    assert "500,250" in opened.text and "Seed commitment" in opened.text

    page = client.get("/programme/giveaway")
    bad = bulk([("B1", "Dara Ny", "1990-01-01", "KH", "dara@example.org", ""),
                ("B2", "Sok Chan", "1990-13-01", "KH", "sok@example.org", "")])  # fmt: skip
    refused = client.post("/programme/giveaway/import", data={"csrf_token": csrf_from(page.text)},
                          files={"file": ("apps.csv", bad, "text/csv")}, follow_redirects=False)  # fmt: skip
    job = wait_for(app_sessions, refused.headers["location"].rsplit("/", 1)[1])
    assert job.status == "failed" and "row 3, column date_of_birth" in job.error
    good = bulk([(f"B{n}", f"Person {n}", "1990-01-01", "KH" if n % 2 else "TH",
                  f"p{n}@example.org", "") for n in range(1, 6)])  # fmt: skip
    imported = client.post("/programme/giveaway/import", data={"csrf_token": csrf_from(page.text)},
                           files={"file": ("apps.csv", good, "text/csv")}, follow_redirects=False)  # fmt: skip
    job_url = imported.headers["location"]
    assert wait_for(app_sessions, job_url.rsplit("/", 1)[1]).status == "succeeded"
    assert "5 applications imported" in client.get(job_url).text
    assert not list((instance.home / "uploads" / "giveaway").glob("*"))  # uploads removed
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})

    # A member of the public applies in Khmer, without an account.
    from datetime import timedelta as delta

    from soai.db import utcnow
    from soai.identity import formtickets

    aged = formtickets.ticket(
        instance.signing_secret(), utcnow() - delta(seconds=30), purpose="giveaway"
    )
    form = {"full_name": "ចាន់ សុភា", "date_of_birth": "1995-04-13", "country": "KH",
            "email": "sophea@example.org", "document_number": "N 0123-456", "ticket": aged}  # fmt: skip
    fast = form_post(client, "/programme/giveaway", "/programme/giveaway/apply", {
        **form, "ticket": formtickets.ticket(instance.signing_secret(), utcnow(), purpose="giveaway")})  # fmt: skip
    assert fast.status_code == 422 and "too quickly" in fast.text
    receipt = form_post(client, "/programme/giveaway", "/programme/giveaway/apply", form)
    assert receipt.status_code == 200 and "/programme/seat/" in receipt.text
    link = re.search(r'href="(/programme/seat/[0-9]+-[0-9a-f]{32})"', receipt.text).group(1)  # type: ignore[union-attr]
    again = form_post(client, "/programme/giveaway", "/programme/giveaway/apply",
                      {**form, "document_number": "n0123456"})  # fmt: skip
    assert again.status_code == 409 and "already in this round" in again.text
    wrong = form_post(client, "/programme/giveaway", "/programme/giveaway/apply",
                      {**form, "email": "x@example.org", "date_of_birth": "13/04/1995"})  # fmt: skip
    assert wrong.status_code == 422 and "field-invalid" in wrong.text
    assert 'value="ចាន់ សុភា"' in wrong.text  # what was typed is kept
    mine = client.get(link, headers={"Accept-Language": "en"})
    assert "Not drawn yet" in mine.text
    guessed = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
    assert client.get(guessed).status_code == 404

    sign_in(client, regulator.email, PASSWORD)
    # Applications close (the date is moved for the test) and the draw needs the seed.
    with transaction(app_sessions, write=True) as session:
        record = rounds.current_round(session)
        assert record is not None
        record.seats = 6
    closed = form_post(client, "/programme/giveaway", "/programme/giveaway/close", {})
    assert closed.status_code == 303
    wrong_seed = form_post(
        client, "/programme/giveaway", "/programme/giveaway/draw", {"seed": "ab" * 32}
    )
    assert wrong_seed.status_code == 422 and "not the seed committed" in wrong_seed.text
    drawn = form_post(client, "/programme/giveaway", "/programme/giveaway/draw", {"seed": seed})
    assert drawn.status_code == 303
    assert wait_for(app_sessions, drawn.headers["location"].rsplit("/", 1)[1]).status == "succeeded"
    summary = client.get("/programme/giveaway")
    assert "Allocation digest" in summary.text and seed in summary.text
    assert "Funnel by country" in summary.text
    exported = client.get("/programme/giveaway/applications.csv")
    assert (
        exported.text.splitlines()[0] == ",".join(COLUMNS) and len(exported.text.splitlines()) == 7
    )
    followed = form_post(client, "/programme/giveaway", "/programme/giveaway/follow-up", {})
    assert "E-mail is not configured" in followed.text
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})

    # The receipt's link only shows the offer; the e-mailed answer link accepts it.
    offer = client.get(link, headers={"Accept-Language": "en"})
    assert "Offered to you until" in offer.text and "open the link in the e-mail" in offer.text
    refused = form_post(client, "/login", link + "/accept", {"password": "a long enough password"})
    assert refused.status_code == 422 and "Use the link in the e-mail" in refused.text
    from sqlalchemy import select

    from soai.programme import seats
    from soai.programme.models import GiveawayApplication

    with transaction(app_sessions) as session:
        mine = session.scalar(select(GiveawayApplication).where(
            GiveawayApplication.email == "sophea@example.org"))  # fmt: skip
        answer = "/programme/seat/" + seats.link_of(instance.signing_secret(), mine, answer=True)  # type: ignore[arg-type]
    accepted = form_post(client, answer, answer + "/accept", {"password": "a long enough password"})
    assert accepted.status_code == 303
    assert (
        "you are enrolled in the CEASAI academy"
        in client.get(link, headers={"Accept-Language": "en"}).text
    )
    sign_in(client, "sophea@example.org", "a long enough password")
    assert "Your studies" in client.get("/academy", headers={"Accept-Language": "en"}).text
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    sign_in(client, regulator.email, PASSWORD)
    funnel = client.get("/programme/giveaway", headers={"Accept-Language": "en"}).text
    total = re.search(r"All countries</th>(.*?)</tr>", funnel, re.S).group(1)  # type: ignore[union-attr]
    cells = re.findall(r'class="num">([^<]*)<', total)
    assert cells[:5] == ["6", "6", "6", "1", "0"]  # applied, allocated, offered, accepted, examined
    assert cells[-1] == "£1,999"  # the value of the one seat taken


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_only_the_regulator_runs_the_giveaway(
    client: TestClient, app_sessions: sessionmaker[Session]
) -> None:
    provider = make_user(app_sessions, "provider")
    sign_in(client, provider.email, PASSWORD)
    page = client.get("/programme/giveaway")
    assert "Run the giveaway" not in page.text
    refused = client.post("/programme/giveaway/open", data={
        "name": "x", "closes": "2030-01-01", "csrf_token": csrf_from(page.text)})  # fmt: skip
    assert refused.status_code == 403
    assert client.get("/programme/giveaway/applications.csv").status_code == 403
