"""Where the ledger's entries are kept: sealed bundles of 256 entries, and the open bundle.

Entry ``p`` belongs to bundle ``p // 256`` — the entry bundles of C2SP tlog-tiles. A full
bundle is one row (``ledger_bundles``): the entries' canonical bytes one after another, each
preceded by its length (4 bytes, big-endian). The entries of the bundle still filling up wait
one per row (``ledger_open_entries``); the append that brings it to 256 seals it. A bulk append
of 10,000 entries then writes about 40 rows instead of 10,000 — most of what a durable append
cost (docs/performance.md) — and appending one entry writes one small row.

The log is append-only, so a stored entry never changes. A bundle that does not split into
entries, holds a number of entries its place does not allow, or lies beyond the head has been
tampered with, and the audit names it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from soai.db import insert_rows
from soai.ledger.models import LedgerBundle, LedgerEntry, LedgerOpenEntry

WIDTH = 256
LENGTH = 4  # bytes of the length before each entry
BUNDLES = cast(Table, LedgerBundle.__table__)
OPEN = cast(Table, LedgerOpenEntry.__table__)


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

    Entries that complete the open bundle seal it (its waiting rows become one bundle row),
    whole bundles of new entries are written as such, and the rest wait as open rows.
    """
    if not bodies:
        return
    end = start + len(bodies)
    sealed: list[tuple[int, bytes]] = []
    position = start
    opened = start - start % WIDTH  # first position of the bundle that holds `start`
    if start % WIDTH and end >= opened + WIDTH:  # the open bundle fills up: seal it
        waiting = [
            bytes(body)
            for body in session.scalars(
                select(OPEN.c.body)
                .where(OPEN.c.position >= opened, OPEN.c.position < start)
                .order_by(OPEN.c.position)
            )
        ]
        if len(waiting) != start - opened:
            raise RuntimeError(
                f"the open ledger bundle {opened // WIDTH} holds {len(waiting)} entries, "
                f"expected {start - opened}: the ledger is damaged (run an audit)"
            )
        position = opened + WIDTH
        sealed.append((opened // WIDTH, pack([*waiting, *bodies[: position - start]])))
        session.execute(delete(OPEN).where(OPEN.c.position >= opened, OPEN.c.position < start))
    while position % WIDTH == 0 and position + WIDTH <= end:
        sealed.append(
            (position // WIDTH, pack(bodies[position - start : position - start + WIDTH]))
        )
        position += WIDTH
    connection = session.connection()
    insert_rows(connection, BUNDLES, ("bundle", "data"), sealed)
    insert_rows(
        connection,
        OPEN,
        ("position", "body"),
        [(p, bodies[p - start]) for p in range(position, end)],
    )


def read(session: Session, first: int, stop: int) -> list[LedgerEntry]:
    """Entries ``first`` to ``stop - 1`` that are stored (a damaged bundle reads as missing)."""
    if stop <= first:
        return []
    found: dict[int, bytes] = {}
    rows = session.execute(
        select(BUNDLES.c.bundle, BUNDLES.c.data)
        .where(BUNDLES.c.bundle >= first // WIDTH, BUNDLES.c.bundle <= (stop - 1) // WIDTH)
        .order_by(BUNDLES.c.bundle)
    )
    for index, data in rows:
        try:
            bodies = unpack(bytes(data))
        except BundleError:
            continue
        for offset, body in enumerate(bodies[:WIDTH]):
            if first <= index * WIDTH + offset < stop:
                found[index * WIDTH + offset] = body
    for position, body in session.execute(
        select(OPEN.c.position, OPEN.c.body).where(OPEN.c.position >= first, OPEN.c.position < stop)
    ):
        found[position] = bytes(body)
    return [LedgerEntry(position=p, body=found[p]) for p in sorted(found)]


def get(session: Session, position: int) -> LedgerEntry | None:
    """Entry ``position``, or None when it is not stored."""
    found = read(session, position, position + 1)
    return found[0] if found else None


def stored(session: Session, batch: int = 100) -> Iterator[tuple[int, list[bytes] | BundleError]]:
    """Every sealed bundle in order: its index and its entries (or why they cannot be read)."""
    rows = session.execute(
        select(BUNDLES.c.bundle, BUNDLES.c.data)
        .order_by(BUNDLES.c.bundle)
        .execution_options(yield_per=batch)
    )
    for index, data in rows:
        try:
            yield index, unpack(bytes(data))
        except BundleError as exc:
            yield index, exc


def stored_open(session: Session) -> Iterator[tuple[int, bytes]]:
    """Every entry waiting in the open bundle: its position and bytes, in order."""
    for position, body in session.execute(
        select(OPEN.c.position, OPEN.c.body).order_by(OPEN.c.position)
    ):
        yield position, bytes(body)


def count(session: Session) -> int:
    """How many entries are stored, read from the tables themselves (for checks and tests)."""
    sealed = sum(len(entries) for _i, entries in stored(session) if isinstance(entries, list))
    return sealed + (session.scalar(select(func.count()).select_from(OPEN)) or 0)
