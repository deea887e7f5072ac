"""Fixtures shared by the whole suite: real SQLite and real PostgreSQL, instances and clients.

Every test that touches the database runs twice, once per engine (``db_url`` is parametrised).
PostgreSQL comes from the throw-away cluster ``make test`` starts (SOAI_TEST_POSTGRES_URL):
each xdist worker gets its own database, migrated once, emptied after each test. SQLite gets
a fresh copy of a migrated database file per test.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from soai import db
from soai.migrations.metadata import target_metadata
from soai.settings import Environment, Settings
from tests.web.browser import base_url, browser  # noqa: F401 - fixtures of the browser tests

PG_ENV = "SOAI_TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEST_KEY_PASSPHRASE = "test key passphrase, not a secret"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"


def postgres_admin_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.fail(
            f"PostgreSQL is not provisioned: {PG_ENV} is not set. Run `make test` (it starts a "
            "throw-away cluster), or point it at a PostgreSQL 15+ server where you may create "
            "databases, e.g. postgresql+psycopg://user@127.0.0.1:5432/postgres.",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def worker_id_safe(worker_id: str) -> str:
    return worker_id.replace("-", "_")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    url = f"sqlite:///{path}"
    engine = db.get_engine(url)
    db.upgrade(engine)
    db.dispose_engine(url)
    return path


@pytest.fixture(scope="session")
def postgres_database(worker_id_safe: str) -> Iterator[str]:
    """A migrated PostgreSQL database of this xdist worker, dropped at the end."""
    admin_url = postgres_admin_url()
    name = f"soai_test_{worker_id_safe}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    db.upgrade(db.get_engine(url))
    yield url
    db.dispose_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(engine: Engine) -> None:
    from soai.ledger.tiles import forget_cache

    forget_cache()  # full ledger tiles are cached per database URL, which the next test reuses
    tables = ", ".join(f'"{t.name}"' for t in target_metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # As after the migrations: the ledger's head row exists from the start.
        conn.execute(text("INSERT INTO ledger_head (id, size, updated_at) VALUES (1, 0, now())"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each engine."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "soai.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        yield url
        db.dispose_engine(url)
    else:
        url = request.getfixturevalue("postgres_database")
        yield url
        _empty_postgres(db.get_engine(url))


@pytest.fixture
def engine(db_url: str) -> Engine:
    return db.get_engine(db_url)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return db.session_factory(engine)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        env=Environment.TEST,
        home=tmp_path / "home",
        database_url=db_url,
        secret_key=TEST_SECRET,
        key_passphrase=TEST_KEY_PASSPHRASE,
        log_level="WARNING",
        log_format="json",
    )


@pytest.fixture
def instance(settings: Settings) -> Settings:
    """An initialised Cambodia instance (profile installed, schema migrated)."""
    from soai.instance import service

    service.initialise(settings, "cambodia")
    return settings


@pytest.fixture
def app(instance: Settings) -> FastAPI:
    from soai.web.app import create_app

    return create_app(instance)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A browser-like client; leaving it waits for background jobs (app lifespan)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def app_sessions(app: FastAPI) -> sessionmaker[Session]:
    return app.state.soai.sessions


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def smtp_server() -> Iterator[tuple[Any, int]]:
    """A real SMTP server (aiosmtpd) on a free loopback port; yields (inbox, port)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as MessageHandler

    class Inbox(MessageHandler):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[Any] = []

        def handle_message(self, message: Any) -> None:
            self.messages.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
