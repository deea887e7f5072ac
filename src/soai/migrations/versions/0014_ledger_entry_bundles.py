"""ledger entries in bundles of 256 (C2SP tlog-tiles' entry bundles)

One row per entry made the row insert most of the cost of a durable append; 256 entries per
row (each its 4-byte length, then its canonical bytes) cut it to almost nothing. The entries of
the bundle still filling up wait one per row (``ledger_open_entries``) until it is sealed.
Positions, leaf hashes, tiles and checkpoints do not change. A position missing from the old
table (an entry deleted behind the log's back) stays missing or, inside a sealed bundle, empty:
the audit still names it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDTH = 256


def _pack(bodies: list[bytes]) -> bytes:
    return b"".join(len(body).to_bytes(4, "big") + body for body in bodies)


def upgrade() -> None:
    bundles = op.create_table(
        "ledger_bundles",
        sa.Column(
            "bundle",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("bundle", name=op.f("pk_ledger_bundles")),
    )
    waiting = op.create_table(
        "ledger_open_entries",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_ledger_open_entries")),
    )
    rows = op.get_bind().execute(  # streamed: millions of entries are never all in memory
        sa.text("SELECT position, body FROM ledger_entries ORDER BY position").execution_options(
            stream_results=True, yield_per=10_000
        )
    )
    current: list[tuple[int, bytes]] = []  # entries of the bundle being filled
    batch: list[dict[str, object]] = []
    for position, body in rows:
        if current and position // WIDTH != current[0][0] // WIDTH:
            batch.append(_sealed(current))  # an earlier bundle: its places are all taken
            current = []
        current.append((position, bytes(body)))
        if len(batch) >= 200:
            op.bulk_insert(bundles, batch)
            batch = []
    if len(current) == WIDTH:
        batch.append(_sealed(current))
    elif current:  # the bundle still filling up: its entries wait one per row
        op.bulk_insert(waiting, [{"position": p, "body": body} for p, body in current])
    if batch:
        op.bulk_insert(bundles, batch)
    op.drop_table("ledger_entries")


def _sealed(entries: list[tuple[int, bytes]]) -> dict[str, object]:
    """One full bundle row; a place whose entry was deleted behind the log's back is kept
    empty, so the audit still reports that entry."""
    index = entries[0][0] // WIDTH
    bodies = [b""] * WIDTH
    for position, body in entries:
        bodies[position - index * WIDTH] = body
    return {"bundle": index, "data": _pack(bodies)}


def downgrade() -> None:
    entries = op.create_table(
        "ledger_entries",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_ledger_entries")),
    )
    rows = op.get_bind().execute(
        sa.text("SELECT bundle, data FROM ledger_bundles ORDER BY bundle").execution_options(
            stream_results=True, yield_per=1_000
        )
    )
    batch: list[dict[str, object]] = []
    for index, data in rows:
        raw, offset = bytes(data), 0
        position = index * WIDTH
        while offset + 4 <= len(raw):
            size = int.from_bytes(raw[offset : offset + 4], "big")
            if offset + 4 + size > len(raw):
                break  # a damaged bundle: what cannot be read is left out (an audit names it)
            body = raw[offset + 4 : offset + 4 + size]
            offset += 4 + size
            if body:
                batch.append({"position": position, "kind": _kind(body), "body": body})
            position += 1
        if len(batch) >= 20_000:
            op.bulk_insert(entries, batch)
            batch = []
    for position, body in op.get_bind().execute(
        sa.text("SELECT position, body FROM ledger_open_entries ORDER BY position")
    ):
        batch.append({"position": position, "kind": _kind(bytes(body)), "body": bytes(body)})
    if batch:
        op.bulk_insert(entries, batch)
    op.drop_table("ledger_open_entries")
    op.drop_table("ledger_bundles")


def _kind(body: bytes) -> str:
    import json

    try:
        return str(json.loads(body).get("type", ""))
    except (ValueError, AttributeError):
        return ""
