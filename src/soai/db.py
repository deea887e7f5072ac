"""Database access: declarative base, engines, sessions and migrations.

SQLite (WAL) under ``$SOAI_HOME`` is the embedded default; PostgreSQL (psycopg 3) is used at
scale. Engines are created lazily, one per URL, never at import time. A use case runs inside
:func:`transaction`, which commits where it ends and rolls back on any error, so nothing is
half-written. Schema changes go through Alembic migrations in ``soai/migrations``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from soai.errors import DatabaseUnavailable
from soai.i18n.markers import N_

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Base of every table; constraint names are stable across SQLite and PostgreSQL."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both engines (SQLite stores no zone)."""

    impl = DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; soai stores UTC-aware times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


WRITE_LOCK = "soai_write_lock"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # soai emits BEGIN itself (see _begin_sqlite), so that a writer can take the write lock
    # at the start of its transaction instead of failing to upgrade a read snapshot later.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # FULL: a commit reaches the disk before it is acknowledged. With NORMAL, a power cut may
    # undo the last commits, and a ledger whose signed checkpoint was already published would
    # then grow again differently at the same positions: the fork a transparency log must
    # never show. Measured on the reference machine: one fsync, about 0.5 ms a commit (a
    # one-entry ledger append 0.74 -> 1.27 ms), nothing measurable on bulk appends.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    immediate = connection.get_execution_options().get(WRITE_LOCK, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def get_engine(url: str, *, pool_size: int = 10) -> Engine:
    """The engine for ``url``, created on first use and shared afterwards."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False})
            event.listen(engine, "connect", _configure_sqlite)
            event.listen(engine, "begin", _begin_sqlite)
        else:
            engine = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 5},
            )
        _engines[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def describe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailable` with the server's reason when it cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc


def _unreachable(engine: Engine, exc: OperationalError) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        N_("Cannot reach the database at {url}: {reason}"),
        url=describe(str(engine.url)),
        reason=str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc),
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back everything on any error.

    ``write=True`` is for use cases that must serialise with other writers (appending to the
    ledger, allocating status-list indexes): on SQLite the transaction starts with
    ``BEGIN IMMEDIATE`` and waits for the write lock; on PostgreSQL the use case locks the rows
    it needs (``SELECT … FOR UPDATE``).
    """
    session = factory()
    if write:
        session.connection(execution_options={WRITE_LOCK: True})
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise DatabaseUnavailable(
                N_("The database connection was lost: {reason}"), reason=str(exc.orig)
            ) from exc
        if exc.statement is None:  # no statement was sent: the server could not be reached
            raise _unreachable(factory.kw["bind"], exc) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> Any:
    """Alembic configuration bound to ``engine`` (for upgrades and for writing migrations)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision``."""
    from alembic import command

    check_connection(engine)
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_migrated(engine: Engine) -> bool:
    """True when the schema exists and is at the newest migration."""
    if not inspect(engine).has_table("alembic_version"):
        return False
    return current_revision(engine) == head_revision(engine)


COPY_FROM = 100  # rows from which PostgreSQL gets COPY instead of a batch of INSERTs


def insert_rows(
    connection: Any,
    table: Any,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    encoded: Collection[str] = (),
) -> None:
    """Insert many rows with the driver's executemany, skipping per-row ORM/Core work.

    For bulk paths (ledger appends, bulk issuance): the SQL is written once in the driver's
    parameter style, and only the columns whose type needs converting (timestamps on SQLite)
    go through SQLAlchemy's bind processors. Columns named in ``encoded`` hold values already
    in the driver's form (see :func:`encode_json`) and are passed through as they are, and so
    are binary columns: sqlite3 and psycopg take ``bytes`` as they are (SQLAlchemy would wrap
    each value, a function call per row that cost a ledger append a quarter of its time).
    """
    if not rows:
        return
    dialect = connection.dialect
    processors = [
        (i, processor)
        for i, name in enumerate(columns)
        if name not in encoded
        and not isinstance(table.c[name].type, LargeBinary)
        and (processor := table.c[name].type._cached_bind_processor(dialect)) is not None
    ]
    if processors:
        converted = []
        for row in rows:
            values = list(row)
            for i, processor in processors:
                values[i] = processor(values[i])
            converted.append(tuple(values))
        rows = converted
    if dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy(connection, table, columns, rows)
        return
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({quoted}) "  # noqa: S608 - identifiers from the schema, values bound
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    connection.exec_driver_sql(sql, rows)


def load_rows(
    connection: Any, table: Any, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Load many rows as fast as the database takes them: ``COPY … FROM STDIN`` on PostgreSQL
    (psycopg adapts each value), :func:`insert_rows` in chunks elsewhere. For big bulk imports
    whose values need no JSON encoding."""
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, rows)
        return
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= 20_000:
            insert_rows(connection, table, columns, chunk)
            chunk = []
    insert_rows(connection, table, columns, chunk)


def _copy(
    connection: Any, table: Any, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """``COPY … FROM STDIN`` on PostgreSQL; psycopg adapts each value."""
    preparer = connection.dialect.identifier_preparer
    quoted = ", ".join(preparer.quote(name) for name in columns)
    cursor = connection.connection.driver_connection.cursor()
    with (
        cursor,
        cursor.copy(f"COPY {preparer.format_table(table)} ({quoted}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _already_encoded(text: str) -> str:
    return text


def encode_json(dialect: Any, value: Any) -> Any:
    """``value`` for a JSON column, encoded once so that many rows of a bulk insert can share it.

    Pass the column in ``encoded`` to :func:`insert_rows`. SQLite stores the JSON text; psycopg
    takes a ``Json`` wrapper, here one whose text is already made.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if dialect.name == "postgresql":
        from psycopg.types.json import Json

        return Json(text, dumps=_already_encoded)
    return text


def next_ids(connection: Any, table: Any, count: int) -> list[int]:
    """Reserve ``count`` primary keys of ``table`` for a bulk insert with explicit ids.

    PostgreSQL hands them out from the column's sequence, so concurrent writers never collide;
    on SQLite the caller holds the database's write lock (``transaction(write=True)``), so the
    ids after the largest one are free.
    """
    if count <= 0:
        return []
    name = table.name
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": name, "n": count},
        )
        return [int(value) for (value,) in rows]
    largest = connection.execute(text(f'SELECT coalesce(max(id), 0) FROM "{name}"')).scalar_one()  # noqa: S608 - a table of the schema
    return list(range(int(largest) + 1, int(largest) + 1 + count))
