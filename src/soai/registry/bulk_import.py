"""Bulk import of AI systems from CSV or JSON Lines, with an error for each bad row.

Every row is checked first (its description, its classification answers, a name used twice);
then, by default, either every row is written or none is: one bad row rejects the whole file
and the report lists each problem with its line number. With ``skip_invalid`` the good rows
are written and the bad ones reported. Writing is set-based: systems, classifications and
ledger entries are inserted in bulk, never one ORM round-trip per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from soai.db import encode_json, insert_rows, next_ids, utcnow
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.registry import rules
from soai.registry.import_files import read_records
from soai.registry.models import AISystem, Classification, Organisation
from soai.registry.schemas import SystemProfile, parse_profile
from soai.registry.service import (
    LEDGER_KIND,
    digest,
    ledger_event,
    reference,
    rules_key,
    shown_publicly,
)
from soai.registry.submissions import ORGANISATION_KINDS, SystemIn, validated


class ImportRejected(InvalidInput):
    """The file had bad rows and nothing was written."""

    code = "import_rejected"

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__(
            N_("{count} row(s) have problems; nothing was imported. First: line {line}: {problem}"),
            field=problems[0].field,
            count=len(problems),
            line=problems[0].line,
            problem=problems[0].message,
        )


@dataclass(frozen=True)
class RowProblem:
    line: int
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass
class Report:
    rows: int = 0
    imported: int = 0
    organisations_created: int = 0
    by_risk: dict[str, int] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "rejected": len({p.line for p in self.problems}),
            "organisations_created": self.organisations_created,
            "by_risk": dict(sorted(self.by_risk.items())),
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class _Row:
    line: int
    organisation: str
    organisation_kind: str
    system: SystemIn
    profile: SystemProfile


def _check(number: int, record: dict[str, Any]) -> _Row | RowProblem:
    unknown = sorted(set(record) - {"organisation", "organisation_kind", "system", "answers"})
    if unknown:
        return RowProblem(number, unknown[0], "unknown key")
    organisation = str(record.get("organisation") or "").strip()
    if not organisation:
        return RowProblem(number, "organisation", "the organisation's name is required")
    kind = str(record.get("organisation_kind") or "company")
    if kind not in ORGANISATION_KINDS:
        return RowProblem(
            number, "organisation_kind", f"{kind!r} is not one of {', '.join(ORGANISATION_KINDS)}"
        )
    try:
        system = validated(SystemIn, record.get("system") or {})
    except InvalidInput as exc:
        return RowProblem(number, exc.field, str(exc.params["problem"]))
    answers = record.get("answers") or {}
    if not isinstance(answers, dict):
        return RowProblem(number, "answers", "must be an object")
    try:
        profile = parse_profile(
            {**answers, "name": system.name, "sector": system.sector, "role": system.role}
        )
    except InvalidInput as exc:
        return RowProblem(number, exc.field, exc.render())
    return _Row(number, organisation, kind, system, profile)


@dataclass
class Checked:
    """A file read and checked, ready to write: its report so far and its good rows."""

    report: Report
    rows: list[_Row]


def check(
    session: Session,
    *,
    path: Path,
    on_progress: Callable[[int, int | None, str], None] | None = None,
) -> Checked:
    """Read and check every row of ``path`` (reads only; ``on_progress`` every 1,000 rows)."""
    report = Report()
    good: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for number, record in read_records(path):
        report.rows += 1
        if on_progress is not None and report.rows % 1_000 == 0:
            on_progress(report.rows, None, "checking")
        if isinstance(record, InvalidInput):
            report.problems.append(RowProblem(number, record.field, record.render()))
            continue
        checked = _check(number, record)
        if isinstance(checked, RowProblem):
            report.problems.append(checked)
            continue
        key = (checked.organisation.lower(), checked.system.name.lower())
        if key in seen:
            report.problems.append(
                RowProblem(number, "name", f"the same system is already on line {seen[key]}")
            )
            continue
        seen[key] = number
        good.append(checked)
    return Checked(report, _drop_registered(session, good, report))


def write(
    session: Session,
    checked: Checked,
    *,
    rule_set: rules.RuleSet,
    country: str,
    user_id: int | None,
    skip_invalid: bool = False,
) -> Report:
    """Write checked rows; raises :class:`ImportRejected` (nothing written) unless ``skip_invalid``.

    Call it in a write transaction. Names registered since the check are looked up again here,
    under the write lock, so two imports never register one system twice.
    """
    report = checked.report
    rows = _drop_registered(session, checked.rows, report)
    if report.problems and not skip_invalid:
        raise ImportRejected(report.problems)
    _write(session, rows, rule_set=rule_set, country=country, user_id=user_id, report=report)
    return report


def run(
    session: Session,
    *,
    path: Path,
    rule_set: rules.RuleSet,
    country: str,
    user_id: int | None,
    skip_invalid: bool = False,
) -> Report:
    """Check and import ``path`` in one transaction (the CLI); see :func:`check`, :func:`write`."""
    return write(
        session,
        check(session, path=path),
        rule_set=rule_set,
        country=country,
        user_id=user_id,
        skip_invalid=skip_invalid,
    )


def _organisation_ids(
    session: Session, rows: list[_Row], report: Report | None
) -> dict[str, Organisation]:
    names = {row.organisation.lower(): row for row in rows}
    found: dict[str, Organisation] = {}
    for organisation in session.scalars(select(Organisation)):
        if organisation.name.lower() in names:
            found[organisation.name.lower()] = organisation
    if report is not None:
        for lower, row in names.items():
            if lower not in found:
                created = Organisation(name=row.organisation, kind=row.organisation_kind)
                session.add(created)
                found[lower] = created
                report.organisations_created += 1
        session.flush()
    return found


def _drop_registered(session: Session, rows: list[_Row], report: Report) -> list[_Row]:
    """Rows naming a system its organisation already registered are problems, not duplicates."""
    organisations = _organisation_ids(session, rows, None)
    if not organisations:
        return rows
    ids = {o.id: lower for lower, o in organisations.items()}
    existing = {
        (ids[org], name)
        for org, name in session.execute(
            select(AISystem.organisation_id, func.lower(AISystem.name)).where(
                AISystem.organisation_id.in_(ids)
            )
        ).all()
    }
    kept = []
    for row in rows:
        if (row.organisation.lower(), row.system.name.lower()) in existing:
            report.problems.append(
                RowProblem(
                    row.line, "name", "this organisation already registered a system with this name"
                )
            )
        else:
            kept.append(row)
    return kept


@dataclass(frozen=True)
class _Outcome:
    """One distinct classification result, encoded once for every row that shares it."""

    result: dict[str, Any]
    stored: Any  # the result as the driver takes the JSON column
    sha256: str


def _outcomes(session: Session, rows: list[_Row], rule_set: rules.RuleSet) -> list[_Outcome]:
    """Each row's outcome; rows with the same decision-relevant answers share one object."""
    dialect = session.connection().dialect
    shared: dict[int, _Outcome] = {}
    outcomes = []
    for classification in rules.classify_many([row.profile for row in rows], rule_set):
        outcome = shared.get(id(classification))
        if outcome is None:
            result = classification.to_json()
            outcome = _Outcome(result, encode_json(dialect, result), digest(result))
            shared[id(classification)] = outcome
        outcomes.append(outcome)
    return outcomes


