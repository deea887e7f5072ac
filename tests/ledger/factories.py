"""Test factories of the ledger: events appended in write transactions, checkpoints, raw SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.ledger import bundles, keys, service, tiles
from soai.ledger.models import LedgerCheckpoint, LedgerEntry
from soai.settings import Settings

KIND = "test.event"


def append(sessions: sessionmaker[Session], *batches: int, kind: str = KIND) -> list[int]:
    """Append one write transaction per batch; event data ``{"n": position}``."""
    positions: list[int] = []
    for count in batches:
        with transaction(sessions, write=True) as session:
            start = service.size(session)
            positions += service.append_many(
                session, [(kind, {"n": start + i}) for i in range(count)]
            )
    return positions


def sign(settings: Settings, sessions: sessionmaker[Session]) -> LedgerCheckpoint:
    """Sign a checkpoint of the whole ledger now, as `soai ledger checkpoint` does."""
    with transaction(sessions, write=True) as session:
        return service.checkpoint(
            session, signer=keys.signer(settings), origin=keys.origin(settings)
        )


def proof_at_latest(settings: Settings, sessions: sessionmaker[Session], position: int) -> Any:
    with transaction(sessions, write=True) as session:
        return service.proof_at_latest(
            session,
            position=position,
            signer=lambda: keys.signer(settings),
            origin=keys.origin(settings),
        )


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """(head size, stored entries, stored checkpoints)."""
    with transaction(sessions) as session:
        return (
            service.size(session),
            bundles.count(session),
            session.scalar(select(func.count()).select_from(LedgerCheckpoint)) or 0,
        )


def execute(sessions: sessionmaker[Session], sql: str, **params: Any) -> int:
    """Run raw SQL as someone with database access would (tampering); returns rows changed."""
    with transaction(sessions) as session:
        return session.execute(text(sql), params).rowcount  # type: ignore[attr-defined, no-any-return]


def empty_ledger(sessions: sessionmaker[Session]) -> None:
    """Drop every entry, node and checkpoint and reset the head to 0 (a fresh ledger)."""
    tiles.forget_cache()
    for statement in (
        "DELETE FROM ledger_bundles",
        "DELETE FROM ledger_open_entries",
        "DELETE FROM ledger_tiles",
        "DELETE FROM ledger_checkpoints",
    ):
        execute(sessions, statement)
    if not execute(sessions, "UPDATE ledger_head SET size = 0 WHERE id = 1"):
        execute(
            sessions,
            "INSERT INTO ledger_head (id, size, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)",
        )


def set_node(sessions: sessionmaker[Session], level: int, position: int, digest: bytes) -> None:
    """Overwrite one stored node hash in its tile (tampering, for audit tests)."""
    tile, offset = position // tiles.WIDTH, (position % tiles.WIDTH) * tiles.HASH
    with transaction(sessions) as session:
        data = bytes(
            session.execute(
                text("SELECT hashes FROM ledger_tiles WHERE level = :l AND tile = :t"),
                {"l": level, "t": tile},
            ).scalar_one()
        )
        assert len(data) >= offset + tiles.HASH, f"no node {level}/{position}"
        session.execute(
            text("UPDATE ledger_tiles SET hashes = :h WHERE level = :l AND tile = :t"),
            {"h": data[:offset] + digest + data[offset + tiles.HASH :], "l": level, "t": tile},
        )
    tiles.forget_cache()


def stored_entries(sessions: sessionmaker[Session]) -> list[LedgerEntry]:
    """Every stored entry, in order, read from the bundles (whatever the head says)."""
    with transaction(sessions) as session:
        return bundles.read(session, 0, 2**62)


def _sealed(sessions: sessionmaker[Session], position: int) -> bool:
    with transaction(sessions) as session:
        found = session.execute(
            text("SELECT COUNT(*) FROM ledger_bundles WHERE bundle = :b"),
            {"b": position // bundles.WIDTH},
        ).scalar_one()
    return bool(found)


def _rewrite_bundle(sessions: sessionmaker[Session], position: int, change: Any) -> None:
    index, offset = divmod(position, bundles.WIDTH)
    with transaction(sessions) as session:
        data = bytes(
            session.execute(
                text("SELECT data FROM ledger_bundles WHERE bundle = :b"), {"b": index}
            ).scalar_one()
        )
        entries = bundles.unpack(data)
        assert offset < len(entries), f"no entry {position}"
        change(entries, offset)
        session.execute(
            text("UPDATE ledger_bundles SET data = :d WHERE bundle = :b"),
            {"d": bundles.pack(entries), "b": index},
        )


def replace_entry(sessions: sessionmaker[Session], position: int, body: bytes) -> None:
    """Overwrite one stored entry, in its bundle or its open row (tampering, for audit tests)."""
    if not _sealed(sessions, position):
        changed = execute(
            sessions,
            "UPDATE ledger_open_entries SET body = :b WHERE position = :p",
            b=body,
            p=position,
        )
        assert changed == 1, f"no entry {position}"
        return

    def change(entries: list[bytes], offset: int) -> None:
        entries[offset] = body

    _rewrite_bundle(sessions, position, change)


def delete_entry(sessions: sessionmaker[Session], position: int) -> None:
    """Delete one entry's open row, or cut it out of its bundle as an insider editing the
    bytes would (tampering, for audit tests)."""
    if not _sealed(sessions, position):
        changed = execute(
            sessions, "DELETE FROM ledger_open_entries WHERE position = :p", p=position
        )
        assert changed == 1, f"no entry {position}"
        return

    def change(entries: list[bytes], offset: int) -> None:
        del entries[offset]

    _rewrite_bundle(sessions, position, change)
