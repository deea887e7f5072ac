"""Migration 0004 moves an existing ledger (nodes one per row, text bodies) into tiles and
byte bodies without changing a single hash, and back again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from soai import db
from soai.crypto.jcs import canonicalize
from soai.db import transaction
from soai.ledger import merkle, service, tiles
from soai.ledger.audit import audit
from tests.conftest import postgres_admin_url


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
        yield url
        db.dispose_engine(url)
        return
    admin_url = postgres_admin_url()
    name = f"soai_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    db.dispose_engine(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_an_old_ledger_survives_the_move_to_tiles_and_back(fresh_url: str) -> None:
    engine = db.get_engine(fresh_url)
    db.upgrade(engine, "0003")
    bodies = [
        canonicalize(
            {
                "type": "admin.notice",
                "time": "2026-11-27T07:00:00Z",
                "data": {"n": n, "text": "សេចក្តីជូនដំណឹង"},
            }
        )
        for n in range(600)  # more than two tiles at level 0
    ]
    nodes = merkle.compute_all([merkle.leaf_hash(b) for b in bodies])
    root_before = merkle.root(len(bodies), lambda lv, p: nodes[(lv, p)])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entries (position, kind, body, created_at) "
                "VALUES (:p, 'admin.notice', :b, :t)"
            ),
            [{"p": i, "b": b.decode(), "t": datetime.now(UTC)} for i, b in enumerate(bodies)],
        )
        conn.execute(
            text("INSERT INTO ledger_nodes (level, position, hash) VALUES (:l, :p, :h)"),
            [{"l": lv, "p": p, "h": h} for (lv, p), h in nodes.items()],
        )
        conn.execute(text("UPDATE ledger_head SET size = :n WHERE id = 1"), {"n": len(bodies)})

    db.upgrade(engine)
    tiles.forget_cache()
    sessions = db.session_factory(engine)
    with transaction(sessions) as session:
        assert merkle.root(len(bodies), service.node_reader(session)) == root_before
        report = audit(session, vkeys=[])
        assert report.problems == [] and report.entries_checked == 600
        assert service.entry(session, position=599).body == bodies[599]

    command.downgrade(db.alembic_config(engine), "0003")
    with engine.connect() as conn:
        restored = dict(
            ((lv, p), bytes(h))
            for lv, p, h in conn.execute(text("SELECT level, position, hash FROM ledger_nodes"))
        )
        texts = [
            r[0] for r in conn.execute(text("SELECT body FROM ledger_entries ORDER BY position"))
        ]
    assert restored == nodes
    assert [t.encode() for t in texts] == bodies
