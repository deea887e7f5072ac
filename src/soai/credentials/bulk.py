"""Bulk issuance as a job: hundreds of thousands of credentials with bounded memory.

Addresses are read from a CSV file (an ``email`` column) in batches; each batch is issued and
logged in its own write transaction, then dropped, so memory stays flat whatever the size.
Optionally the signed credentials are written to a JSON Lines file as they are made.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from soai.credentials import issuance, service, signing
from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind
from soai.settings import Settings

JOB_KIND = "credentials.bulk_issue"
BATCH = 2_000
PARALLEL_FROM = 20_000  # below this, starting worker processes costs more than it saves
IN_FLIGHT = 2  # batches handed to the workers and not yet stored
STEP = 0.02  # how much the share signed by the job's own process moves per batch


def read_rows(path: Path) -> Iterator[tuple[int, str]]:
    """(line number in the file, address) of every row; blank lines are skipped."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), file=str(path), reason=str(exc)
        ) from exc
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "email" not in reader.fieldnames:
            raise InvalidInput(
                N_("{file} has no 'email' column; columns found: {columns}."),
                field="email",
                file=str(path),
                columns=", ".join(reader.fieldnames or []) or "none",
            )
        for row in reader:
            yield reader.line_num, row["email"] or ""


def read_emails(path: Path) -> Iterator[str]:
    for _line, email in read_rows(path):
        yield email


def check_file(path: Path) -> int:
    """Read the whole file once before anything is issued; returns the number of addresses.

    A malformed address is reported with its line in the file, and nothing is issued: a bulk
    run is all-or-nothing as far as the input is concerned.
    """
    count = 0
    for line, email in read_rows(path):
        address = email.strip().lower()
        if len(address) > 254 or not service.EMAIL.match(address):
            raise InvalidInput(
                N_("{file}, line {line}: {email!r} is not a valid e-mail address."),
                field="email",
                file=str(path),
                line=line,
                email=email,
            )
        count += 1
    return count


