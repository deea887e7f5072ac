"""The draw of a closed round: the seed checked against its commitment, the applications read
back in the order received, re-submissions found, seats allocated by
:func:`soai.programme.giveaway.allocate`, every outcome written at once and the allocated seats
offered; the seed and the allocation digest go to the ledger (``giveaway.drawn``)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, case, literal, update
from sqlalchemy.orm import Session

from soai.db import UTCDateTime, load_rows
from soai.errors import Conflict, InvalidInput
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.programme import giveaway, rounds
from soai.programme.models import GiveawayApplication, GiveawayRound
from soai.programme.resubmissions import find_duplicates, name_keys


def draw(
    session: Session, *, record: GiveawayRound, seed_hex: str, now: datetime
) -> dict[str, Any]:
    """Reveal the seed, allocate, record every outcome and offer the allocated seats."""

    rounds.get_round(session, record.id, lock=True)
    if record.status != "closed":
        raise Conflict(N_("Close the round before the draw (it is {status})."),
                       status=record.status)  # fmt: skip
    try:
        seed = bytes.fromhex(seed_hex.strip())
    except ValueError:
        raise InvalidInput(N_("The seed is written in hexadecimal digits."), field="seed") from None
    if hashlib.sha256(seed).hexdigest() != record.seed_commitment:
        raise InvalidInput(
            N_("This is not the seed committed when the round opened (its SHA-256 differs "
               "from the published commitment)."), field="seed",
        )  # fmt: skip
    keys, ids, countries, columns = _read_for_draw(session, record)
    duplicate_of = find_duplicates(
        name_key=name_keys(columns["full_name"]), date_of_birth=columns["date_of_birth"],
        email=columns["email"], document_number=columns["document_hash"],
    )  # fmt: skip
    del columns
    apps = giveaway.Applications.of(ids, countries, duplicate_of)
    result = giveaway.allocate(apps, seats=record.seats, seed=seed, quotas=record.quotas)
    expires = now + timedelta(days=record.offer_days)
    statuses = [giveaway.STATUSES[s] for s in result.status.tolist()]
    ranks, waiting = result.rank.tolist(), result.waitlist_position.tolist()
    reserved = result.reserved.tolist()
    _store_outcomes(session, zip(keys, statuses, ranks, waiting, reserved, strict=True),
                    now=now, expires=expires)  # fmt: skip
    summary = result.as_dict()
    record.seed, record.allocation_digest = seed.hex(), result.digest
    record.drawn_entry = ledger.append(session, kind="giveaway.drawn", data={
        "round": record.name, "seed": seed.hex(), "seed_commitment": record.seed_commitment,
        "applications_sha256": record.applications_sha256,
        "allocation_digest": result.digest, "allocated": summary["allocated"],
        "waitlisted": summary["waitlisted"], "duplicates": summary["duplicates"],
    })  # fmt: skip
    record.status, record.drawn_at = "drawn", now
    return summary


def _read_for_draw(
    session: Session, record: GiveawayRound
) -> tuple[list[int], list[str], list[str], dict[str, Any]]:
    """The keys, application ids and countries as lists, the other columns as pyarrow arrays
    (built a slice at a time, so the Python strings of the whole round never coexist)."""
    import pyarrow as pa

    keys: list[int] = []
    ids: list[str] = []
    countries: list[str] = []
    names = ("full_name", "date_of_birth", "email", "document_hash")
    parts: dict[str, list[Any]] = {name: [] for name in names}
    buffer: list[tuple[Any, ...]] = []

    def flush() -> None:
        for n, name in enumerate(names):
            values = [row[n] or "" for row in buffer]
            parts[name].append(pa.array(values, pa.string()))
        buffer.clear()

    for key, application_id, name, born, country, email, document in rounds.stored_rows(
        session, record
    ):
        keys.append(key)
        ids.append(application_id)
        countries.append(country)
        buffer.append((name, born, email, document))
        if len(buffer) >= rounds.CHUNK:
            flush()
    flush()
    columns = {name: pa.concat_arrays(parts[name]) for name in names}
    return keys, ids, countries, columns


def _store_outcomes(session: Session, outcomes: Any, *, now: datetime, expires: datetime) -> None:
    """Write (id, status, rank, waitlist position, reserved) for every application, and the
    offer of every allocated seat, at once: loaded into a temporary table, then one
    ``UPDATE … FROM`` (SQLite ≥ 3.33 and PostgreSQL)."""
    connection = session.connection()
    outcome = Table("draw_outcomes", MetaData(), Column("id", Integer, primary_key=True),
                    Column("status", String(12)), Column("rank", Integer),
                    Column("waitlist_position", Integer), Column("reserved", Boolean),
                    prefixes=["TEMPORARY"])  # fmt: skip
    outcome.create(connection)
    try:
        load_rows(connection, outcome, ("id", "status", "rank", "waitlist_position", "reserved"),
                  ((key, status, rank or None, place or None, bool(kept))
                   for key, status, rank, place, kept in outcomes))  # fmt: skip
        offered = case((outcome.c.status == "allocated", "offered"), else_=None)
        connection.execute(
            update(GiveawayApplication).where(GiveawayApplication.id == outcome.c.id).values(
                status=outcome.c.status, rank=outcome.c.rank,
                waitlist_position=outcome.c.waitlist_position, reserved=outcome.c.reserved,
                seat=offered,
                seat_reserved=case((outcome.c.status == "allocated", outcome.c.reserved),
                                   else_=False),
                offered_at=case((outcome.c.status == "allocated", literal(now, UTCDateTime())),
                                else_=None),
                offer_expires_at=case(
                    (outcome.c.status == "allocated", literal(expires, UTCDateTime())), else_=None)))  # fmt: skip
    finally:
        outcome.drop(connection)
