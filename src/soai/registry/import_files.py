"""Reading bulk-import files: CSV and JSON Lines rows as records, each with its line number.

A CSV row becomes the JSON Lines shape ``{"organisation", "organisation_kind", "system",
"answers"}``; a row that cannot be read is reported with its line number, never skipped silently.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.registry.submissions import SystemIn

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
