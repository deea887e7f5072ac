"""Giveaway rounds with stored applications: open (commit the seed), apply (web form or bulk
CSV), close (freeze and log the applications file), draw (reveal the seed and allocate).

The draw (:mod:`soai.programme.drawing`) is :func:`soai.programme.giveaway.allocate` run
over the round's applications in the order they were received, so anyone holding the round's applications file
(:func:`write_applications`, the CSV of the ``soai giveaway allocate`` contract) and the
revealed seed gets the same ``allocation_digest`` with the command line. Each step is a ledger
entry: ``giveaway.seed-committed`` (SHA-256 of the seed, before any application),
``giveaway.applications-closed`` (the file's SHA-256 and size), ``giveaway.drawn`` (the seed
and the digest). A document number is kept only as the SHA-256 of its letters and digits,
and the file carries that hash in its ``document_number`` column: equal numbers give equal
hashes, so re-submissions are found exactly as from the original numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session

from soai.db import load_rows
from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.programme import giveaway
from soai.programme.applications import (
    COLUMNS,
    ApplicationErrors,
    RowProblem,
    check_table,
    read_checked,
)
from soai.programme.models import GiveawayApplication, GiveawayRound
from soai.programme.resubmissions import document_keys, name_keys
from soai.reports import tables

CHUNK = 20_000
IMPORT_COLUMNS = ("round_id", "application_id", "full_name", "date_of_birth", "country", "email",
                  "document_hash", "source", "language", "created_at", "status", "reserved",
                  "seat_reserved")  # fmt: skip
FIELDS = ("application_id", "full_name", "date_of_birth", "country", "email", "document_hash")


def current_round(session: Session) -> GiveawayRound | None:
    """The latest round (open, closed or drawn), or ``None`` before the first."""
    return session.scalar(select(GiveawayRound).order_by(GiveawayRound.id.desc()).limit(1))


def get_round(session: Session, round_id: int, *, lock: bool = False) -> GiveawayRound:
    """The round; ``lock`` re-reads it locked (``FOR UPDATE`` on PostgreSQL; on SQLite the
    write transaction already serialises), so that applying, importing, closing and drawing
    never overlap."""
    found = session.get(GiveawayRound, round_id, with_for_update=lock or None,
                        populate_existing=lock)  # fmt: skip
    if found is None:
        raise NotFound(N_("No giveaway round {round}."), round=round_id)
    return found


def open_round(
    session: Session, *, name: str, seats: int, quotas: Mapping[str, int], closes_at: datetime,
    offer_days: int, now: datetime, seed: bytes | None = None, min_age: int | None = None,
) -> tuple[GiveawayRound, str]:  # fmt: skip
    """Open a round and commit to a seed: a fresh random one, or ``seed`` when the regulator
    brings one made in a public ceremony (dice, a randomness beacon). Returns the round and the
    seed (hex), shown once: the regulator keeps it offline until the draw. Only its SHA-256 is
    stored."""
    table = giveaway.check_quotas(quotas, seats)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput(N_("Give the round a name of 1 to 200 characters."), field="name")
    if closes_at <= now:
        raise InvalidInput(N_("The closing date must be in the future."), field="closes_at")
    if not 1 <= offer_days <= 365:
        raise InvalidInput(N_("An offer lasts 1 to 365 days."), field="offer_days")
    latest = current_round(session)
    if latest is not None and latest.status != "drawn":
        raise Conflict(
            N_("Round {round} is still {status}; draw it before opening another."),
            round=latest.id, status=latest.status,
        )  # fmt: skip
    if seed is None:
        seed = secrets.token_bytes(32)
    elif len(seed) < giveaway.MIN_SEED_BYTES:
        raise InvalidInput(N_("The seed must be at least {minimum} random bytes ({hex} hex digits)."),
                           field="seed", minimum=giveaway.MIN_SEED_BYTES,
                           hex=2 * giveaway.MIN_SEED_BYTES)  # fmt: skip
    commitment = hashlib.sha256(seed).hexdigest()
    entry = ledger.append(session, kind="giveaway.seed-committed", data={
        "round": name, "seed_commitment": commitment, "seats": seats,
        "quotas": dict(sorted(table.items())), "closes_at": closes_at.isoformat(),
        "min_age": min_age,
        "method": giveaway.METHOD,
    })  # fmt: skip
    record = GiveawayRound(name=name, seats=seats, quotas=table, offer_days=offer_days, min_age=min_age,
                           status="open", seed_commitment=commitment, commitment_entry=entry,
                           opened_at=now, closes_at=closes_at)  # fmt: skip
    session.add(record)
    session.flush()
    return record, seed.hex()


def _accepting(session: Session, record: GiveawayRound, now: datetime) -> None:
    get_round(session, record.id, lock=True)
    if record.status != "open" or now >= record.closes_at:
        raise Conflict(N_("Applications to this round are closed."), field="round")


def _document_hash(number: str) -> str | None:
    import pyarrow as pa

    if not number.strip():
        return None
    key: str = document_keys(pa.array([number.strip()], pa.string()))[0].as_py()
    return key


FORM_PER_HOUR = 5


def check_sender(
    session: Session, *, record: GiveawayRound, secret: bytes, ticket: str, honeypot: str,
    address: str, now: datetime,
) -> None:  # fmt: skip
    """The web form's protection against scripts: a signed form ticket at least 3 s old, an
    empty honeypot, and at most :data:`FORM_PER_HOUR` applications an hour from one sender
    (its address as a keyed hash)."""
    from soai.identity import formtickets

    formtickets.check_ticket(secret, ticket, now, purpose="giveaway", min_seconds=3)
    if honeypot.strip():
        raise InvalidInput(N_("This application looks automated and was not accepted."),
                           field="website")  # fmt: skip
    sender = formtickets.client_key(secret, address)
    recent = session.scalar(select(func.count()).where(
        GiveawayApplication.round_id == record.id, GiveawayApplication.sender == sender,
        GiveawayApplication.created_at > now - timedelta(hours=1)))  # fmt: skip
    if (recent or 0) >= FORM_PER_HOUR:
        raise Conflict(N_("Too many applications from your connection in the last hour; please "
                          "try again later."), field="website")  # fmt: skip
    session.info["giveaway_sender"] = sender


def apply(
    session: Session, *, record: GiveawayRound, full_name: str, date_of_birth: str, country: str,
    email: str, document_number: str, language: str, now: datetime,
) -> GiveawayApplication:  # fmt: skip
    """One application from the web form, checked by the same rules as a file's rows; the
    same person applying twice (the re-submission rule) is refused with a clear message."""
    import pyarrow as pa

    _accepting(session, record, now)
    application_id = "W" + secrets.token_hex(8).upper()
    values = {"application_id": application_id, "full_name": full_name,
              "date_of_birth": date_of_birth, "country": country, "email": email,
              "document_number": document_number}  # fmt: skip
    table = pa.table({name: pa.array([values[name]], pa.string()) for name in COLUMNS})
    try:
        checked = check_table(table, file="form")
    except ApplicationErrors as exc:
        problem = exc.problems[0]
        raise InvalidInput(_FORM_MESSAGES.get(problem.column or "", problem.message),
                           field=problem.column) from None  # fmt: skip
    row = {name: checked.columns[name][0].as_py() for name in COLUMNS}
    try:  # the address will name an account if a seat is won: the same rule as accounts
        from soai.identity.service import normalise_email

        normalise_email(row["email"])
    except InvalidInput:
        raise InvalidInput(_FORM_MESSAGES["email"], field="email") from None
    if _too_young(record, [row["date_of_birth"]]):
        raise InvalidInput(
            N_("Applicants must be at least {age} years old on {date}, when applications close."),
            field="date_of_birth", age=record.min_age, date=record.closes_at.date().isoformat(),
        )  # fmt: skip
    row["document_hash"] = _document_hash(row.pop("document_number"))
    if _same_person(session, record, row):
        raise Conflict(
            N_("An application from this person (same name, date of birth and e-mail or "
               "document) is already in this round; it stands, and one is enough."),
            field="email",
        )  # fmt: skip
    application = GiveawayApplication(round_id=record.id, source="form", language=language,
                                      created_at=now, sender=session.info.get("giveaway_sender"),
                                      **row)  # fmt: skip
    session.add(application)
    session.flush()
    return application


_FORM_MESSAGES = {
    "full_name": N_("Write your full name."),
    "date_of_birth": N_("Give your date of birth as YYYY-MM-DD, from 1900-01-01 to today."),
    "country": N_("Choose your country (a two-letter code such as KH)."),
    "email": N_("Give an e-mail address such as name@example.org."),
}


def _too_young(record: GiveawayRound, births: list[str]) -> list[int]:
    """Positions of the dates of birth (checked ``YYYY-MM-DD``) under the round's minimum age
    on its closing day."""
    if not record.min_age:
        return []
    day = record.closes_at.date()
    try:
        latest = day.replace(year=day.year - record.min_age)
    except ValueError:  # 29 February
        latest = day.replace(year=day.year - record.min_age, day=28)
    cutoff = latest.isoformat()
    return [n for n, born in enumerate(births) if born > cutoff]


def _same_person(session: Session, record: GiveawayRound, row: dict[str, Any]) -> bool:
    import pyarrow as pa

    earlier = session.execute(
        select(GiveawayApplication.full_name, GiveawayApplication.email,
               GiveawayApplication.document_hash)
        .where(GiveawayApplication.round_id == record.id,
               GiveawayApplication.date_of_birth == row["date_of_birth"])
    ).all()  # fmt: skip
    if not earlier:
        return False
    names = name_keys(pa.array([row["full_name"]] + [e.full_name for e in earlier], pa.string()))
    mine = names[0].as_py()
    email = row["email"].casefold()
    for n, found in enumerate(earlier, start=1):
        if names[n].as_py() != mine:
            continue
        if found.email.casefold() == email or (
            row["document_hash"] and found.document_hash == row["document_hash"]
        ):
            return True
    return False


def import_file(session: Session, *, record: GiveawayRound, path: Path, now: datetime) -> int:
    """Import a bulk applications CSV: every row is checked (and its ``application_id`` must
    be new to the round) before any is stored; on any problem nothing is stored and the
    problems are listed by row."""
    _accepting(session, record, now)
    checked = read_checked(path)
    columns = checked.columns
    ids = columns["application_id"].to_pylist()
    young = _too_young(record, columns["date_of_birth"].to_pylist())
    if young:
        problems = [RowProblem(n + 2, "date_of_birth",
                               N_("row {row}, column {column}: younger than {age} on {date}, when "
                                  "applications close (eligibility rule)."),
                               {"age": record.min_age, "date": record.closes_at.date().isoformat()})
                    for n in young[:50]]  # fmt: skip
        raise ApplicationErrors(path.name, problems, len(young))
    formulas = [n for n, value in enumerate(ids) if value.startswith(tables.FORMULA_STARTS)]
    if formulas:
        problems = [RowProblem(n + 2, "application_id",
                               N_("row {row}, column {column}: starts with = + - @ ' or a tab; a "
                                  "spreadsheet would run it as a formula."))
                    for n in formulas[:50]]  # fmt: skip
        raise ApplicationErrors(path.name, problems, len(formulas))
    taken: set[str] = set()
    stored = session.scalar(select(func.count()).where(GiveawayApplication.round_id == record.id))
    if stored:  # an application_id already in the round is a problem of its row
        incoming = set(ids)
        query = select(GiveawayApplication.application_id).where(
            GiveawayApplication.round_id == record.id
        )
        taken = {found for found in session.scalars(query) if found in incoming}
    if taken:
        clashes = [n for n, value in enumerate(ids) if value in taken]
        problems = [RowProblem(n + 2, "application_id",
                               N_("row {row}, column {column}: this application_id is already "
                                  "in the round."))
                    for n in clashes[:50]]  # fmt: skip
        raise ApplicationErrors(path.name, problems, len(clashes))
    hashes = document_keys(columns["document_number"])  # null where none given
    table = [columns[name] for name in ("application_id", "full_name", "date_of_birth",
                                        "country", "email")] + [hashes]  # fmt: skip

    def rows() -> Iterator[tuple[Any, ...]]:  # a slice at a time as Python values
        for start in range(0, len(ids), CHUNK):
            part = [column.slice(start, CHUNK).to_pylist() for column in table]
            for app_id, name, born, country, email, document in zip(*part, strict=True):
                yield (
                    record.id,
                    app_id,
                    name,
                    born,
                    country,
                    email,
                    document,
                    "import",
                    "km" if country == "KH" else "en",
                    now,
                    "applied",
                    False,
                    False,
                )

    load_rows(session.connection(), GiveawayApplication.__table__, IMPORT_COLUMNS, rows())
    return len(ids)


def stored_rows(session: Session, record: GiveawayRound) -> Iterator[tuple[Any, ...]]:
    """The round's applications in the order received (the file order of the draw)."""
    columns = [getattr(GiveawayApplication, name) for name in FIELDS]
    query = (select(GiveawayApplication.id, *columns)
             .where(GiveawayApplication.round_id == record.id).order_by(GiveawayApplication.id))  # fmt: skip
    yield from session.execute(query.execution_options(yield_per=CHUNK))


