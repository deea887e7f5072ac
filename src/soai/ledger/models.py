"""Tables of the transparency ledger: entry bundles, Merkle nodes, the head, checkpoints.

Entries are stored 256 to a row (``ledger_bundles``), those of the bundle still filling up one
per row (``ledger_open_entries``). Every complete subtree's hash is stored
once, in tiles of 256 hashes per level (``ledger_tiles``; level 0 holds the leaf hashes), so a
proof reads O(log n) hashes and never recomputes the tree. ``ledger_head`` is the single row
appenders lock, which keeps concurrent appends from forking the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class LedgerBundle(Base):
    """256 consecutive entries, each its length (4 bytes) then its canonical bytes
    (see soai.ledger.bundles)."""

    __tablename__ = "ledger_bundles"

    # INTEGER PRIMARY KEY on SQLite: the bundle number is the rowid, no separate index.
    bundle: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    data: Mapped[bytes] = mapped_column(LargeBinary, doc="the entries as canonical JSON (RFC 8785)")


class LedgerOpenEntry(Base):
    """An entry of the bundle still filling up, one row each until its 256th seals the bundle
    (so appending one entry writes one small row, not the whole partial bundle again)."""

    __tablename__ = "ledger_open_entries"

    position: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    body: Mapped[bytes] = mapped_column(LargeBinary, doc="the event as canonical JSON (RFC 8785)")


@dataclass(frozen=True)
class LedgerEntry:
    """One entry: its position and its exact canonical bytes (what is hashed)."""

    position: int
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value

    @property
    def kind(self) -> str:
        """The event's type, as the entry itself gives it."""
        return str(self.event.get("type", ""))


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
