"""Several processes appending at once never fork the log, lose an entry or write one twice.

Four OS processes start together (each waits for a start file after it has connected and
decrypted its key), then append 50 events each, one write transaction per event, and sign a
checkpoint every tenth event: the same race a web worker pool and a CLI operator run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from soai.db import transaction
from soai.ledger import audit, keys
from soai.ledger.verify import verify
from soai.settings import Settings
from tests.ledger.factories import counts, execute, proof_at_latest, sign, stored_entries

PROCESSES = 4
APPENDS = 50

WORKER = """
import sys, time
from pathlib import Path
from soai import db
from soai.db import transaction
from soai.ledger import keys, service
from soai.settings import Settings

worker, count, start = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
settings = Settings()
sessions = db.session_factory(db.get_engine(settings.resolved_database_url))
signer, origin = keys.signer(settings), keys.origin(settings)
with transaction(sessions) as session:
    service.size(session)
start.with_name(f"ready-{worker}").touch()
while not start.exists():
    time.sleep(0.001)
began = time.time()
for n in range(count):
    with transaction(sessions, write=True) as session:
        service.append(session, kind="race.append", data={"worker": worker, "n": n})
    if n % 10 == 9:
        with transaction(sessions, write=True) as session:
            service.checkpoint(session, signer=signer, origin=origin)
print(began, time.time())
"""


def _race(settings: Settings, folder: Path) -> list[tuple[float, float]]:
    """Run the workers together; returns when each began and finished appending."""
    environment = {
        **os.environ,
        "SOAI_ENV": "test",
        "SOAI_HOME": str(settings.home),
        "SOAI_DATABASE_URL": settings.resolved_database_url,
        "SOAI_KEY_PASSPHRASE": settings.signing_passphrase().decode(),
        "SOAI_LOG_LEVEL": "WARNING",
    }
    start = folder / "start"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), str(APPENDS), str(start)],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all((folder / f"ready-{w}").exists() for w in range(PROCESSES)):
            failed = [p for p in workers if p.poll() not in (None, 0)]
            assert not failed, failed[0].communicate()[1]
            assert time.monotonic() < deadline, "the workers did not get ready in 60 s"
            time.sleep(0.01)
        start.touch()  # the gun: all four append from now on
        spans = []
        for process in workers:
            out, errors = process.communicate(timeout=120)
            assert process.returncode == 0, errors
            began, finished = map(float, out.split())
            spans.append((began, finished))
        return spans
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()


def _entries(sessions: sessionmaker[Session]) -> list[tuple[int, int, int]]:
    """(position, worker, n) of every stored entry, in position order."""
    return [
        (entry.position, data["worker"], data["n"])
        for entry in stored_entries(sessions)
        for data in [entry.event["data"]]
    ]


@pytest.mark.parametrize("head_row", ["migrated", "missing"])
def test_concurrent_appenders_in_separate_processes_never_fork_or_lose_an_entry(
    instance: Settings, sessions: sessionmaker[Session], tmp_path: Path, head_row: str
) -> None:
    # "missing": the head row the migration creates is gone (a restored or truncated schema);
    # the appenders then race to create it as well.
    execute(sessions, "DELETE FROM ledger_head")
    if head_row == "migrated":
        execute(
            sessions,
            "INSERT INTO ledger_head (id, size, updated_at) VALUES (1, 0, CURRENT_TIMESTAMP)",
        )
    spans = _race(instance, tmp_path)
    last_start, first_end = max(b for b, _f in spans), min(f for _b, f in spans)
    assert last_start < first_end, "a process finished before another began: no race"

    total = PROCESSES * APPENDS
    entries = _entries(sessions)
    assert [position for position, _w, _n in entries] == list(range(total))
    assert Counter((w, n) for _p, w, n in entries) == {
        (w, n): 1 for w in range(PROCESSES) for n in range(APPENDS)
    }
    for worker in range(PROCESSES):  # each process's own events keep their order
        assert [n for _p, w, n in entries if w == worker] == list(range(APPENDS))
    size, stored, checkpoints = counts(sessions)
    assert (size, stored) == (total, total)
    assert checkpoints >= 2

    vkeys = keys.vkeys(instance)
    with transaction(sessions) as session:
        report = audit.audit(session, vkeys=vkeys)
    assert report.problems == []
    assert (report.entries_checked, report.checkpoints_checked) == (total, checkpoints)
    final = sign(instance, sessions)
    assert final.size == total
    for position in range(total):
        proof = proof_at_latest(instance, sessions, position)
        assert proof.tree_size == total
        verify(proof.model_dump(mode="json"), vkeys)