def write_applications(session: Session, record: GiveawayRound, out: IO[str]) -> None:
    """The round's applications file (the ``soai giveaway allocate`` CSV), to re-run the draw.

    A name or e-mail that a spreadsheet would run as a formula is written with a leading ``'``
    (application ids cannot start so: they are refused at import). The draw gives the same
    digest from this file: the escape is the same for every row, so equal values stay equal,
    and the name key ignores punctuation."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in stored_rows(session, record):
        writer.writerow(_line(row))


def _line(row: Any) -> list[str]:
    _id, application_id, name, born, country, email, document = row
    escape = tables.escape_cell
    return [application_id, escape(name), born, country, escape(email), document or ""]


def _file_digest(session: Session, record: GiveawayRound) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in stored_rows(session, record):
        writer.writerow(_line(row))
        count += 1
        if buffer.tell() > 1 << 20:
            digest.update(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    digest.update(buffer.getvalue().encode())
    return digest.hexdigest(), count


def close_round(session: Session, *, record: GiveawayRound, now: datetime) -> GiveawayRound:
    """Stop taking applications and log the applications file's SHA-256 in the ledger."""
    get_round(session, record.id, lock=True)
    if record.status != "open":
        raise Conflict(N_("Round {round} is already {status}."), round=record.id,
                       status=record.status)  # fmt: skip
    sha, count = _file_digest(session, record)
    record.applications_sha256 = sha
    record.closed_entry = ledger.append(session, kind="giveaway.applications-closed", data={
        "round": record.name, "seed_commitment": record.seed_commitment,
        "applications": count, "applications_sha256": sha,
    })  # fmt: skip
    record.status, record.closed_at = "closed", now
    return record


def counts(session: Session, record: GiveawayRound) -> dict[str, int]:
    """Applications of the round by lottery status."""
    found = session.execute(
        select(GiveawayApplication.status, func.count())
        .where(GiveawayApplication.round_id == record.id).group_by(GiveawayApplication.status)
    ).all()  # fmt: skip
    return {status: int(n) for status, n in found}