SYSTEM_TABLE_COLUMNS = (
    "id",
    *SystemIn.model_fields,
    "organisation_id",
    "answers",
    "risk",
    "gpai",
    "high_risk_route",
    "rules_version",
    "is_public",
    "created_at",
    "updated_at",
)
CLASSIFICATION_TABLE_COLUMNS = (
    "system_id",
    "classified_at",
    "reason",
    "inputs",
    "result",
    "risk",
    "rules_version",
    "changes",
    "ledger_position",
    "by_user_id",
)


def _write(
    session: Session,
    rows: list[_Row],
    *,
    rule_set: rules.RuleSet,
    country: str,
    user_id: int | None,
    report: Report,
) -> None:
    if not rows:
        return
    organisations = _organisation_ids(session, rows, report)
    outcomes = _outcomes(session, rows, rule_set)
    connection = session.connection()
    ids = next_ids(connection, AISystem.__table__, len(rows))
    now = utcnow()
    key = rules_key(rule_set)
    inputs = [row.profile.model_dump(mode="json") for row in rows]
    system_rows = []
    for system_id, row, answers, outcome in zip(ids, rows, inputs, outcomes, strict=True):
        owner = organisations[row.organisation.lower()]
        result = outcome.result
        system_rows.append(
            (
                system_id,
                *row.system.model_dump().values(),
                owner.id,
                answers,
                result["risk"],
                result["gpai"],
                result["high_risk_route"],
                key,
                shown_publicly(owner, row.system.sector, result["risk"]),
                now,
                now,
            )
        )
    insert_rows(connection, AISystem.__table__, SYSTEM_TABLE_COLUMNS, system_rows)
    events = [
        (
            LEDGER_KIND,
            ledger_event(
                reference(country, system_id),
                outcome.result,
                reason="registered",
                inputs_sha256=digest(answers),
                result_sha256=outcome.sha256,
            ),
        )
        for system_id, answers, outcome in zip(ids, inputs, outcomes, strict=True)
    ]
    positions = ledger.append_many(session, events)
    no_changes = encode_json(connection.dialect, [])
    insert_rows(
        connection,
        Classification.__table__,
        CLASSIFICATION_TABLE_COLUMNS,
        [
            (
                system_id,
                now,
                "registered",
                answers,
                outcome.stored,
                outcome.result["risk"],
                outcome.result["rules_version"],
                no_changes,
                position,
                user_id,
            )
            for system_id, answers, outcome, position in zip(
                ids, inputs, outcomes, positions, strict=True
            )
        ],
        encoded=("result", "changes"),
    )
    report.imported = len(rows)
    for outcome in outcomes:
        risk = outcome.result["risk"]
        report.by_risk[risk] = report.by_risk.get(risk, 0) + 1
