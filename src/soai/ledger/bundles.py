"""Where the ledger's entries are kept: bundles of 256 consecutive entries.

Entry ``p`` lives in bundle ``p // 256`` at offset ``p % 256`` — the entry bundles of C2SP
tlog-tiles. A bundle is the entries' canonical bytes one after another, each preceded by its
length (4 bytes, big-endian); the last bundle grows until it holds 256. An append of 10,000
entries then writes about 40 rows instead of 10,000, which is most of what a durable append
costs (docs/performance.md). The log is append-only, so a stored entry never changes; a bundle
that does not parse, or holds fewer entries than its place says, has been tampered with, and
the audit names the entries concerned.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from soai.db import insert_rows
from soai.ledger.models import LedgerBundle, LedgerEntry

WIDTH = 256
LENGTH = 4  # bytes of the length before each entry
BUNDLES = cast(Table, LedgerBundle.__table__)


class BundleError(ValueError):
    """A stored bundle whose bytes do not split into entries."""


def pack(bodies: Sequence[bytes]) -> bytes:
    """Entries as one bundle's bytes: each one's length (4 bytes, big-endian), then the entry."""
    return b"".join([part for body in bodies for part in (len(body).to_bytes(LENGTH, "big"), body)])


def unpack(data: bytes) -> list[bytes]:
    """The entries of a bundle, in order; :class:`BundleError` when the bytes do not split."""
    entries = []
    offset, end = 0, len(data)
    while offset < end:
        if offset + LENGTH > end:
            raise BundleError(f"the bundle ends inside an entry's length at byte {offset}")
        size = int.from_bytes(data[offset : offset + LENGTH], "big")
        offset += LENGTH
        if offset + size > end:
            raise BundleError(f"an entry of {size} bytes runs past the end at byte {offset}")
        entries.append(data[offset : offset + size])
        offset += size
    return entries


def append(session: Session, start: int, bodies: Sequence[bytes]) -> None:
    """Store ``bodies`` as entries ``start``, ``start + 1``, … (the caller holds the head lock).

    The bundle that holds ``start`` is extended when it is partly filled; the rest go into new
    bundles.
    """
    if not bodies:
        return
    index, filled = divmod(start, WIDTH)
    taken = 0
    if filled:
        existing = session.scalar(select(LedgerBundle.data).where(LedgerBundle.bundle == index))
        stored = unpack(bytes(existing)) if existing is not None else []
        if existing is None or len(stored) != filled:
            raise RuntimeError(
                f"ledger bundle {index} holds {len(stored)} entries, expected {filled}: "
                "the ledger is damaged (run an audit)"
            )
        taken = min(len(bodies), WIDTH - filled)
        session.execute(
            update(BUNDLES)
            .where(BUNDLES.c.bundle == index)
            .values(data=bytes(existing) + pack(bodies[:taken]))
        )
        index += 1
    rows = [
        (index + offset // WIDTH, pack(bodies[offset : offset + WIDTH]))
        for offset in range(taken, len(bodies), WIDTH)
    ]
    insert_rows(session.connection(), BUNDLES, ("bundle", "data"), rows)


def read(session: Session, first: int, stop: int) -> list[LedgerEntry]:
    """Entries ``first`` to ``stop - 1`` that are stored (a damaged bundle reads as missing)."""
    if stop <= first:
        return []
    found = []
    rows = session.execute(
        select(LedgerBundle.bundle, LedgerBundle.data)
        .where(LedgerBundle.bundle >= first // WIDTH, LedgerBundle.bundle <= (stop - 1) // WIDTH)
        .order_by(LedgerBundle.bundle)
    )
    for index, data in rows:
        try:
            bodies = unpack(bytes(data))
        except BundleError:
            continue
        for offset, body in enumerate(bodies):
            position = index * WIDTH + offset
            if first <= position < stop:
                found.append(LedgerEntry(position=position, body=body))
    return found


def get(session: Session, position: int) -> LedgerEntry | None:
    """Entry ``position``, or None when it is not stored."""
    found = read(session, position, position + 1)
    return found[0] if found else None


def stored(session: Session, batch: int = 100) -> Iterator[tuple[int, list[bytes] | BundleError]]:
    """Every stored bundle in order: its index and its entries (or why they cannot be read)."""
    rows = session.execute(
        select(LedgerBundle.bundle, LedgerBundle.data)
        .order_by(LedgerBundle.bundle)
        .execution_options(yield_per=batch)
    )
    for index, data in rows:
        try:
            yield index, unpack(bytes(data))
        except BundleError as exc:
            yield index, exc


def count(session: Session) -> int:
    """How many entries are stored, read from the bundles themselves (for checks and tests)."""
    return sum(len(entries) for _i, entries in stored(session) if isinstance(entries, list))
