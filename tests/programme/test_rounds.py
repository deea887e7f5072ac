"""Stored giveaway rounds: the seed committed before applications, applications by form and by
file (all or nothing), the file's digest logged at closing, a draw whose digest anyone re-runs
from the exported file with the command line — identical on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.errors import Conflict, InvalidInput
from soai.ledger import service as ledger
from soai.programme import drawing, giveaway, rounds
from soai.programme.applications import COLUMNS, ApplicationErrors
from soai.programme.models import GiveawayApplication

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KHMER = "ស៊ុន ស្រីល័ក្ខ"


def applications_file(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        out.writerows(rows)
    return path


def people(n: int, start: int = 0) -> list[tuple[str, ...]]:
    countries = ("KH", "KH", "TH", "VN", "GB")
    return [
        (f"GA-{i:05d}", f"Applicant {i}" if i % 7 else KHMER + f" {i}",
         f"{1970 + i % 30}-0{1 + i % 9}-1{i % 9}", countries[i % 5], f"p{i}@example.org",
         f"N{i:07d}" if i % 3 else "")
        for i in range(start, start + n)
    ]  # fmt: skip


def open_round(session: Session, seats: int = 10, quotas: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
    return rounds.open_round(session, name="Giveaway 2027", seats=seats, quotas=quotas or {},
                             closes_at=NOW + timedelta(days=30), offer_days=14, now=NOW)  # fmt: skip


def test_a_round_is_drawn_with_the_committed_seed_and_anyone_can_re_run_it(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(sessions, write=True) as session:
        record, seed = open_round(session, seats=12, quotas={"KH": 5})
        round_id = record.id
        committed = json.loads(ledger.entry(session, position=record.commitment_entry).body)
        assert (
            committed["data"]["seed_commitment"] == hashlib.sha256(bytes.fromhex(seed)).hexdigest()
        )
        assert seed not in json.dumps(committed)  # only the commitment before the draw
    rows = people(40)
    rows.append(
        ("GA-99999", "  APPLICANT 1 ", rows[1][2], "KH", "P1@example.org", "")
    )  # re-submission
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        assert (
            rounds.import_file(
                session, record=record, path=applications_file(tmp_path / "a.csv", rows), now=NOW
            )
            == 41
        )
        form = rounds.apply(session, record=record, full_name="Chan Sophea",
                            date_of_birth="1990-05-01", country="kh", email="chan@example.org",
                            document_number="", language="km", now=NOW)  # fmt: skip
        assert form.application_id.startswith("W") and form.country == "KH"
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        with pytest.raises(Conflict, match="already in this round"):
            rounds.apply(session, record=record, full_name="chan  SOPHEA",
                         date_of_birth="1990-05-01", country="KH", email="CHAN@example.org",
                         document_number="", language="km", now=NOW)  # fmt: skip
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        rounds.close_round(session, record=record, now=NOW + timedelta(days=31))
        exported = io.StringIO()
        rounds.write_applications(session, record, exported)
        assert (
            record.applications_sha256 == hashlib.sha256(exported.getvalue().encode()).hexdigest()
        )
        assert "N0000001" not in exported.getvalue()  # document numbers only as hashes
        with pytest.raises(Conflict, match="closed"):
            rounds.apply(session, record=record, full_name="Late", date_of_birth="1990-05-01",
                         country="KH", email="late@example.org", document_number="",
                         language="en", now=NOW + timedelta(days=31))  # fmt: skip
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        with pytest.raises(InvalidInput, match="not the seed committed"):
            drawing.draw(session, record=record, seed_hex="00" * 32, now=NOW + timedelta(days=32))
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        summary = drawing.draw(session, record=record, seed_hex=seed, now=NOW + timedelta(days=32))
        assert summary["applications"] == 42 and summary["duplicates"] == 1
        assert summary["allocated"] == 12 and summary["by_country"]["KH"]["reserved_filled"] == 5
        offered = session.scalars(select(GiveawayApplication).where(
            GiveawayApplication.seat == "offered")).all()  # fmt: skip
        assert len(offered) == 12 and all(a.status == "allocated" for a in offered)
        digest = record.allocation_digest
    # Anyone re-runs the command on the published file with the revealed seed.
    path = tmp_path / "published.csv"
    path.write_text(exported.getvalue(), encoding="utf-8")
    rerun = giveaway.allocate(giveaway.read_applications(path), seats=12,
                              seed=bytes.fromhex(seed), quotas={"KH": 5})  # fmt: skip
    assert rerun.digest == digest
    # The original file (with document numbers in the clear) gives the same digest too.
    original = applications_file(
        tmp_path / "original.csv",
        [*rows, (form.application_id, "Chan Sophea", "1990-05-01", "KH", "chan@example.org", "")],
    )
    assert giveaway.allocate(giveaway.read_applications(original), seats=12,
                             seed=bytes.fromhex(seed), quotas={"KH": 5}).digest == digest  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_bad_import_stores_nothing_and_names_every_row(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(sessions, write=True) as session:
        record, _ = open_round(session)
        round_id = record.id
        rounds.import_file(
            session, record=record, path=applications_file(tmp_path / "a.csv", people(5)), now=NOW
        )
    rows = people(5, start=5)
    rows[1] = (rows[1][0], rows[1][1], "1990-02-30", *rows[1][3:])
    rows[3] = ("GA-00002", *rows[3][1:])  # already in the round
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        with pytest.raises(ApplicationErrors) as bad:
            rounds.import_file(
                session, record=record, path=applications_file(tmp_path / "b.csv", rows), now=NOW
            )
        assert "row 3, column date_of_birth" in bad.value.render()
    fixed = [rows[0], rows[2], rows[4], ("GA-00002", *rows[3][1:])]
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        with pytest.raises(ApplicationErrors) as clash:
            rounds.import_file(
                session, record=record, path=applications_file(tmp_path / "c.csv", fixed), now=NOW
            )
        assert (
            "row 5, column application_id: this application_id is already in the round"
            in clash.value.render()
        )
    with transaction(sessions) as session:
        assert rounds.counts(session, rounds.get_round(session, round_id)) == {"applied": 5}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_form_says_which_field_is_wrong_and_one_round_runs_at_a_time(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions, write=True) as session:
        record, _ = open_round(session)
        for field, change, message in [
            ("date_of_birth", {"date_of_birth": "27/11/1990"}, "YYYY-MM-DD"),
            ("country", {"country": "Cambodia"}, "two-letter code"),
            ("email", {"email": "no-at-sign"}, "e-mail address"),
            ("full_name", {"full_name": "  "}, "full name"),
        ]:
            values = {
                "full_name": "Chan Sophea",
                "date_of_birth": "1990-05-01",
                "country": "KH",
                "email": "chan@example.org",
                "document_number": "",
            }
            values.update(change)
            with pytest.raises(InvalidInput, match=message) as bad:
                rounds.apply(session, record=record, language="en", now=NOW, **values)
            assert bad.value.field == field
        with pytest.raises(Conflict, match="still open"):
            open_round(session)
        with pytest.raises(InvalidInput, match="does not add up"):
            rounds.open_round(session, name="x", seats=3, quotas={"KH": 4},
                              closes_at=NOW + timedelta(days=1), offer_days=14, now=NOW)  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_eligibility_and_spreadsheet_safety_of_a_round(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with transaction(sessions, write=True) as session:
        record, seed = rounds.open_round(session, name="Adults", seats=5, quotas={},
                                         closes_at=datetime(2027, 3, 1, 16, 59, tzinfo=UTC),
                                         offer_days=14, now=NOW, min_age=18)  # fmt: skip
        round_id = record.id
        with pytest.raises(InvalidInput, match="at least 18 years old on 2027-03-01") as young:
            rounds.apply(session, record=record, full_name="Too Young", date_of_birth="2009-03-02",
                         country="KH", email="young@example.org", document_number="",
                         language="en", now=NOW)  # fmt: skip
        assert young.value.field == "date_of_birth"
        rounds.apply(session, record=record, full_name="Just Eighteen", date_of_birth="2009-03-01",
                     country="KH", email="adult@example.org", document_number="", language="en",
                     now=NOW)  # fmt: skip
    rows = [("F1", "=HYPERLINK(\"http://x\")", "1990-01-01", "KH", "+1@example.org", ""),
            ("F2", "Child", "2015-01-01", "KH", "c@example.org", ""),
            ("=cmd|' /C calc'!A0", "Sok", "1990-01-01", "KH", "s@example.org", "")]  # fmt: skip
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        with pytest.raises(ApplicationErrors) as bad:
            rounds.import_file(
                session, record=record, path=applications_file(tmp_path / "a.csv", rows), now=NOW
            )
        assert "row 3, column date_of_birth: younger than 18" in bad.value.render()
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        with pytest.raises(ApplicationErrors, match="1 problem"):
            rounds.import_file(
                session,
                record=record,
                path=applications_file(tmp_path / "b.csv", [rows[0], rows[2]]),
                now=NOW,
            )
    with transaction(sessions, write=True) as session:
        record = rounds.get_round(session, round_id)
        rounds.import_file(
            session, record=record, path=applications_file(tmp_path / "c.csv", rows[:1]), now=NOW
        )
        rounds.close_round(session, record=record, now=NOW)
        summary = drawing.draw(session, record=record, seed_hex=seed, now=NOW)
        exported = io.StringIO()
        rounds.write_applications(session, record, exported)
    lines = exported.getvalue().splitlines()
    assert "'=HYPERLINK" in lines[2] and ",'+1@example.org," in lines[2]  # escaped for spreadsheets
    path = tmp_path / "exported.csv"
    path.write_text(exported.getvalue(), encoding="utf-8")
    rerun = giveaway.allocate(giveaway.read_applications(path), seats=5, seed=bytes.fromhex(seed))
    assert rerun.digest == summary["allocation_digest"]
