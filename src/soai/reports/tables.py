"""Tables for download (CSV) that a spreadsheet opens safely, shared by every part."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def escape_cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula: ``'`` before a leading ``= + - @``, tab
    or carriage return (CSV injection), and before a leading ``'`` so that removing one leading
    ``'`` always gives the original text back."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV with every text cell escaped (numbers and empty cells as they are)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else escape_cell(v) if isinstance(v, str) else v
                         for v in row])  # fmt: skip
    return out.getvalue()
