"""Bulk issuance from a CSV file: batches, progress, the ledger, the JSON Lines output."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from soai.credentials import bulk
from soai.credentials.models import IssuedCredential
from soai.credentials.verify import verify as soai_verify
from soai.crypto import service as crypto
from soai.db import transaction
from soai.errors import InvalidInput
from soai.jobs import service as jobs
from soai.jobs.runner import JobContext
from soai.settings import Settings
from tests.credentials import factories
from tests.credentials import independent_verifier as independent


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_bulk(
    settings: Settings,
    sessions: sessionmaker[Session],
    source: Path,
    output: Path | None,
    on_progress: Any = None,
    workers: int | None = 0,
) -> dict[str, Any]:
    with transaction(sessions) as session:
        job_id = jobs.enqueue(
            session, kind=bulk.JOB_KIND, params={"source": str(source)}, user_id=None
        ).id
    ctx = JobContext(
        job_id=job_id,
        sessions=sessions,
        home=settings.home,
        settings=settings,
        on_progress=on_progress,
    )
    return bulk.run(
        settings,
        ctx,
        source=source,
        achievement_key="watchdog-analyst",
        valid_until=None,
        output=output,
        issued_by=None,
        workers=workers,
    )


def test_bulk_issues_five_thousand_in_batches_all_verifiable(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    emails = [f"Analyst.{i:04d}@Example.org" for i in range(5_000)]
    source = write_csv(
        tmp_path / "emails.csv", "name,email", [f"n{i},{e}" for i, e in enumerate(emails)]
    )
    steps: list[tuple[int, int | None]] = []
    result = run_bulk(
        instance, sessions, source, tmp_path / "out.jsonl", lambda d, t, _m: steps.append((d, t))
    )
    assert result == {"issued": 5_000, "achievement": "watchdog-analyst"}
    assert bulk.BATCH == 2_000
    assert steps == [(0, 5_000), (2_000, 5_000), (4_000, 5_000), (5_000, 5_000)]
    with transaction(sessions) as session:
        assert session.scalar(select(func.count()).select_from(IssuedCredential)) == 5_000
        places = session.execute(
            select(IssuedCredential.status_list_id, IssuedCredential.status_index)
        ).all()
    assert sorted(places) == [(1, i) for i in range(5_000)]
    kinds = Counter(kind for kind, _body in factories.ledger_events(sessions))
    assert kinds == {"credential.issued": 5_000}
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5_000
    credentials = [json.loads(line) for line in lines]
    assert len({c["id"] for c in credentials}) == 5_000
    assert all("analyst." not in line.lower() for line in lines)  # no address in the clear
    did = factories.did_document(instance)
    lists = factories.status_lists(instance, sessions)
    for credential in credentials:
        soai_verify(credential, did_document=did, status_lists=lists)
    for credential in credentials[::499]:
        independent.verify(credential, did, lists)


def test_bulk_after_a_key_rotation_signs_with_the_new_key(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: Any
) -> None:
    """Regression: a bulk run kept signing with the key it started with, so a rotation during a
    long run left every later credential signed by a retired key."""
    monkeypatch.setattr(bulk, "BATCH", 10)
    source = write_csv(tmp_path / "e.csv", "email", [f"r{i}@example.org" for i in range(30)])

    def rotate_after_first_batch(done: int, _total: int | None, _message: str) -> None:
        if done == 10:
            crypto.rotate(instance)

    run_bulk(instance, sessions, source, tmp_path / "out.jsonl", rotate_after_first_batch)
    credentials = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    did = factories.did_document(instance)
    old, new = (m["id"] for m in did["verificationMethod"])
    used = [c["proof"]["verificationMethod"] for c in credentials]
    assert used == [old] * 10 + [new] * 20
    lists = factories.status_lists(instance, sessions)
    for credential in credentials:
        soai_verify(credential, did_document=did, status_lists=lists)
        independent.verify(credential, did, lists)


def test_a_csv_without_an_email_column_lists_the_columns_found(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "people.csv", "name,mail", ["Dara,dara@example.org"])
    with pytest.raises(InvalidInput, match=r"no 'email' column; columns found: name, mail"):
        run_bulk(instance, sessions, source, None)
    assert factories.counts(sessions) == (0, 0)


def test_a_bad_address_anywhere_stops_the_run_before_anything_is_issued(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [f"holder{i}@example.org" for i in range(4_500)] + ["", "not-an-address"]
    # line 1 is the header, 4,502 the blank line (skipped), 4,503 the bad address
    source = write_csv(tmp_path / "holders.csv", "email", rows)
    with pytest.raises(InvalidInput) as caught:
        run_bulk(instance, sessions, source, None)
    assert (
        f"{source}, line 4503: 'not-an-address' is not a valid e-mail address."
        in caught.value.render()
    )
    assert factories.counts(sessions) == (0, 0)  # no credential, no ledger entry


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_worker_processes_sign_while_the_job_stores(
    instance: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)  # use the pipeline even for a small file
    rows = [f"worker{i}@example.org" for i in range(4_100)]  # three batches, the last short
    source = write_csv(tmp_path / "holders.csv", "email", rows)
    output = tmp_path / "issued.jsonl"
    result = run_bulk(instance, sessions, source, output, workers=2)
    assert result["issued"] == 4_100
    assert factories.counts(sessions) == (4_100, 4_100)
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4_100 and len({json.loads(line)["id"] for line in lines}) == 4_100
    did = factories.did_document(instance)
    for line in lines[::410]:
        credential = json.loads(line)
        soai_verify(credential, did_document=did)
        independent.verify(credential, did, factories.status_lists(instance, sessions))
