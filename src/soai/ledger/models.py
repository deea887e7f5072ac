"""Tables of the transparency ledger: entries, Merkle nodes, the head, signed checkpoints.

Every complete subtree's hash is stored once, in tiles of 256 hashes per level
(``ledger_tiles``; level 0 holds the leaf hashes), so a proof reads O(log n) hashes and never
recomputes the tree. ``ledger_head`` is the
single row appenders lock, which keeps concurrent appends from forking the log.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class LedgerEntry(Base):
    """One entry: its type (for listing) and its exact canonical bytes (what is hashed).

    The event's time is inside the body; nothing else is stored per entry, which keeps bulk
    appends as cheap as a plain leaf table.
    """

    __tablename__ = "ledger_entries"

    # INTEGER PRIMARY KEY on SQLite: the position is the rowid, no separate index.
    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary, doc="the event as canonical JSON (RFC 8785)")

    @property
    def event(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


class LedgerTile(Base):
    """256 consecutive node hashes of one tree level (see soai.ledger.tiles)."""

    __tablename__ = "ledger_tiles"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    tile: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hashes: Mapped[bytes] = mapped_column(LargeBinary, doc="up to 256 × 32 bytes")


class LedgerHead(Base):
    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerCheckpoint(Base):
    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text, doc="the signed C2SP checkpoint note")
    key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
