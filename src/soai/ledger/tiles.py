"""Where the Merkle tree's node hashes are kept: tiles of 256 hashes per level.

Every complete subtree hash ``(level, position)`` is stored once, in the tile
``(level, position // 256)`` at offset ``position % 256`` — the layout of C2SP tlog-tiles,
one tile row per 256 nodes of a level, so an append of 10,000 entries writes a few dozen
rows instead of 20,000. The log is append-only, so what a tile holds never changes — a tile
only grows — and tiles are cached for the life of the process: a node past the cached end of
its tile is read again. A proof's O(log n) nodes then rarely touch the database, and when
they do it is one query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import cast

from sqlalchemy import Table, and_, bindparam, event, or_, select, update
from sqlalchemy.orm import Session

from soai.db import insert_rows
from soai.errors import NotFound
from soai.i18n.markers import N_
from soai.ledger.models import LedgerTile

WIDTH = 256
HASH = 32
FULL = WIDTH * HASH
TILES = cast(Table, LedgerTile.__table__)
CACHE_TILES = 4_096  # 32 MiB of full tiles per database

_cache: dict[str, OrderedDict[tuple[int, int], bytes]] = {}
_cache_lock = threading.Lock()


def forget_cache() -> None:
    """Drop every cached tile (after a database is emptied or restored under a running process)."""
    with _cache_lock:
        _cache.clear()


def _cached(key: str, tile: tuple[int, int]) -> bytes | None:
    with _cache_lock:
        tiles = _cache.get(key)
        if tiles is None or tile not in tiles:
            return None
        tiles.move_to_end(tile)
        return tiles[tile]


def _remember(key: str, tile: tuple[int, int], data: bytes) -> None:
    with _cache_lock:
        tiles = _cache.setdefault(key, OrderedDict())
        if len(tiles.get(tile, b"")) > len(data):
            return  # never replace a longer (newer) copy of the same prefix
        tiles[tile] = data
        tiles.move_to_end(tile)
        while len(tiles) > CACHE_TILES:
            tiles.popitem(last=False)


# Tiles written by a transaction reach the process-wide cache only when it commits: a rolled
# back append must not leave hashes in the cache that the database never kept (the next
# append would find the ledger "damaged", and a checkpoint could sign a root the log does not
# have).
_PENDING = "soai_ledger_tiles_pending"


def _publish(session: Session) -> None:
    for (key, tile), data in session.info.pop(_PENDING, {}).items():
        _remember(key, tile, data)


def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)


class TileStore:
    """Node hashes of the ledger as one use case sees them (its own reads are kept)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._key = str(session.get_bind().engine.url)
        self._tiles: dict[tuple[int, int], bytes] = {}

    def _load(self, wanted: Iterable[tuple[int, int, int]]) -> None:
        """Make sure each (level, tile, length) is known at least up to ``length`` bytes."""
        missing = []
        for level, index, length in wanted:
            tile = (level, index)
            if len(self._tiles.get(tile, b"")) >= length:
                continue
            cached = _cached(self._key, tile)
            if cached is not None and len(cached) >= length:
                self._tiles[tile] = cached
            else:
                missing.append(tile)
        if not missing:
            return
        condition = or_(*(and_(TILES.c.level == lv, TILES.c.tile == ix) for lv, ix in missing))
        wrote = bool(self.session.info.get(_PENDING))  # then it reads its own uncommitted tiles
        for level, index, data in self.session.execute(
            select(TILES.c.level, TILES.c.tile, TILES.c.hashes).where(condition)
        ):
            self._tiles[(level, index)] = bytes(data)
            if not wrote:
                _remember(self._key, (level, index), bytes(data))

    def prefetch(self, nodes: Iterable[tuple[int, int]]) -> None:
        """Read, in one query, every tile holding these (level, position) nodes."""
        needed: dict[tuple[int, int], int] = {}
        for level, position in nodes:
            tile = (level, position // WIDTH)
            needed[tile] = max(needed.get(tile, 0), (position % WIDTH + 1) * HASH)
        self._load([(level, index, length) for (level, index), length in needed.items()])

    def get(self, level: int, position: int) -> bytes:
        tile = (level, position // WIDTH)
        offset = (position % WIDTH) * HASH
        if len(self._tiles.get(tile, b"")) < offset + HASH:
            self._load([(level, position // WIDTH, offset + HASH)])
        data = self._tiles.get(tile, b"")
        if len(data) < offset + HASH:
            raise NotFound(
                N_("The ledger has no node at level {level}, position {position}."),
                level=level,
                position=position,
            )
        return data[offset : offset + HASH]

    def _after_commit(self, tile: tuple[int, int], data: bytes) -> None:
        pending = self.session.info.get(_PENDING)
        if pending is None:
            pending = self.session.info[_PENDING] = {}
            event.listen(self.session, "after_commit", _publish, once=True)
            event.listen(self.session, "after_rollback", _discard, once=True)
        pending[(self._key, tile)] = data

    def append(self, runs: list[tuple[int, int, list[bytes]]]) -> None:
        """Store new complete-subtree hashes, given as runs ``(level, first index, hashes)``
        (as :func:`soai.ledger.merkle.new_runs` makes them; each continues its level).

        A run is cut at tile boundaries; the partial tiles at the right border are extended
        in one statement.
        """
        new_rows, extended = [], []
        for level, first, hashes in runs:
            start = 0
            while start < len(hashes):
                position = first + start
                tile, offset = (level, position // WIDTH), position % WIDTH
                stop = start + WIDTH - offset
                added = b"".join(hashes[start:stop])
                start = stop
                if offset == 0:
                    new_rows.append((level, tile[1], added))
                    self._tiles[tile] = added
                    self._after_commit(tile, added)
                    continue
                self._load([(level, tile[1], offset * HASH)])
                existing = self._tiles.get(tile, b"")
                if len(existing) != offset * HASH:
                    raise RuntimeError(
                        f"ledger tile {tile} has {len(existing) // HASH} hashes, "
                        f"expected {offset}: the ledger is damaged (run an audit)"
                    )
                data = existing + added
                extended.append({"at_level": level, "at_tile": tile[1], "new_hashes": data})
                self._tiles[tile] = data
                self._after_commit(tile, data)
        if extended:
            self.session.execute(
                update(TILES)
                .where(TILES.c.level == bindparam("at_level"), TILES.c.tile == bindparam("at_tile"))
                .values(hashes=bindparam("new_hashes")),
                extended,
            )
        insert_rows(self.session.connection(), TILES, ("level", "tile", "hashes"), new_rows)


def stored_nodes(session: Session) -> Iterator[tuple[int, int, bytes]]:
    """Every stored (level, position, hash), level by level (for audits; reads everything)."""
    rows = session.execute(
        select(TILES.c.level, TILES.c.tile, TILES.c.hashes)
        .order_by(TILES.c.level, TILES.c.tile)
        .execution_options(yield_per=1_000)
    )
    for level, index, data in rows:
        raw = bytes(data)
        for offset in range(0, len(raw) - len(raw) % HASH, HASH):
            yield level, index * WIDTH + offset // HASH, raw[offset : offset + HASH]
        if len(raw) % HASH:
            yield level, index * WIDTH + len(raw) // HASH, raw[len(raw) - len(raw) % HASH :]
