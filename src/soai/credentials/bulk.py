"""Bulk issuance as a job: hundreds of thousands of credentials with bounded memory.

Addresses are read from a CSV file (an ``email`` column) in batches; each batch is issued and
logged in its own write transaction, then dropped, so memory stays flat whatever the size.
Optionally the signed credentials are written to a JSON Lines file as they are made.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from soai.credentials import service
from soai.db import transaction
from soai.errors import InvalidInput
from soai.i18n.markers import N_
from soai.jobs.runner import JobContext, job_kind
from soai.settings import Settings

JOB_KIND = "credentials.bulk_issue"
BATCH = 2_000


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


def run(
    settings: Settings,
    ctx: JobContext,
    *,
    source: Path,
    achievement_key: str,
    valid_until: datetime | None,
    output: Path | None,
    issued_by: int | None,
) -> dict[str, Any]:
    total = check_file(source)
    done = 0
    ctx.progress(0, total, "")
    sink = output.open("w", encoding="utf-8") if output else None
    try:
        batch: list[str] = []
        for email in read_emails(source):
            batch.append(email)
            if len(batch) == BATCH:
                done += _issue(ctx, settings, achievement_key, batch, valid_until, issued_by, sink)
                ctx.progress(done, total, "")
                batch = []
        if batch:
            done += _issue(ctx, settings, achievement_key, batch, valid_until, issued_by, sink)
        ctx.progress(done, total, "")
    finally:
        if sink:
            sink.close()
    return {"issued": done, "achievement": achievement_key}


def _issue(
    ctx: JobContext,
    settings: Settings,
    achievement_key: str,
    batch: list[str],
    valid_until: datetime | None,
    issued_by: int | None,
    sink: Any,
) -> int:
    import json

    # The issuer is read per batch: a key rotated during a long run signs the batches after it.
    issuer = service.issuer_for(settings)
    with transaction(ctx.sessions, write=True) as session:
        signed = service.issue_many(
            session,
            issuer=issuer,
            achievement_key=achievement_key,
            emails=batch,
            valid_until=valid_until,
            issued_by=issued_by,
        )
    if sink is not None:
        for credential in signed:
            sink.write(json.dumps(credential, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(signed)


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
