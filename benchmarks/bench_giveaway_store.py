"""The giveaway's stored path at full size: 500,250 applications imported into a round, the round
closed (the applications file's SHA-256 logged) and drawn, on SQLite and on PostgreSQL.

Target (programme issue): ingest, de-duplicate and allocate 500,250 applications in < 30 s with
peak memory < 1 GiB, the allocation digest identical on SQLite and PostgreSQL. The baseline is
the target (ratios are target / measured: ≥ 1 meets it). Each database runs in its own process
so each peak memory is its own; the digest is also checked against the command-line draw of the
round's exported applications file.

    .venv/bin/python benchmarks/bench_giveaway_store.py [--rows 500250] \
        [--postgres postgresql+psycopg://USER@HOST:PORT/DB]   (or SOAI_BENCH_POSTGRES_URL)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_giveaway import write_csv
from common import machine, make_instance, peak_rss_mib

TARGET_SECONDS, TARGET_MIB = 30.0, 1024.0
NOW = datetime(2026, 11, 27, tzinfo=UTC)


def quotas(seats: int) -> dict[str, int]:
    return {"KH": min(100_000, seats // 5)}  # 100,000 Cambodian seats at full size


def one(database_url: str | None, path: Path, seats: int) -> dict[str, object]:
    """Import, close and draw in a fresh instance; the stages' times, the digest, peak RSS."""
    from soai.db import get_engine, session_factory, transaction
    from soai.programme import drawing, giveaway, rounds

    settings = make_instance(database_url)
    sessions = session_factory(get_engine(settings.resolved_database_url))
    with transaction(sessions, write=True) as session:
        record, seed = rounds.open_round(session, name="bench", seats=seats,
                                         quotas=quotas(seats), closes_at=NOW + timedelta(days=1),
                                         offer_days=30, now=NOW,
                                         seed=bytes.fromhex("5eed" * 16))  # fmt: skip
        round_id = record.id
    times = {}
    started = time.perf_counter()
    with transaction(sessions, write=True) as session:
        rounds.import_file(session, record=rounds.get_round(session, round_id), path=path, now=NOW)
    times["import"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(sessions, write=True) as session:
        rounds.close_round(session, record=rounds.get_round(session, round_id), now=NOW)
    times["close"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(sessions, write=True) as session:
        summary = drawing.draw(session, record=rounds.get_round(session, round_id), seed_hex=seed,
                              now=NOW + timedelta(days=2))  # fmt: skip
    times["draw"] = time.perf_counter() - started
    peak = peak_rss_mib()
    exported = path.with_name(f"exported-{os.getpid()}.csv")
    with transaction(sessions) as session, exported.open("w", encoding="utf-8", newline="") as out:
        rounds.write_applications(session, rounds.get_round(session, round_id), out)
    rerun = giveaway.allocate(giveaway.read_applications(exported), seats=seats,
                              seed=bytes.fromhex(seed), quotas=quotas(seats))  # fmt: skip
    return {"times": times, "peak": peak, "digest": summary["allocation_digest"],
            "rerun_digest": rerun.digest, "duplicates": summary["duplicates"],
            "allocated": summary["allocated"], "seed": seed}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_250)
    parser.add_argument("--seats", type=int, default=500_250 * 2 // 3)
    parser.add_argument("--postgres", default=os.environ.get("SOAI_BENCH_POSTGRES_URL"))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one database
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.file:
        url = None if args.one == "sqlite" else args.one
        print(json.dumps(one(url, Path(args.file), args.seats)))
        return
    path = Path(tempfile.mkdtemp(prefix="soai-giveaway-store-")) / "applications.csv"
    planted = write_csv(path, args.rows, seed=7)
    print(f"machine: {machine()}; rows: {args.rows:,} ({planted:,} planted re-submissions)")
    targets = [("SQLite (WAL)", "sqlite")]
    if args.postgres:
        targets.append(("PostgreSQL", args.postgres))
    else:
        print("PostgreSQL: not measured (give --postgres URL or SOAI_BENCH_POSTGRES_URL)")
    digests = set()
    for label, url in targets:
        out = subprocess.run([sys.executable, __file__, "--one", url, "--file", str(path),
                              "--seats", str(args.seats)], capture_output=True, text=True, check=True)  # fmt: skip
        result = json.loads(out.stdout.strip().splitlines()[-1])
        times = result["times"]
        total = times["import"] + times["close"] + times["draw"]
        digests.update({result["digest"], result["rerun_digest"]})
        print(f"{label}: import {times['import']:.1f} s, close (file SHA-256 + ledger) "
              f"{times['close']:.1f} s, draw (de-duplicate, allocate, store outcomes) "
              f"{times['draw']:.1f} s — total {total:.1f} s; target {TARGET_SECONDS:.0f} s / "
              f"measured: {TARGET_SECONDS / total:.2f}; peak RSS {result['peak']:.0f} MiB, "
              f"target / measured: {TARGET_MIB / result['peak']:.2f}")  # fmt: skip
        print(f"  duplicates {result['duplicates']:,}; allocated {result['allocated']:,}; "
              f"digest {result['digest']} (command-line re-run: {result['rerun_digest']})")  # fmt: skip
    print("allocation digest identical on every database and in the command-line re-run: "
          f"{'yes' if len(digests) == 1 else 'NO'}")  # fmt: skip


if __name__ == "__main__":
    main()
