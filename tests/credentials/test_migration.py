"""Migration 0015 moves what a batch of credentials shares into one row, and back again,
without changing any value of any credential, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from soai import db
from soai.credentials import service
from soai.db import transaction
from tests.ledger.test_migration import fresh_url  # noqa: F401 - the fixture

SHARED = {
    "template_id": "t" * 64,
    "achievement_key": "ceasai-fundamentals",
    "valid_from": "2026-11-27T00:00:00Z",
    "proof_created": "2026-11-27T00:00:01Z",
    "verification_method": "did:web:mptc.gov.kh#key-1",
}


def test_credentials_keep_every_value_through_the_move_to_batches_and_back(
    fresh_url: str,  # noqa: F811
) -> None:
    engine = db.get_engine(fresh_url)
    db.upgrade(engine, "0014")
    first, later = datetime(2026, 11, 27, 9, tzinfo=UTC), datetime(2026, 11, 28, 9, tzinfo=UTC)
    rows = [  # two issued together, one later without an expiry: two batches
        {"id": "urn:uuid:a", "until": "2029-11-27T00:00:00Z", "at": first, "index": 0},
        {"id": "urn:uuid:b", "until": "2029-11-27T00:00:00Z", "at": first, "index": 1},
        {"id": "urn:uuid:c", "until": None, "at": later, "index": 2},
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO credential_templates (id, achievement_key, body, created_at) "
                "VALUES (:id, 'ceasai-fundamentals', '{}', :at)"
            ),
            {"id": SHARED["template_id"], "at": first},
        )
        conn.execute(
            text(
                "INSERT INTO status_lists (id, size, next_index, created_at) "
                "VALUES (1, 131072, 3, :at)"
            ),
            {"at": first},
        )
        conn.execute(
            text(
                "INSERT INTO credentials (id, template_id, achievement_key, identity_hash, salt, "
                "subject_lookup, status_list_id, status_index, valid_from, valid_until, "
                "proof_created, verification_method, proof_value, issued_at, ledger_position) "
                "VALUES (:id, :template_id, :achievement_key, 'sha256$x', 's', 'l', 1, :index, "
                ":valid_from, :until, :proof_created, :verification_method, 'zSig', :at, :index)"
            ),
            [{**SHARED, **row} for row in rows],
        )

    db.upgrade(engine)
    sessions = db.session_factory(engine)
    with transaction(sessions) as session:
        batches = session.execute(text("SELECT COUNT(*) FROM credential_batches")).scalar_one()
        records = [service.get(session, credential_id=row["id"]) for row in rows]
        assert batches == 2
        assert records[0].batch_id == records[1].batch_id != records[2].batch_id
        for record, row in zip(records, rows, strict=True):
            assert (record.valid_until, record.issued_at) == (row["until"], row["at"])
            assert record.verification_method == SHARED["verification_method"]
            assert record.template_id == SHARED["template_id"]
            assert record.achievement_key == SHARED["achievement_key"]

    db.dispose_engine(fresh_url)
    command.downgrade(db.alembic_config(db.get_engine(fresh_url)), "0014")
    with db.get_engine(fresh_url).connect() as conn:
        back = conn.execute(
            text(
                "SELECT id, valid_until, achievement_key, verification_method, template_id "
                "FROM credentials ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in back] == [
        (row["id"], row["until"], SHARED["achievement_key"], SHARED["verification_method"],
         SHARED["template_id"])
        for row in rows
    ]  # fmt: skip
