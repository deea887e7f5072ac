"""Bulk import of AI systems from CSV or JSON Lines, with an error for each bad row.

Every row is checked first (its description, its classification answers, a name used twice);
then, by default, either every row is written or none is: one bad row rejects the whole file
and the report lists each problem with its line number. With ``skip_invalid`` the good rows
are written and the bad ones reported. Writing is set-based: systems, classifications and
ledger entries are inserted in bulk, never one ORM round-trip per row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from soai.db import utcnow
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.registry import rules
from soai.registry.models import AISystem, Classification, Organisation
from soai.registry.schemas import parse_profile
from soai.registry.service import LEDGER_KIND, ledger_event, rules_key, shown_publicly
from soai.registry.submissions import ORGANISATION_KINDS, SystemIn

LIST_SEPARATOR = ";"
SYSTEM_COLUMNS = tuple(SystemIn.model_fields)
ANSWER_COLUMNS = (
    "out_of_scope",
    "prohibited_practices",
    "annex_i_product",
    "annex_iii",
    "art_6_3_condition",
    "profiling",
    "transparency",
    "gpai_training_flops",
    "gpai_designated_systemic",
)
CSV_COLUMNS = ("organisation", "organisation_kind", *SYSTEM_COLUMNS, *ANSWER_COLUMNS)
REQUIRED_COLUMNS = ("organisation", "name", "purpose")


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
    inputs: dict[str, Any]
    result: dict[str, Any]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _flag(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in ("", "false", "no", "0"):
        return False
    if text in ("true", "yes", "1"):
        return True
    raise InvalidInput(N_("{value!r} is not yes or no."), field=column, value=value)


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON Lines shape: organisation, system and answers."""
    system: dict[str, Any] = {}
    for column in SYSTEM_COLUMNS:
        value = (row.get(column) or "").strip()
        if column == "data_categories":
            system[column] = _split(value)
        elif value:
            system[column] = value
    answers: dict[str, Any] = {}
    for column in ("out_of_scope", "prohibited_practices", "annex_iii", "transparency"):
        answers[column] = _split(row.get(column) or "")
    for column in ("annex_i_product", "profiling"):
        answers[column] = _flag(row.get(column) or "", column)
    condition = (row.get("art_6_3_condition") or "").strip()
    answers["art_6_3_condition"] = condition or None
    flops = (row.get("gpai_training_flops") or "").strip()
    designated = _flag(row.get("gpai_designated_systemic") or "", "gpai_designated_systemic")
    if flops or designated:
        try:
            amount = float(flops) if flops else 0.0
        except ValueError:
            raise InvalidInput(
                N_("{value!r} is not a number of FLOP."), field="gpai_training_flops", value=flops
            ) from None
        answers["gpai"] = {"training_flops": amount, "designated_systemic": designated}
    return {
        "organisation": (row.get("organisation") or "").strip(),
        "organisation_kind": (row.get("organisation_kind") or "").strip() or "company",
        "system": system,
        "answers": answers,
    }


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    """(line number, record or the problem reading it) for each row of a CSV or JSONL file."""
    if path.suffix.lower() not in (".csv", ".jsonl"):
        raise InvalidInput(
            N_("{file}: import a .csv or a .jsonl file."), field="file", file=str(path)
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), field="file", file=str(path), reason=str(exc)
        ) from exc
    if path.suffix.lower() == ".jsonl":
        yield from _jsonl_records(text)
    else:
        yield from _csv_records(text, path)


def _jsonl_records(text: str) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, InvalidInput(N_("not JSON: {reason}"), reason=exc.msg)
            continue
        if not isinstance(value, dict):
            yield number, InvalidInput(N_("each line must be a JSON object"))
            continue
        yield number, value


def _csv_records(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any] | InvalidInput]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown or missing:
        raise InvalidInput(
            N_(
                "{file}, line 1: unknown column(s) {unknown}; missing column(s) {missing}. "
                "Columns: {columns}"
            ),
            field="header",
            file=str(path),
            unknown=", ".join(unknown) or "none",
            missing=", ".join(missing) or "none",
            columns=", ".join(CSV_COLUMNS),
        )
    reader.fieldnames = header
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, InvalidInput(N_("not valid CSV: {reason}"), reason=str(exc))
            continue
        if None in row:
            yield reader.line_num, InvalidInput(N_("more values than columns"))
            continue
        try:
            yield reader.line_num, _csv_record(row)
        except InvalidInput as exc:
            yield reader.line_num, exc


def _check(number: int, record: dict[str, Any], rule_set: rules.RuleSet) -> _Row | RowProblem:
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
        system = SystemIn.model_validate(record.get("system") or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return RowProblem(number, where, error["msg"].removeprefix("Value error, "))
    answers = record.get("answers") or {}
    if not isinstance(answers, dict):
        return RowProblem(number, "answers", "must be an object")
    try:
        profile = parse_profile(
            {**answers, "name": system.name, "sector": system.sector, "role": system.role}
        )
    except InvalidInput as exc:
        return RowProblem(number, exc.field, exc.render())
    result = rules.classify(profile, rule_set).to_json()
    return _Row(number, organisation, kind, system, profile.model_dump(mode="json"), result)


def run(
    session: Session,
    *,
    path: Path,
    rule_set: rules.RuleSet,
    country: str,
    user_id: int | None,
    skip_invalid: bool = False,
) -> Report:
    """Import ``path``; raises :class:`ImportRejected` (nothing written) unless ``skip_invalid``."""
    report = Report()
    good: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for number, record in read_records(path):
        report.rows += 1
        if isinstance(record, InvalidInput):
            report.problems.append(RowProblem(number, record.field, record.render()))
            continue
        checked = _check(number, record, rule_set)
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
    good = _drop_registered(session, good, report)
    if report.problems and not skip_invalid:
        raise ImportRejected(report.problems)
    _write(session, good, rule_set=rule_set, country=country, user_id=user_id, report=report)
    return report


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
    now = utcnow()
    values = []
    for row in rows:
        owner = organisations[row.organisation.lower()]
        values.append(
            {
                **row.system.model_dump(),
                "organisation_id": owner.id,
                "answers": row.inputs,
                "risk": row.result["risk"],
                "gpai": row.result["gpai"],
                "high_risk_route": row.result["high_risk_route"],
                "rules_version": rules_key(rule_set),
                "is_public": shown_publicly(owner, row.system.sector, row.result["risk"]),
                "created_at": now,
                "updated_at": now,
            }
        )
    ids = list(
        session.scalars(
            insert(AISystem).returning(AISystem.id, sort_by_parameter_order=True), values
        )
    )
    events = []
    for system_id, row in zip(ids, rows, strict=True):
        stub = AISystem(id=system_id)
        events.append(
            (LEDGER_KIND, ledger_event(stub, country, row.inputs, row.result, "registered"))
        )
    positions = ledger.append_many(session, events)
    session.execute(
        insert(Classification),
        [
            {
                "system_id": system_id,
                "classified_at": now,
                "reason": "registered",
                "inputs": row.inputs,
                "result": row.result,
                "risk": row.result["risk"],
                "rules_version": rule_set.version,
                "changes": [],
                "ledger_position": position,
                "by_user_id": user_id,
            }
            for system_id, row, position in zip(ids, rows, positions, strict=True)
        ],
    )
    report.imported = len(rows)
    for row in rows:
        report.by_risk[row.result["risk"]] = report.by_risk.get(row.result["risk"], 0) + 1
