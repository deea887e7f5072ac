"""Ledger appends and inclusion proofs against pymerkle's SqliteTree, measured in one run.

Targets (trust-layer issue): durable appends at least as fast as pymerkle's ``SqliteTree``
bulk append (ratio ≥ 1), and inclusion proofs at 1,000,000 entries at least 10 × faster
than ``SqliteTree`` proofs. Both trees get the same entries (soai's canonical JSON events)
and must agree on the root hash (both follow RFC 9162).

    .venv/bin/pip install -e '.[bench]'   # pymerkle, a benchmark-only dependency
    .venv/bin/python benchmarks/bench_ledger.py                 # 1,000,000 entries, SQLite
    .venv/bin/python benchmarks/bench_ledger.py --entries 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, make_instance
from pymerkle import SqliteTree

from soai import db
from soai.db import transaction
from soai.ledger import merkle
from soai.ledger import service as ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--proofs", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    settings = make_instance(args.database_url)
    sessions = db.session_factory(db.get_engine(settings.resolved_database_url))
    print(f"machine: {machine()}; soai ledger on {db.describe(settings.resolved_database_url)}")
    total, batch = args.entries, args.batch

    ours_seconds = encode_seconds = theirs_seconds = 0.0
    tree = SqliteTree(str(Path(tempfile.mkdtemp(prefix="pymerkle-")) / "merkle.db"))
    now = db.utcnow()
    for start in range(0, total, batch):
        events = [
            ("bench.entry", {"n": i, "note": "ព្រឹត្តិការណ៍"})
            for i in range(start, min(total, start + batch))
        ]
        # The same bytes go to both logs; encoding them as canonical JSON is soai's own work
        # (pymerkle takes bytes), so it is timed on its own.
        started = time.perf_counter()
        bodies = [(kind, ledger.event_body(kind, data, now)) for kind, data in events]
        encode_seconds += time.perf_counter() - started
        started = time.perf_counter()
        with transaction(sessions, write=True) as session:
            ledger.append_bodies(session, bodies, at=now)
        ours_seconds += time.perf_counter() - started
        started = time.perf_counter()
        tree.append_entries([body for _kind, body in bodies])
        theirs_seconds += time.perf_counter() - started
    ours_rate, theirs_rate = total / ours_seconds, total / theirs_seconds
    print(f"append, soai ledger:      {ours_rate:10,.0f} entries/s (commit every {batch:,})")
    print(f"append, pymerkle Sqlite:  {theirs_rate:10,.0f} entries/s (commit every {batch:,})")
    print(f"append ratio soai/pymerkle: {ours_rate / theirs_rate:8.2f}   target >= 1")
    print(
        f"(encoding events as canonical JSON: {total / encode_seconds:,.0f} entries/s more; "
        f"with it, soai appends {total / (ours_seconds + encode_seconds):,.0f} entries/s)"
    )

    rng = random.Random(9162)
    indexes = [rng.randrange(total) for _ in range(args.proofs)]
    ours_times, theirs_times = [], []
    with transaction(sessions) as session:
        size = ledger.size(session)
        for index in indexes:
            started = time.perf_counter()
            ledger.audit_path(session, position=index, size=size)
            ours_times.append(time.perf_counter() - started)
        our_root = merkle.root(size, ledger.node_reader(session))
    for index in indexes:
        started = time.perf_counter()
        tree.prove_inclusion(index + 1, size)
        theirs_times.append(time.perf_counter() - started)
    their_root = tree.get_root(size)
    ours_median, theirs_median = statistics.median(ours_times), statistics.median(theirs_times)
    print(f"roots agree: {our_root == their_root}")
    print(
        f"inclusion proof, soai:     {ours_median * 1e3:8.3f} ms median of {len(indexes)} "
        f"(fresh node reader per proof, {size:,} entries)"
    )
    print(
        f"inclusion proof, pymerkle: {theirs_median * 1e3:8.3f} ms median "
        f"(first proof {theirs_times[0] * 1e3:.1f} ms, before its cache warms)"
    )
    print(f"proof speed-up soai/pymerkle: {theirs_median / ours_median:6.1f} x   target >= 10")


if __name__ == "__main__":
    main()
