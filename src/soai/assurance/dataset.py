"""Reading the data an analyst tests: a CSV or Parquet file of labels, predictions, scores and
group columns, streamed in batches (with progress) and checked column by column.

The file must be what its extension says (Parquet files start and end with ``PAR1``; a CSV is
UTF-8 text), the named columns must exist (the error lists the columns found), and label and
prediction columns may hold no missing values. Only the columns a test needs are read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from soai.errors import InvalidInput
from soai.i18n.markers import N_

Progress = Callable[[int, int | None, str], None]
PARQUET_MAGIC = b"PAR1"
BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Table:
    columns: dict[str, npt.NDArray[np.generic]]
    rows: int
    sha256: str
    name: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidInput(
            N_("{file}: test data must be a .csv or a .parquet file."), field="file", file=path.name
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            tail = b""
            if path.stat().st_size >= 8:
                handle.seek(-4, 2)
                tail = handle.read(4)
    except OSError as exc:
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), field="file", file=path.name, reason=str(exc)
        ) from exc
    parquet = head.startswith(PARQUET_MAGIC) and tail == PARQUET_MAGIC
    if suffix == ".parquet" and not parquet:
        raise InvalidInput(
            N_("{file} is named .parquet but is not a Parquet file."), field="file", file=path.name
        )
    if suffix == ".csv" and (parquet or b"\x00" in head):
        raise InvalidInput(
            N_("{file} is named .csv but is not a text file."), field="file", file=path.name
        )
    return suffix[1:]


def read(
    path: Path,
    *,
    columns: Sequence[str],
    required: Sequence[str] = (),
    on_progress: Progress | None = None,
) -> Table:
    """The named ``columns`` of ``path`` as numpy arrays; ``required`` ones may hold no gaps."""
    import pyarrow as pa

    kind = _kind(path)
    wanted = list(dict.fromkeys(columns))
    batches: list[pa.RecordBatch] = []
    total = path.stat().st_size
    if kind == "parquet":
        import pyarrow.parquet as pq

        handle = pq.ParquetFile(path)
        _check_columns(path, wanted, handle.schema_arrow.names)
        rows_total: int | None = handle.metadata.num_rows
        for batch in handle.iter_batches(columns=wanted, batch_size=262_144):
            batches.append(batch)
            if on_progress is not None:
                on_progress(sum(b.num_rows for b in batches), rows_total, "reading")
    else:
        import pyarrow.csv as pcsv

        try:
            reader = pcsv.open_csv(path, read_options=pcsv.ReadOptions(block_size=BATCH_BYTES))
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise InvalidInput(
                N_("{file} is not a readable CSV file: {reason}"),
                field="file",
                file=path.name,
                reason=str(exc),
            ) from exc
        _check_columns(path, wanted, reader.schema.names)
        done_bytes = 0
        try:
            for batch in reader:
                batches.append(batch.select(wanted))
                done_bytes = min(total, done_bytes + BATCH_BYTES)
                if on_progress is not None:
                    on_progress(done_bytes, total, "reading")
        except pa.ArrowInvalid as exc:
            raise InvalidInput(
                N_("{file} is not a readable CSV file: {reason}"),
                field="file",
                file=path.name,
                reason=str(exc),
            ) from exc
    table = pa.Table.from_batches(batches) if batches else None
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name in wanted:
        column = table.column(name) if table is not None else pa.chunked_array([], pa.null())
        if name in required and column.null_count:
            raise InvalidInput(
                N_("Column {column} has {count} empty value(s); fill or drop those rows."),
                field=name,
                column=name,
                count=column.null_count,
            )
        arrays[name] = _numpy(column)
    return Table(arrays, table.num_rows if table is not None else 0, sha256_of(path), path.name)


def _numpy(column: Any) -> npt.NDArray[Any]:
    """A pyarrow column as numpy. Text without gaps goes through a dictionary (distinct values
    once, then codes); other columns are joined into one array first. Both avoid pyarrow's
    chunked-array route through pandas, whose import alone costs a quarter of a second."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.null_count == 0 and (
        pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    ):
        encoded = pc.dictionary_encode(column).combine_chunks()
        values = np.array(encoded.dictionary.to_pylist(), dtype=object)
        return values[encoded.indices.to_numpy()] if len(values) else values[:0]
    result: npt.NDArray[Any] = column.combine_chunks().to_numpy(zero_copy_only=False)
    return result


def header(path: Path) -> list[str]:
    """The column names of a data file, read without loading its rows."""
    import pyarrow as pa

    if _kind(path) == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    import pyarrow.csv as pcsv

    try:
        return list(pcsv.open_csv(path).schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InvalidInput(
            N_("{file} is not a readable CSV file: {reason}"),
            field="file",
            file=path.name,
            reason=str(exc),
        ) from exc


def _check_columns(path: Path, wanted: Sequence[str], found: Sequence[str]) -> None:
    missing = [name for name in wanted if name not in found]
    if missing:
        raise InvalidInput(
            N_("{file} has no column {missing}; its columns are: {found}."),
            field=missing[0],
            file=path.name,
            missing=", ".join(missing),
            found=", ".join(found),
        )


def binary(values: npt.NDArray[np.generic], column: str) -> npt.NDArray[np.int8]:
    """A label or prediction column as 0/1; anything else is an error naming the values."""
    if values.dtype == bool:
        return values.astype(np.int8)
    uniques = np.unique(values.astype(str)) if values.dtype.kind in "OUS" else np.unique(values)
    if values.dtype.kind == "f" and np.isnan(values).any():
        raise InvalidInput(
            N_("Column {column} has {count} empty value(s); fill or drop those rows."),
            field=column,
            column=column,
            count=int(np.isnan(values).sum()),
        )
    allowed = {"0", "1", "0.0", "1.0", "true", "false", "True", "False"}
    if values.dtype.kind in "OUS":
        text = values.astype(str)
        if not set(uniques.tolist()) <= allowed:
            raise InvalidInput(
                N_("Column {column} must hold two classes (0 and 1); it holds {values}."),
                field=column,
                column=column,
                values=", ".join(map(str, uniques[:10].tolist())),
            )
        return np.isin(text, ["1", "1.0", "true", "True"]).astype(np.int8)
    if not set(np.unique(values).tolist()) <= {0, 1}:
        raise InvalidInput(
            N_("Column {column} must hold two classes (0 and 1); it holds {values}."),
            field=column,
            column=column,
            values=", ".join(map(str, uniques[:10].tolist())),
        )
    return values.astype(np.int8)