def _batches(source: Path) -> Iterator[list[str]]:
    batch: list[str] = []
    for email in read_emails(source):
        batch.append(email)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def run(
    settings: Settings,
    ctx: JobContext,
    *,
    source: Path,
    achievement_key: str,
    valid_until: datetime | None,
    output: Path | None,
    issued_by: int | None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Issue one credential per address of ``source``; returns how many were issued.

    With more than one core, worker processes sign the next batch while this process stores
    the last one. Status slots are allocated before signing: a run that is stopped half-way
    leaves unused (never set) bits in the status list, nothing else.
    """
    total = check_file(source)
    ctx.progress(0, total, "")
    # Worker processes sign while this one stores: one core is left to this process.
    count = workers if workers is not None else min(max(1, (os.cpu_count() or 1) - 1), 4)
    sink = output.open("w", encoding="utf-8") if output else None
    try:
        if count < 1 or (os.cpu_count() or 1) < 2 or total < PARALLEL_FROM:
            done = _run_here(
                settings, ctx, source, achievement_key, valid_until, issued_by, sink, total
            )
        else:
            done = _run_pipeline(
                settings, ctx, source, achievement_key, valid_until, issued_by, sink, total, count
            )
    finally:
        if sink:
            sink.close()
    return {"issued": done, "achievement": achievement_key}


def _prepare(
    settings: Settings,
    ctx: JobContext,
    achievement_key: str,
    batch: list[str],
    valid_until: datetime | None,
    want_documents: bool,
) -> issuance.Prepared:
    # The issuer is read per batch: a key rotated during a long run signs the batches after it.
    issuer = service.issuer_for(settings)
    with transaction(ctx.sessions, write=True) as session:
        return issuance.prepare(
            session,
            issuer=issuer,
            achievement_key=achievement_key,
            emails=batch,
            valid_until=valid_until,
            want_documents=want_documents,
        )


def _store(
    ctx: JobContext,
    prepared: issuance.Prepared,
    signed: signing.Signed,
    issued_by: int | None,
    sink: Any,
) -> int:
    with transaction(ctx.sessions, write=True) as session:
        issuance.persist(session, prepared, signed, issued_by=issued_by)
    if sink is not None:
        for body in signed.secured:
            sink.write(body.decode("utf-8") + "\n")
    return len(signed.credential_ids)


def _run_here(
    settings: Settings,
    ctx: JobContext,
    source: Path,
    achievement_key: str,
    valid_until: datetime | None,
    issued_by: int | None,
    sink: Any,
    total: int,
) -> int:
    done = 0
    for batch in _batches(source):
        prepared = _prepare(settings, ctx, achievement_key, batch, valid_until, sink is not None)
        signed = signing.sign_batch(
            prepared.plan, prepared.items, os.urandom(32 * len(prepared.items))
        )
        done += _store(ctx, prepared, signed, issued_by, sink)
        ctx.progress(done, total, "")
    return done


def _run_pipeline(
    settings: Settings,
    ctx: JobContext,
    source: Path,
    achievement_key: str,
    valid_until: datetime | None,
    issued_by: int | None,
    sink: Any,
    total: int,
    workers: int,
) -> int:
    """Workers sign while this process stores, and this process signs a share of each batch.

    Two batches are in the workers' hands at any time, so they never wait for a slow commit.
    The share signed here adapts batch by batch: when this process finds the oldest batch
    still being signed it takes more; when the workers have finished everything it gave them
    it takes less. Every core stays busy, whatever the machine (on many cores the share falls
    to nothing). Batches are stored in the order they were prepared.
    """
    done = 0
    share = 0.2  # of each batch signed here; tuned as the run goes
    in_flight: deque[tuple[issuance.Prepared, list[Future[signing.Signed]], signing.Signed]]
    in_flight = deque()
    context = multiprocessing.get_context("spawn")  # never fork a threaded server

    def store_oldest() -> None:
        nonlocal done, share
        prepared, futures, own = in_flight.popleft()
        if not all(future.done() for future in futures):
            share = min(0.9, share + STEP)  # this process is about to wait: sign more here
        elif all(future.done() for _p, pending, _o in in_flight for future in pending):
            share = max(0.0, share - STEP)  # the workers have nothing left to do: sign less
        done += _store(ctx, prepared, _collect(futures, own), issued_by, sink)
        ctx.progress(done, total, "")

    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for batch in _batches(source):
            prepared = _prepare(
                settings, ctx, achievement_key, batch, valid_until, sink is not None
            )
            items = prepared.items
            randomness = os.urandom(32 * len(items))
            cut = len(items) - int(len(items) * share)  # the workers sign items[:cut]
            step = max(1, -(-cut // workers))
            futures = [
                pool.submit(
                    signing.sign_batch,
                    prepared.plan,
                    items[i : min(i + step, cut)],
                    randomness[32 * i : 32 * min(i + step, cut)],
                )
                for i in range(0, cut, step)
            ]
            if len(in_flight) == IN_FLIGHT:
                store_oldest()
            own = signing.sign_batch(prepared.plan, items[cut:], randomness[32 * cut :])
            in_flight.append((prepared, futures, own))
        while in_flight:
            store_oldest()
    return done


def _collect(futures: list[Future[signing.Signed]], own: signing.Signed) -> signing.Signed:
    """The batch in order: the workers' parts first, then the part signed here."""
    return signing.join([*(future.result() for future in futures), own])


@job_kind(JOB_KIND, title=N_("Bulk credential issuance"))
def bulk_issue_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from soai.settings import get_settings

    settings = ctx.settings or get_settings()
    valid_until = params.get("valid_until")
    return run(
        settings,
        ctx,
        source=Path(params["source"]),
        achievement_key=str(params["achievement"]),
        valid_until=datetime.fromisoformat(valid_until) if valid_until else None,
        output=Path(params["output"]) if params.get("output") else None,
        issued_by=params.get("issued_by"),
    )
