"""Use cases of the ledger: append events, sign checkpoints, give proofs, audit everything.

Appending happens inside the caller's transaction (so an event is logged exactly when the
decision it records is committed) and must run in a write transaction
(``transaction(..., write=True)``): the ledger head row is locked, so concurrent appenders
from any number of processes queue up instead of forking the log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from soai.crypto.jcs import CanonicalizationError, canonicalize
from soai.crypto.keyring import Signer
from soai.db import utcnow
from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import bundles as entry_bundles
from soai.ledger import merkle, note
from soai.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead
from soai.ledger.schemas import ConsistencyProof, InclusionProof
from soai.ledger.tiles import TileStore

KIND = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
HEAD_ID = 1

Event = tuple[str, dict[str, Any]]


def event_value(kind: str, data: dict[str, Any], at: datetime) -> dict[str, Any]:
    """One ledger entry as JSON: its type, when it was recorded, and its data."""
    return {"type": kind, "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "data": data}


def event_body(kind: str, data: dict[str, Any], at: datetime) -> bytes:
    """The canonical bytes of one ledger entry."""
    return canonicalize(event_value(kind, data, at))


def node_reader(session: Session) -> Callable[[int, int], bytes]:
    """Read stored complete-subtree hashes (see :mod:`soai.ledger.tiles`)."""
    return TileStore(session).get


def _prefetched(
    session: Session, plan: Callable[[Callable[[int, int], bytes]], object]
) -> Callable[[int, int], bytes]:
    """A reader with every node ``plan`` will ask for already loaded, in one query.

    The nodes a proof reads depend only on sizes and positions, never on hash values, so a
    dry run with placeholder hashes names them all.
    """
    wanted: list[tuple[int, int]] = []

    def record(level: int, position: int) -> bytes:
        wanted.append((level, position))
        return bytes(32)

    plan(record)
    store = TileStore(session)
    store.prefetch(wanted)
    return store.get


def lock_head(session: Session) -> LedgerHead:
    """Lock the ledger head for this transaction (appenders queue here); returns it.

    A use case that stamps times into its entries locks first, so that positions and times
    grow together.
    """
    locked = (
        select(LedgerHead)
        .where(LedgerHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)  # the size as locked, not as loaded before
    )
    head = session.scalar(locked)
    if head is None:  # the migration creates it; a restored empty schema may not have it
        try:
            with session.begin_nested():  # another appender may be creating it at this moment
                session.add(LedgerHead(id=HEAD_ID, size=0, updated_at=utcnow()))
        except IntegrityError:
            pass  # it did: lock the row it committed
        head = session.scalar(locked)
        assert head is not None
    return head


def append_many(session: Session, events: Sequence[Event]) -> list[int]:
    """Append events in order; returns their 0-based positions."""
    for kind, data in events:
        if not KIND.match(kind):
            raise InvalidInput(
                N_("{kind!r} is not a ledger event type (lower-case letters, digits, . _ -)."),
                field="type",
                kind=kind,
            )
        if not isinstance(data, dict):
            raise InvalidInput(N_("Ledger event data must be a JSON object."), field="data")
    if not events:
        return []
    lock_head(session)  # before the time is taken: later positions never carry earlier times
    now = utcnow()
    try:
        bodies = [(kind, event_body(kind, data, now)) for kind, data in events]
    except CanonicalizationError as exc:  # NaN, infinity, an integer beyond 2^53, a set ...
        raise InvalidInput(N_("Ledger event data must be a JSON object."), field="data") from exc
    return append_bodies(session, bodies, at=now)


def append_bodies(
    session: Session,
    bodies: Sequence[tuple[str, bytes]],
    *,
    at: datetime,
    head: LedgerHead | None = None,
) -> list[int]:
    """Append entries already in canonical form (kind, JCS bytes); the hot path of bulk work.

    Callers build the bytes with :func:`event_body` or a :class:`~soai.crypto.jcs.
    CanonicalTemplate` of it, and may pass the ``head`` they locked with :func:`lock_head`.
    """
    if not bodies:
        return []
    if head is None:
        head = lock_head(session)
    start = head.size
    raw = [body for _kind, body in bodies]
    store = TileStore(session)
    runs = merkle.new_runs(start, merkle.leaf_hashes(raw), store.get)
    entry_bundles.append(session, start, raw)
    store.append(runs)
    head.size = start + len(bodies)
    head.updated_at = at
    return list(range(start, start + len(bodies)))


def append(session: Session, *, kind: str, data: dict[str, Any]) -> int:
    """Append one event; returns its position."""
    return append_many(session, [(kind, data)])[0]


def size(session: Session) -> int:
    head = session.get(LedgerHead, HEAD_ID)
    return head.size if head else 0


def entry(session: Session, *, position: int) -> LedgerEntry:
    found = entry_bundles.get(session, position) if 0 <= position < size(session) else None
    if found is None:
        raise NotFound(
            N_("The ledger has no entry {position} (it holds {size})."),
            field="position",
            position=position,
            size=size(session),
        )
    return found


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalar(select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1))


def checkpoint(
    session: Session, *, signer: Signer | Callable[[], Signer], origin: str
) -> LedgerCheckpoint:
    """A signed checkpoint of the whole log (the latest one again if nothing was added).

    ``signer`` may be a function: the key is then opened only when there is something new to
    sign, so reading the latest checkpoint needs no passphrase.
    """
    current = size(session)
    latest = latest_checkpoint(session)
    if latest is not None and latest.size == current:
        return latest
    if not isinstance(signer, Signer):
        signer = signer()
    root = merkle.root(current, node_reader(session))
    body = note.checkpoint_body(origin, current, root)
    signed = note.sign_note(body, origin, signer.sign, signer.public_key)
    record = LedgerCheckpoint(
        size=current, root=root, note=signed, key_id=signer.kid, created_at=utcnow()
    )
    session.add(record)
    session.flush()
    return record


def covering_checkpoint(session: Session, *, position: int) -> LedgerCheckpoint | None:
    latest = latest_checkpoint(session)
    return latest if latest is not None and latest.size > position else None


def audit_path(session: Session, *, position: int, size: int) -> tuple[bytes, list[bytes]]:
    """The leaf hash of ``position`` and its audit path in the tree of ``size`` (one query)."""
    get = _prefetched(session, lambda g: (g(0, position), merkle.inclusion_path(position, size, g)))
    return get(0, position), merkle.inclusion_path(position, size, get)


def inclusion_proof(session: Session, *, position: int, at: LedgerCheckpoint) -> InclusionProof:
    """The proof that entry ``position`` is in the tree of checkpoint ``at``."""
    record = entry(session, position=position)
    if at.size <= position:
        raise InvalidInput(
            N_("Checkpoint of size {size} does not cover entry {position}."),
            size=at.size,
            position=position,
        )
    leaf, path = audit_path(session, position=position, size=at.size)
    return InclusionProof(
        leaf_index=position,
        tree_size=at.size,
        leaf_hash=leaf.hex(),
        audit_path=[h.hex() for h in path],
        checkpoint=at.note,
        entry=json.loads(record.body),
    )


def consistency_proof(session: Session, *, old: int, new: int) -> ConsistencyProof:
    """The proof that the log of size ``new`` extends the log of size ``old``."""
    current = size(session)
    if not 0 <= old <= new <= current:
        raise InvalidInput(
            N_(
                "Sizes must satisfy 0 ≤ old ≤ new ≤ {size} (the ledger's size); got {old} and {new}."
            ),
            size=current,
            old=old,
            new=new,
        )
    get = _prefetched(
        session,
        lambda g: (merkle.root(old, g), merkle.root(new, g), merkle.consistency_path(old, new, g)),
    )
    signed = session.scalar(select(LedgerCheckpoint.note).where(LedgerCheckpoint.size == new))
    return ConsistencyProof(
        size1=old,
        size2=new,
        root1=merkle.root(old, get).hex(),
        root2=merkle.root(new, get).hex(),
        proof=[h.hex() for h in merkle.consistency_path(old, new, get)],
        checkpoint=signed,
    )


def recent_entries(session: Session, *, limit: int) -> list[LedgerEntry]:
    """The last ``limit`` entries, newest first."""
    end = size(session)
    return entry_bundles.read(session, max(0, end - limit), end)[::-1]


def entries(session: Session, *, start: int = 0, stop: int | None = None) -> list[LedgerEntry]:
    """Entries ``start`` to ``stop - 1`` (to the end by default), in order."""
    return entry_bundles.read(session, start, size(session) if stop is None else stop)


def proof_at_latest(
    session: Session, *, position: int, signer: Callable[[], Signer], origin: str
) -> InclusionProof:
    """An entry's proof against the latest checkpoint, signing a new one when none covers it.

    Call it in a write transaction: it may add a checkpoint.
    """
    at = covering_checkpoint(session, position=position)
    if at is None:
        entry(session, position=position)  # an unknown entry is a clear error, not a checkpoint
        at = checkpoint(session, signer=signer, origin=origin)
    return inclusion_proof(session, position=position, at=at)
