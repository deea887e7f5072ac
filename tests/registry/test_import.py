"""Bulk import from CSV and JSON Lines: per-row errors with line numbers, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.errors import InvalidInput
from soai.ledger import service as ledger
from soai.registry import bulk_import
from soai.registry.models import AISystem, Classification, Organisation
from tests.registry.factories import CSV_HEADER, cambodia_rules, csv_row


def run(
    sessions: sessionmaker[Session], path: Path, *, skip_invalid: bool = False
) -> bulk_import.Report:
    with transaction(sessions) as session:
        return bulk_import.run(
            session,
            path=path,
            rule_set=cambodia_rules(),
            country="KH",
            user_id=None,
            skip_invalid=skip_invalid,
        )


def count(sessions: sessionmaker[Session], model: type) -> int:
    with transaction(sessions) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_csv_imports_classifies_and_logs_every_row(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "systems.csv"
    path.write_text(
        CSV_HEADER
        + csv_row("Credit scoring")
        + csv_row(
            "Chatbot", organisation="Phsar Online", annex="", profiling="no", transparency="50(1)"
        )
        + csv_row("Shop ranking", organisation="Phsar Online", annex="", profiling="no"),
        encoding="utf-8",
    )
    with transaction(sessions) as session:
        before = ledger.size(session)
    report = run(sessions, path)
    assert report.as_dict()["imported"] == 3
    assert report.by_risk == {"high": 1, "limited": 1, "minimal": 1}
    assert report.organisations_created == 2
    assert count(sessions, AISystem) == 3
    assert count(sessions, Classification) == 3
    with transaction(sessions) as session:
        assert ledger.size(session) == before + 3
        positions = session.scalars(select(Classification.ledger_position)).all()
        assert sorted(positions) == [before, before + 1, before + 2]
        public = session.scalars(select(AISystem.name).where(AISystem.is_public)).all()
        assert public == ["Credit scoring"]


def test_one_bad_row_rejects_the_whole_file_naming_its_line_and_field(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "systems.csv"
    path.write_text(
        CSV_HEADER
        + csv_row("Good one")
        + csv_row("Bad one", annex="", art_6_3_condition="a")  # line 3: 6(3) without Annex III
        + csv_row("Bad sector", sector="casino")  # line 4
        + csv_row("Good two"),
        encoding="utf-8",
    )
    with transaction(sessions) as session:
        before = ledger.size(session)
    with pytest.raises(bulk_import.ImportRejected) as caught:
        run(sessions, path)
    problems = {(p.line, p.field) for p in caught.value.problems}
    assert (3, "art_6_3_condition") in problems
    assert any(line == 4 and "sector" in (field or "") for line, field in problems)
    assert "nothing was imported" in str(caught.value)
    assert count(sessions, AISystem) == 0
    assert count(sessions, Organisation) == 0
    with transaction(sessions) as session:
        assert ledger.size(session) == before


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "systems.csv"
    path.write_text(
        CSV_HEADER
        + csv_row("Good one")
        + csv_row("Bad flag", profiling="maybe")
        + csv_row("Good two"),
        encoding="utf-8",
    )
    report = run(sessions, path, skip_invalid=True)
    assert report.imported == 2
    assert [(p.line, p.field) for p in report.problems] == [(3, "profiling")]
    assert count(sessions, AISystem) == 2


def test_repeated_and_already_registered_systems_are_row_problems(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(CSV_HEADER + csv_row("Scoring"), encoding="utf-8")
    run(sessions, first)
    second = tmp_path / "second.csv"
    second.write_text(
        CSV_HEADER + csv_row("Scoring") + csv_row("New") + csv_row("new"), encoding="utf-8"
    )
    report = run(sessions, second, skip_invalid=True)
    assert report.imported == 1
    assert sorted(p.line for p in report.problems) == [2, 4]


def test_an_unknown_column_is_refused_listing_the_columns(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "systems.csv"
    path.write_text(
        "organisation,name,purpose,colour\nA,B,Some purpose here,red\n", encoding="utf-8"
    )
    with pytest.raises(InvalidInput, match=r"line 1: unknown column\(s\) colour"):
        run(sessions, path)


def test_json_lines_import_with_a_malformed_line(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    good = {
        "organisation": "Ministry of Social Affairs",
        "organisation_kind": "public_body",
        "system": {
            "name": "Benefit triage",
            "purpose": "Ranks applications for social assistance.",
            "sector": "public-sector",
        },
        "answers": {"annex_iii": ["5(a)"], "profiling": True},
    }
    path = tmp_path / "systems.jsonl"
    path.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(bulk_import.ImportRejected) as caught:
        run(sessions, path)
    assert [p.line for p in caught.value.problems] == [2]
    report = run(sessions, path, skip_invalid=True)
    assert report.by_risk == {"high": 1}
    with transaction(sessions) as session:
        owner = session.scalars(select(Organisation)).one()
        assert owner.kind == "public_body"
