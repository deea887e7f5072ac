"""Reading and checking the giveaway's applications file, every row before any is used.

The file is the CSV of the ``soai giveaway allocate`` contract: UTF-8 (a byte-order mark is
skipped), header ``application_id,full_name,date_of_birth,country,email,document_number`` (those
six columns, no others, in any order), one application per row. Each value is trimmed of
surrounding white space, then checked:

- ``application_id``: not empty, no control character (tab, line break ...), unique in the file;
- ``full_name``: not empty (and not only punctuation);
- ``date_of_birth``: a real calendar date written ``YYYY-MM-DD`` (ISO 8601), 1900-01-01 to today;
- ``country``: an ISO 3166-1 alpha-2 code (``KH``; lower case is accepted), or ``XK``, the
  user-assigned code in general use for Kosovo;
- ``email``: not empty, and shaped ``name@domain.tld``;
- ``document_number``: optional (empty means "none given").

A row with a wrong number of fields and a value that is not valid UTF-8 are problems too. Every
problem is collected; the first :data:`SHOWN` (in row order) are reported together with the total,
and nothing is used when there is any. Rows are numbered as a spreadsheet shows them: the header
is row 1, the first application row 2 (blank lines are not counted). Messages name the row and
column but never echo a person's name, birth date, e-mail or document number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.programme.resubmissions import first_occurrence, name_keys

COLUMNS = ("application_id", "full_name", "date_of_birth", "country", "email", "document_number")
SHOWN = 50
BLOCK_BYTES = 16 * 1024 * 1024
EARLIEST_BIRTH = dt.date(1900, 1, 1)
EMAIL_PATTERN = r"^[^@\s[:cntrl:]]+@[^@\s[:cntrl:].]+(\.[^@\s[:cntrl:].]+)*\.[^@\s[:cntrl:].]{2,}$"
_CODES = """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU
    GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
    KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU
    MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW
    PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA
    ZM ZW XK"""
COUNTRIES = frozenset(_CODES.split())
"""The 249 officially assigned ISO 3166-1 alpha-2 codes, and XK (Kosovo)."""


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row: ``message`` is an English msgid with named ``params``."""

    row: int | None
    column: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        template = gettext(self.message) if gettext else self.message
        return template.format(row=self.row, column=self.column, **self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.render()}


class ApplicationErrors(InvalidInput):
    """The applications file has problems; :attr:`problems` holds the first :data:`SHOWN`."""

    def __init__(self, file: str, problems: Sequence[RowProblem], total: int) -> None:
        self.problems = list(problems)
        super().__init__(
            N_("{file}: {count} problem(s); nothing was allocated. The first {shown}:"),
            field=self.problems[0].column if self.problems else None,
            file=file,
            count=total,
            shown=len(self.problems),
        )

    def render(self, gettext: Callable[[str], str] | None = None) -> str:
        lines = [super().render(gettext)]
        lines += [f"  {problem.render(gettext)}" for problem in self.problems]
        return "\n".join(lines)


@dataclass(frozen=True)
class Checked:
    """The six columns of a file whose every row passed, trimmed (country in upper case), and
    ``name_key``, the normalised full name (:func:`soai.programme.resubmissions.name_key`)."""

    columns: dict[str, Any]
    """Column name → pyarrow string array, one value per application, in file order."""
    rows: int


