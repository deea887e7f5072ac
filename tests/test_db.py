"""The database layer on SQLite and PostgreSQL: schema, transactions, timestamps, failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from soai import db
from soai.errors import DatabaseUnavailable
from soai.identity import service as identity
from soai.identity.models import User
from soai.identity.policy import Role
from soai.identity.schemas import UserCreate
from soai.migrations.metadata import target_metadata

PHNOM_PENH = timezone(timedelta(hours=7))


def _new_user(email: str) -> UserCreate:
    return UserCreate(
        email=email,
        display_name="Sok Dara",
        password="correct horse battery staple",
        roles=[Role.ANALYST],
    )


def test_migrations_create_exactly_the_schema_of_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, target_metadata)
    assert differences == []


def test_database_is_at_the_newest_migration(engine: Engine) -> None:
    assert db.is_migrated(engine)
    assert db.current_revision(engine) == db.head_revision(engine)


def test_transaction_commits_when_the_use_case_ends(sessions: sessionmaker[Session]) -> None:
    with db.transaction(sessions) as session:
        identity.create_user(session, data=_new_user("dara@example.org"))

    with db.transaction(sessions) as session:
        assert identity.get_user(session, email="dara@example.org").display_name == "Sok Dara"


def test_transaction_rolls_back_everything_on_error(sessions: sessionmaker[Session]) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.transaction(sessions) as session:
        identity.create_user(session, data=_new_user("first@example.org"))
        identity.create_user(session, data=_new_user("second@example.org"))
        raise Boom

    with db.transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.fixture
def timestamps(engine: Engine) -> Iterator[Table]:
    """A scratch table with one UTCDateTime column, dropped afterwards."""
    metadata = MetaData()
    table = Table(
        "test_utc_datetime",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", db.UTCDateTime()),
    )
    metadata.create_all(engine)
    yield table
    metadata.drop_all(engine)


def test_utc_datetime_round_trips_the_same_instant_in_utc(
    engine: Engine, timestamps: Table
) -> None:
    local = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=PHNOM_PENH)
    with engine.begin() as conn:
        conn.execute(insert(timestamps).values(id=1, at=local))

    with engine.connect() as conn:
        stored = conn.scalar(select(timestamps.c.at).where(timestamps.c.id == 1))

    assert stored == local
    assert stored.utcoffset() == timedelta(0)
    assert (stored.hour, stored.minute, stored.microsecond) == (2, 30, 123456)


def test_utc_datetime_refuses_a_naive_datetime(engine: Engine, timestamps: Table) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(insert(timestamps).values(id=1, at=datetime(2026, 3, 2, 9, 30)))

    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(timestamps)) == 0


@pytest.mark.parametrize("count", [3, db.COPY_FROM + 50])
def test_bulk_rows_are_stored_exactly_whichever_way_they_go_in(engine: Engine, count: int) -> None:
    """insert_rows takes INSERTs for a few rows and COPY for many on PostgreSQL: same result."""
    metadata = MetaData()
    table = Table(
        "test_bulk_rows",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("body", LargeBinary),
        Column("note", Text),
        Column("at", db.UTCDateTime()),
        Column("data", JSON),
    )
    metadata.create_all(engine)
    try:
        at = datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=PHNOM_PENH)
        notes = ["tab\there", "line\nbreak \\N", "ក្របខណ្ឌ", None, "quote ' \" , comma"]
        rows = [
            (i, bytes([i % 256, 0, 92, 10]) * 3, notes[i % len(notes)], at if i % 2 else None)
            for i in range(count)
        ]
        payload = {"km": "សុវត្ថិភាព", "n": 33}
        with engine.begin() as conn:
            encoded = db.encode_json(conn.dialect, payload)
            db.insert_rows(
                conn,
                table,
                ("id", "body", "note", "at", "data"),
                [(*row, encoded) for row in rows],
                encoded=("data",),
            )
        with engine.connect() as conn:
            stored = conn.execute(select(table).order_by(table.c.id)).all()
        assert [(r.id, bytes(r.body), r.note, r.at) for r in stored] == rows
        assert all(r.data == payload for r in stored)
    finally:
        metadata.drop_all(engine)


def test_utc_datetime_keeps_the_timestamps_of_orm_rows(sessions: sessionmaker[Session]) -> None:
    before = datetime.now(UTC)
    with db.transaction(sessions) as session:
        identity.create_user(session, data=_new_user("dara@example.org"))

    with db.transaction(sessions) as session:
        created = identity.get_user(session, email="dara@example.org").created_at

    assert created.tzinfo is not None and created.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC)


def test_sqlite_runs_in_wal_mode_and_flushes_every_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'instance' / 'soai.db'}"
    engine = db.get_engine(url)
    try:
        with engine.begin() as conn:
            mode = conn.scalar(text("PRAGMA journal_mode"))
            synchronous = conn.scalar(text("PRAGMA synchronous"))
            conn.execute(text("CREATE TABLE probe (x INTEGER)"))
            conn.execute(text("INSERT INTO probe VALUES (1)"))
            assert (tmp_path / "instance" / "soai.db-wal").is_file()
        assert mode == "wal"
        assert synchronous == 2  # FULL: a committed decision or ledger entry survives a power cut
    finally:
        db.dispose_engine(url)


@pytest.fixture
def unreachable_postgres() -> Iterator[str]:
    """A PostgreSQL URL (with a password) on a loopback port that is bound but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        url = f"postgresql+psycopg://soai:hunter2-password@127.0.0.1:{port}/soai"
        yield url
        db.dispose_engine(url)


def test_unreachable_postgres_is_reported_with_host_and_port_but_no_password(
    unreachable_postgres: str,
) -> None:
    port = unreachable_postgres.rsplit(":", 1)[1].split("/")[0]

    with pytest.raises(DatabaseUnavailable) as caught:
        db.check_connection(db.get_engine(unreachable_postgres))

    text = caught.value.diagnostics()
    assert "127.0.0.1" in text
    assert port in text
    assert "hunter2-password" not in text
    assert "***" in text
    assert "Check that the database server is running" in text


def test_migrating_an_unreachable_postgres_fails_cleanly(unreachable_postgres: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        db.upgrade(db.get_engine(unreachable_postgres))
    assert "hunter2-password" not in str(caught.value)
    assert "Cannot reach the database at postgresql+psycopg://soai:***@127.0.0.1:" in str(
        caught.value
    )


def test_a_use_case_on_an_unreachable_postgres_reports_it_unavailable(
    unreachable_postgres: str,
) -> None:
    # Regression: only a connection lost mid-way became DatabaseUnavailable; a server that
    # could not be reached at all escaped as a raw OperationalError (a 500 with a traceback).
    sessions = db.session_factory(db.get_engine(unreachable_postgres))

    with pytest.raises(DatabaseUnavailable) as caught, db.transaction(sessions) as session:
        session.scalar(select(func.count()).select_from(User))

    assert "Cannot reach the database at postgresql+psycopg://soai:***@127.0.0.1:" in str(
        caught.value
    )
    assert "hunter2-password" not in str(caught.value)


def test_an_error_of_a_statement_is_not_mistaken_for_an_unreachable_database(
    sessions: sessionmaker[Session],
) -> None:
    # SQLite reports a missing table as an OperationalError too; it must stay the SQL error.
    with pytest.raises(DBAPIError, match="no_such_table"), db.transaction(sessions) as session:
        session.execute(text("SELECT * FROM no_such_table"))
