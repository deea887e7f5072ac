"""The giveaway lottery: checked input, re-submissions set aside, a reproducible draw whose
digest anyone can recompute, quotas and their overflow, CSV-injection-safe results, the CLI."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from soai.errors import InvalidInput
from soai.programme import giveaway
from soai.programme.applications import COLUMNS, ApplicationErrors
from soai.programme.cli import giveaway_app
from soai.programme.resubmissions import name_key

SEED = bytes(range(32))
HEADER = ",".join(COLUMNS)
KHMER = "ស៊ុន ស្រីល័ក្ខ"


def write(tmp_path: Path, rows: list[tuple[str, ...]], name: str = "applications.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        out.writerows(rows)
    return path


def person(n: int, country: str = "KH", **change: str) -> tuple[str, ...]:
    row = {
        "application_id": f"GA-{n:05d}", "full_name": f"Applicant {n}",
        "date_of_birth": f"{1960 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "country": country, "email": f"a{n}@example.org", "document_number": f"D{n:07d}",
    }  # fmt: skip
    row.update(change)
    return tuple(row[c] for c in COLUMNS)


def crowd(tmp_path: Path, kh: int, others: int) -> Path:
    rows = [person(n, "KH") for n in range(kh)]
    rows += [person(kh + n, ("TH", "VN", "GB")[n % 3]) for n in range(others)]
    return write(tmp_path, rows)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ApplicationErrors) as caught:
        giveaway.read_applications(path)
    return [problem.render() for problem in caught.value.problems]


# --- reproducible draw ------------------------------------------------------------------------


def test_same_input_and_seed_same_digest_another_seed_another(tmp_path: Path) -> None:
    path = crowd(tmp_path, 40, 60)
    first = giveaway.allocate(giveaway.read_applications(path), seats=30, seed=SEED)
    again = giveaway.allocate(giveaway.read_applications(path), seats=30, seed=SEED)
    other = giveaway.allocate(giveaway.read_applications(path), seats=30, seed=SEED[::-1])
    assert first.digest == again.digest and first.rank.tolist() == again.rank.tolist()
    assert other.digest != first.digest
    assert first.seed_commitment == hashlib.sha256(SEED).hexdigest()


def test_tickets_and_digest_are_what_the_docstring_says(tmp_path: Path) -> None:
    apps = giveaway.read_applications(crowd(tmp_path, 10, 15))
    drawn = giveaway.allocate(apps, seats=12, seed=SEED)
    by_ticket = sorted(apps.ids, key=lambda i: hashlib.sha256(SEED + i.encode()).digest())
    assert [apps.ids[n] for n in np.argsort(drawn.rank).tolist()] == by_ticket
    assert [apps.ids[n] for n in np.flatnonzero(drawn.status == 0).tolist()] == sorted(
        by_ticket[:12], key=apps.ids.index
    )
    lines = sorted(
        f"{i}\t{giveaway.STATUSES[s]}\t{r}\n".encode()
        for i, s, r in zip(apps.ids, drawn.status, drawn.rank, strict=True)
    )
    assert drawn.digest == hashlib.sha256(b"".join(lines)).hexdigest()


def test_a_short_seed_is_refused() -> None:
    apps = giveaway.Applications.of(["a", "b"], ["KH", "TH"])
    with pytest.raises(InvalidInput, match="at least 16 random bytes"):
        giveaway.allocate(apps, seats=1, seed=b"\x00" * 15)


# --- quotas -----------------------------------------------------------------------------------


def test_reserved_seats_go_to_the_countrys_best_tickets_then_the_rest_to_everyone(
    tmp_path: Path,
) -> None:
    apps = giveaway.read_applications(crowd(tmp_path, 60, 140))
    drawn = giveaway.allocate(apps, seats=50, seed=SEED, quotas={"KH": 20})
    summary = drawn.as_dict()
    kh = apps.countries == "KH"
    kh_by_rank = np.flatnonzero(kh)[np.argsort(drawn.rank[kh])]
    assert drawn.reserved[kh_by_rank[:20]].all() and not drawn.reserved[kh_by_rank[20:]].any()
    assert summary["allocated_reserved"] == 20 and summary["allocated_general"] == 30
    assert summary["by_country"]["KH"]["reserved"] == 20
    assert summary["by_country"]["KH"]["allocated"] >= 20
    general = (drawn.status == 0) & ~drawn.reserved
    waiting = drawn.status == 1
    assert drawn.rank[general].max() < drawn.rank[waiting].min()
    assert sorted(drawn.waitlist_position[waiting]) == list(range(1, 151))


def test_unused_reserved_seats_flow_to_the_general_pool(tmp_path: Path) -> None:
    apps = giveaway.read_applications(crowd(tmp_path, 3, 40))
    summary = giveaway.allocate(apps, seats=20, seed=SEED, quotas={"KH": 10, "LA": 2}).as_dict()
    assert summary["by_country"]["KH"] == {
        "applied": 3, "duplicates": 0, "allocated": 3, "waitlisted": 0, "reserved": 10,
        "reserved_filled": 3,
    }  # fmt: skip
    assert summary["by_country"]["LA"]["reserved"] == 2
    assert summary["by_country"]["LA"]["applied"] == 0
    assert summary["allocated"] == 20 and summary["reserved_unfilled"] == 9
    assert summary["allocated_general"] == 17 and summary["waitlisted"] == 23


@pytest.mark.parametrize(
    ("quotas", "seats", "message"),
    [
        ({"KH": 60, "TH": 50}, 100, "does not add up: 110 reserved seats"),
        ({"XX": 1}, 10, "not an ISO 3166-1 alpha-2"),
        ({"KH": -1}, 10, "not a whole number"),
        ({}, -5, "number of seats"),
    ],
)
def test_a_quota_table_that_does_not_add_up_is_refused(
    quotas: dict[str, int], seats: int, message: str
) -> None:
    apps = giveaway.Applications.of(["a"], ["KH"])
    with pytest.raises(InvalidInput, match=message):
        giveaway.allocate(apps, seats=seats, seed=SEED, quotas=quotas)


# --- re-submissions ---------------------------------------------------------------------------


def test_resubmissions_are_set_aside_and_the_earliest_row_kept(tmp_path: Path) -> None:
    rows = [
        person(1, full_name="Chan Sophea", email="sophea@example.com", document_number="N0123"),
        person(2, full_name="  CHAN   sophea ", date_of_birth=person(1)[2],
               email="Sophea@Example.com ", document_number="X999"),  # same e-mail
        person(3, full_name="chan sophea.", date_of_birth=person(1)[2],
               email="new@example.com", document_number="n0-123"),  # same document
        person(4, full_name="Chan Sophea", date_of_birth="1999-09-09",
               email="sophea@example.com", document_number="N0123"),  # other birth date
        person(5, full_name="Chan Sophea", date_of_birth=person(1)[2],
               email="twin@example.com", document_number="T1"),  # a twin: new e-mail and doc
        person(6, full_name="Dara", document_number="", email="d1@example.com"),
        person(7, full_name="Dara", date_of_birth=person(6)[2], document_number="",
               email="d2@example.com"),  # no document on either: never matched on it
        person(8, full_name=KHMER, email="leak@example.com", document_number=""),
        person(9, full_name=f" {KHMER.replace(' ', '  ')}\u200b", date_of_birth=person(8)[2],
               email="LEAK@example.com", document_number=""),
    ]  # fmt: skip
    apps = giveaway.read_applications(write(tmp_path, rows))
    assert apps.duplicate_of.tolist() == [-1, 0, 0, -1, -1, -1, -1, -1, 7]
    assert apps.duplicates == 3
    drawn = giveaway.allocate(apps, seats=100, seed=SEED)
    assert drawn.as_dict()["unique_applicants"] == 6 and drawn.as_dict()["duplicates"] == 3
    assert (drawn.status[[1, 2, 8]] == giveaway.DUPLICATE).all() and drawn.rank[1] == 0


def test_name_keys_fold_case_width_spacing_and_punctuation_but_keep_khmer() -> None:
    assert name_key("  STRAßE,  Anna-Marie ") == name_key("strasse annamarie")
    assert name_key("ｃｈａｎ\u00a0sophea") == "chan sophea"
    assert name_key(KHMER) == KHMER  # coeng + subscript keep their order
    assert name_key("សុខ\u200bចាន់។") == "សុខចាន់"
    assert name_key("Chan-Sophea") != name_key("Chan Sophea")  # the documented miss


def test_khmer_names_are_read_and_drawn(tmp_path: Path) -> None:
    rows = [person(n, full_name=f"{KHMER} {n}") for n in range(5)]
    apps = giveaway.read_applications(write(tmp_path, rows))
    assert apps.rows == 5 and apps.duplicates == 0
    assert giveaway.allocate(apps, seats=2, seed=SEED).as_dict()["allocated"] == 2


# --- bad input --------------------------------------------------------------------------------


def test_wrong_or_missing_columns_list_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text("application_id,name,date_of_birth,country,email\nA,B,2000-01-01,KH,a@b.co\n")
    with pytest.raises(InvalidInput) as caught:
        giveaway.read_applications(path)
    text = caught.value.render()
    assert "missing: full_name, document_number" in text and "not expected: name" in text
    assert "the columns found are: application_id,name,date_of_birth,country,email" in text


def test_an_empty_file_or_not_a_csv_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match="not a readable CSV"):
        giveaway.read_applications(empty)
    with pytest.raises(InvalidInput, match="not a readable CSV"):
        giveaway.read_applications(tmp_path / "missing.csv")


def test_every_bad_row_is_reported_together_with_its_row_and_column(tmp_path: Path) -> None:
    lines = [
        HEADER,
        "A1,Chan,1990-02-30,KHM,not-an-email,",
        "A1,,2001-01-01,kh,,",
        "A3,Sok,3000-01-01,TH,a@b.co,x,extra",
        "A4,N\udcff,1990-01-01,KH,a@b.co,",
        '"A\t5","...",1990-1-1,TH,a@b,',
        "A6,Dara,1990-01-01,KH,a@b.co,D1",
    ]
    path = tmp_path / "bad.csv"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    assert problems_of(path) == [
        "row 2, column date_of_birth: not a date of birth written YYYY-MM-DD, from 1900-01-01 "
        "to today.",
        "row 2, column country: 'KHM' is not an ISO 3166-1 alpha-2 country code (such as KH).",
        "row 2, column email: not an e-mail address (name@domain.tld).",
        "row 3, column application_id: the same application_id as row 2.",
        "row 3, column full_name: empty; a value is required.",
        "row 3, column email: empty; a value is required.",
        "row 4: 7 field(s) where the header has 6.",
        "row 5, column full_name: not UTF-8 text.",
        "row 6, column application_id: contains a tab, line break or other control character.",
        "row 6, column full_name: only punctuation or invisible characters; a name is required.",
        "row 6, column date_of_birth: not a date of birth written YYYY-MM-DD, from 1900-01-01 "
        "to today.",
        "row 6, column email: not an e-mail address (name@domain.tld).",
    ]


def test_problems_are_capped_at_fifty_with_the_total(tmp_path: Path) -> None:
    path = write(tmp_path, [person(n, date_of_birth="01/02/1990") for n in range(70)])
    with pytest.raises(ApplicationErrors) as caught:
        giveaway.read_applications(path)
    assert len(caught.value.problems) == 50 and caught.value.problems[-1].row == 51
    assert caught.value.render().startswith("applications.csv: 70 problem(s); nothing was")


def test_a_byte_order_mark_and_lower_case_countries_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\nA1,Sok,1990-01-01,kh,a@b.co,\n".encode())
    apps = giveaway.read_applications(path)
    assert apps.ids == ["A1"] and apps.countries.tolist() == ["KH"]


def test_a_file_with_only_its_header_draws_nobody(tmp_path: Path) -> None:
    drawn = giveaway.allocate(
        giveaway.read_applications(write(tmp_path, [])), seats=10, seed=SEED, quotas={"KH": 4}
    )
    summary = drawn.as_dict()
    assert summary["applications"] == summary["allocated"] == summary["waitlisted"] == 0
    assert summary["reserved_unfilled"] == 4 and summary["seats_left_empty"] == 10
    assert summary["allocation_digest"] == hashlib.sha256(b"").hexdigest()


# --- results file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
        ("\rx", "'\rx"), ("'=x", "''=x"), ("GA-001", "GA-001"), ("", ""), (KHMER, KHMER),
    ],
)  # fmt: skip
def test_escape_cell_defuses_formulas(text: str, escaped: str) -> None:
    assert giveaway.escape_cell(text) == escaped


def test_results_are_written_escaped_one_row_per_application(tmp_path: Path) -> None:
    rows = [
        person(1, application_id="=cmd|' /C calc'!A0"),
        person(2, application_id="@dup", full_name="Applicant 1", date_of_birth=person(1)[2],
               email=person(1)[4]),
        person(3, application_id="-3"),
    ]  # fmt: skip
    drawn = giveaway.allocate(giveaway.read_applications(write(tmp_path, rows)), seats=1, seed=SEED)
    out = tmp_path / "results.csv"
    giveaway.write_results(drawn, out)
    with out.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [r["application_id"] for r in table] == ["'=cmd|' /C calc'!A0", "'@dup", "'-3"]
    assert table[1]["status"] == "duplicate" and table[1]["duplicate_of"] == "'=cmd|' /C calc'!A0"
    assert sorted(r["status"] for r in table) == ["allocated", "duplicate", "waitlisted"]
    assert {r["seat"] for r in table if r["status"] == "allocated"} == {"general"}


# --- the property -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    countries=st.lists(st.sampled_from(["KH", "TH", "VN"]), min_size=0, max_size=60),
    repeat_every=st.integers(min_value=2, max_value=10),
    seats=st.integers(min_value=0, max_value=70),
    kh=st.integers(min_value=0, max_value=40),
    th=st.integers(min_value=0, max_value=40),
    seed=st.binary(min_size=16, max_size=32),
)
def test_the_draw_never_overfills_and_honours_quotas(
    countries: list[str], repeat_every: int, seats: int, kh: int, th: int, seed: bytes
) -> None:
    n = len(countries)
    duplicate_of = [n_ - 1 if n_ % repeat_every == 1 else -1 for n_ in range(n)]
    apps = giveaway.Applications.of([f"id{i}" for i in range(n)], countries, duplicate_of)
    quotas = {"KH": kh, "TH": th}
    if kh + th > seats:
        with pytest.raises(InvalidInput, match="does not add up"):
            giveaway.allocate(apps, seats=seats, seed=seed, quotas=quotas)
        return
    drawn = giveaway.allocate(apps, seats=seats, seed=seed, quotas=quotas)
    summary = drawn.as_dict()
    unique = n - apps.duplicates
    assert summary["allocated"] <= seats
    assert summary["allocated"] == min(seats, unique)
    assert summary["allocated"] + summary["waitlisted"] == unique
    for code, quota in quotas.items():
        row = summary["by_country"].get(code)
        if row:
            assert row["reserved_filled"] == min(quota, row["applied"])
            assert row["allocated"] >= min(quota, row["applied"])
    assert summary["allocated_reserved"] + summary["allocated_general"] == summary["allocated"]


# --- the command ------------------------------------------------------------------------------


def cli(*args: str) -> typer.testing.Result:
    app = typer.Typer()
    app.add_typer(giveaway_app, name="giveaway")
    return CliRunner().invoke(app, ["giveaway", "allocate", *args])


def test_the_command_prints_the_contract_json_and_writes_results(tmp_path: Path) -> None:
    path = crowd(tmp_path, 30, 30)
    out = tmp_path / "results.csv"
    result = cli(str(path), "--seats", "20", "--seed", SEED.hex(), "--quota", "KH=5",
                 "--output", str(out), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"applications", "duplicates", "allocated", "waitlisted", "by_country",
            "allocation_digest", "seed_commitment"} <= set(body)  # fmt: skip
    assert body["applications"] == 60 and body["allocated"] == 20 and body["waitlisted"] == 40
    assert set(body["by_country"]["KH"]) >= {"applied", "allocated", "waitlisted", "reserved"}
    again = json.loads(cli(str(path), "--seats", "20", "--seed", SEED.hex(), "--quota", "KH=5",
                           "--json").stdout)  # fmt: skip
    assert again["allocation_digest"] == body["allocation_digest"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 61
    human = cli(str(path), "--seats", "20", "--seed", SEED.hex())
    assert human.exit_code == 0 and "allocation digest" in human.stdout


def test_the_command_exits_1_with_the_errors(tmp_path: Path) -> None:
    bad = write(tmp_path, [person(1, country="ZZ"), person(2, email="")])
    result = cli(str(bad), "--seats", "5", "--seed", SEED.hex(), "--json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_input" and [p["row"] for p in error["problems"]] == [2, 3]
    assert "row 2, column country" in result.stderr
    good = write(tmp_path, [person(1)], name="good.csv")
    for args, message in [
        (["--seed", "not hex"], "hexadecimal"),
        (["--seed", SEED.hex(), "--quota", "KH"], "COUNTRY=SEATS"),
        (["--seed", SEED.hex(), "--quota", "KH=3", "--quota", "kh=1"], "given twice"),
        (["--seed", SEED.hex(), "--quota", "KH=9"], "does not add up"),
    ]:
        failed = cli(str(good), "--seats", "5", *args)
        assert failed.exit_code == 1 and message in failed.stderr, failed.stderr