class _Problems:
    """Problems gathered as arrays of row positions per check, sorted and cut at the end."""

    def __init__(self, records: npt.NDArray[np.int64]) -> None:
        self.records = records
        self.found: list[tuple[npt.NDArray[np.int64], str | None, str, dict[str, Any]]] = []
        self.extra: list[RowProblem] = []

    def add(
        self, mask: npt.NDArray[np.bool_], column: str, message: str, **params: Any
    ) -> npt.NDArray[np.bool_]:
        where = np.flatnonzero(mask)
        if len(where):
            self.found.append((where, column, message, params))
        return mask

    def total(self) -> int:
        return len(self.extra) + sum(len(where) for where, *_ in self.found)

    def first(self) -> list[RowProblem]:
        problems = list(self.extra)
        for where, column, message, params in self.found:
            for position in where[:SHOWN]:
                values = {k: v(int(position)) if callable(v) else v for k, v in params.items()}
                problems.append(RowProblem(int(self.records[position]), column, message, values))
        order = {name: n for n, name in enumerate(COLUMNS)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", -1)))
        return problems[:SHOWN]


def read_checked(path: Path) -> Checked:
    """Read ``path`` and check every row; :class:`ApplicationErrors` lists what is wrong."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    skipped: list[RowProblem] = []

    def wrong_width(row: Any) -> str:
        skipped.append(
            RowProblem(
                row.number,
                None,
                N_("row {row}: {found} field(s) where the header has {expected}."),
                {"found": row.actual_columns, "expected": row.expected_columns},
            )
        )
        return "skip"

    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=wrong_width
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={name: pa.binary() for name in COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        _check_header(path, reader.schema.names)
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    except (OSError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InvalidInput(
            N_("{file} is not a readable CSV file: {reason}"),
            field="file",
            file=path.name,
            reason=str(exc),
        ) from exc
    return check_table(table, file=path.name, skipped=skipped)


def _check_header(path: Path, found: Sequence[str]) -> None:
    if sorted(found) != sorted(COLUMNS):
        raise InvalidInput(
            N_(
                "{file} must have exactly the columns {expected}; missing: {missing}; "
                "not expected: {unexpected}; the columns found are: {found}."
            ),
            field="file",
            file=path.name,
            expected=",".join(COLUMNS),
            missing=", ".join(c for c in COLUMNS if c not in found) or "-",
            unexpected=", ".join(c for c in found if c not in COLUMNS or found.count(c) > 1) or "-",
            found=",".join(found),
        )


def check_table(table: Any, *, file: str, skipped: Sequence[RowProblem] = ()) -> Checked:
    """Check a table of the six columns (binary or string values); raise on any problem."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    gone = np.array(sorted(p.row for p in skipped if p.row is not None), dtype=np.int64)
    records = np.setdiff1d(np.arange(2, rows + len(skipped) + 2, dtype=np.int64), gone)[:rows]
    problems = _Problems(records)
    problems.extra.extend(skipped)
    columns: dict[str, Any] = {}
    flagged: dict[str, npt.NDArray[np.bool_]] = {}
    for name in COLUMNS:
        raw = table.column(name).combine_chunks()
        text, bad = _as_text(raw)
        flagged[name] = problems.add(bad, name, N_("row {row}, column {column}: not UTF-8 text."))
        columns[name] = pc.utf8_trim_whitespace(text)

    def empty(name: str) -> npt.NDArray[np.bool_]:
        mask = _np(pc.equal(pc.utf8_length(columns[name]), 0)) & ~flagged[name]
        return problems.add(
            mask, name, N_("row {row}, column {column}: empty; a value is required.")
        )

    ids = columns["application_id"]
    id_empty = empty("application_id")
    control = _np(pc.match_substring_regex(ids, r"[[:cntrl:]]")) & ~flagged["application_id"]
    problems.add(
        control, "application_id",
        N_("row {row}, column {column}: contains a tab, line break or other control character."),
    )  # fmt: skip
    first = first_occurrence(ids)
    repeated = (first != np.arange(rows)) & ~id_empty & ~flagged["application_id"]
    problems.add(
        repeated, "application_id",
        N_("row {row}, column {column}: the same application_id as row {first}."),
        first=lambda position: int(records[first[position]]),
    )  # fmt: skip
    name_blank = empty("full_name")
    columns["name_key"] = name_keys(columns["full_name"])
    no_letters = _np(pc.equal(pc.utf8_length(columns["name_key"]), 0)) & ~name_blank
    problems.add(
        no_letters & ~flagged["full_name"], "full_name",
        N_("row {row}, column {column}: only punctuation or invisible characters; a name is "
           "required."),
    )  # fmt: skip

    born = columns["date_of_birth"]
    parsed = pc.strptime(born, format="%Y-%m-%d", unit="s", error_is_null=True)
    written = pc.fill_null(pc.strftime(parsed, format="%Y-%m-%d"), "")
    in_range = pc.and_(
        pc.greater_equal(pc.cast(parsed, pa.date32()), pa.scalar(EARLIEST_BIRTH)),
        pc.less_equal(pc.cast(parsed, pa.date32()), pa.scalar(dt.date.today())),
    )
    good_date = _np(pc.and_(pc.equal(written, born), pc.fill_null(in_range, False)))
    problems.add(
        ~good_date & ~flagged["date_of_birth"], "date_of_birth",
        N_("row {row}, column {column}: not a date of birth written YYYY-MM-DD, "
           "from 1900-01-01 to today."),
    )  # fmt: skip

    country = pc.utf8_upper(columns["country"])
    columns["country"] = country
    known = _np(pc.is_in(country, value_set=pa.array(sorted(COUNTRIES))))
    problems.add(
        ~known & ~flagged["country"], "country",
        N_("row {row}, column {column}: {value} is not an ISO 3166-1 alpha-2 country code "
           "(such as KH)."),
        value=lambda position: repr(country[position].as_py()[:12]),
    )  # fmt: skip

    email_empty = empty("email")
    shaped = _np(pc.match_substring_regex(columns["email"], EMAIL_PATTERN))
    problems.add(
        ~shaped & ~email_empty & ~flagged["email"], "email",
        N_("row {row}, column {column}: not an e-mail address (name@domain.tld)."),
    )  # fmt: skip
    if problems.total():
        raise ApplicationErrors(file, problems.first(), problems.total())
    return Checked(columns, rows)


def _as_text(raw: Any) -> tuple[Any, npt.NDArray[np.bool_]]:
    """Binary values as UTF-8 strings, and which rows were not UTF-8 (those become empty)."""
    import pyarrow as pa

    if pa.types.is_string(raw.type):
        return raw, np.zeros(len(raw), dtype=bool)
    try:
        return raw.cast(pa.string()), np.zeros(len(raw), dtype=bool)
    except pa.ArrowInvalid:
        values = raw.to_pylist()
        bad = np.zeros(len(values), dtype=bool)
        text = []
        for n, value in enumerate(values):  # only for a file that has an encoding problem
            try:
                text.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                bad[n] = True
                text.append("")
        return pa.array(text, pa.string()), bad


def _np(array: Any) -> npt.NDArray[np.bool_]:
    result: npt.NDArray[np.bool_] = np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)
    return result
