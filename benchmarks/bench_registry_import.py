"""Bulk import of AI systems from CSV: 50,000 rows against the 30-second target, in one run.

Target (registry issue): import 50,000 AI systems from CSV in under 30 s — read, check every
row, classify, write the systems and their classifications, and append one ledger entry per
system. The named baseline is the target itself (the ratio printed is target / measured, so
≥ 1 meets it); the time to only read and parse the CSV with the standard library is printed
beside it to show what share of the import is soai's own work.

    .venv/bin/python benchmarks/bench_registry_import.py                  # 50,000 rows, SQLite
    .venv/bin/python benchmarks/bench_registry_import.py --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, make_instance, peak_rss_mib
from sqlalchemy import create_engine, text

from soai import db
from soai.db import transaction
from soai.profiles import service as profiles
from soai.registry import bulk_import, reclassification, service
from soai.registry.import_files import CSV_COLUMNS

TARGET_SECONDS = 30.0
SECTORS = [
    "finance",
    "microfinance",
    "e-commerce",
    "agriculture",
    "health",
    "education",
    "public-sector",
    "telecommunications",
    "employment",
    "transport",
]
ANNEX = ["", "", "", "5(b)", "5(a)", "4(a)", "3(a)", "2", "1(a)", "5(c)", "6(d)", "8(a)"]


def write_csv(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(CSV_COLUMNS)
        for n in range(rows):
            annex = rng.choice(ANNEX)
            transparency = rng.choice(["", "", "50(1)", "50(1);50(2)", "50(4)"])
            values = {
                "organisation": f"Organisation {n % 2_000:04d}",
                "organisation_kind": "public_body" if n % 2_000 < 200 else "company",
                "name": f"AI system {n:06d}",
                "purpose": "Scores, ranks or recommends for the organisation's clients.",
                "sector": rng.choice(SECTORS),
                "role": rng.choice(["provider", "deployer"]),
                "status": rng.choice(["planned", "in_service", "withdrawn"]),
                "data_categories": rng.choice(["", "personal", "personal;sensitive"]),
                "autonomy": rng.choice(["advisory", "human_in_the_loop", "autonomous"]),
                "annex_iii": annex,
                "art_6_3_condition": rng.choice(["", "", "", "a", "d"]) if annex else "",
                "profiling": rng.choice(["yes", "no"]),
                "transparency": transparency,
                "gpai_training_flops": rng.choice(["", "", "", "3e24", "2e25"]),
            }
            out.writerow([values.get(column, "") for column in CSV_COLUMNS])


def fresh_database(url: str | None) -> str | None:
    """A new, empty PostgreSQL database next to ``url`` (SQLite: a new file, made by the instance)."""
    if url is None or not url.startswith("postgresql"):
        return url
    name = f"soai_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str | None, url: str) -> None:
    if admin_url is None or not url.startswith("postgresql"):
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    path = Path(tempfile.mkdtemp(prefix="soai-import-")) / "systems.csv"
    write_csv(path, args.rows, seed=42)
    profile = profiles.load(profiles.resolve("cambodia"))
    rule_set = service.ruleset(profile)

    parse_seconds = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            sum(1 for _row in csv.DictReader(handle))
        parse_seconds.append(time.perf_counter() - started)

    import_seconds = []
    reclassify_seconds = []
    omnibus = service.ruleset(
        profile.model_copy(
            update={
                "classification": profile.classification.model_copy(update={"timeline": "omnibus"})
            }
        )
    )
    database = "?"
    for _ in range(args.repeats):
        settings = make_instance(fresh_database(args.database_url))  # empty each time
        database = db.describe(settings.resolved_database_url)
        sessions = db.session_factory(db.get_engine(settings.resolved_database_url))
        started = time.perf_counter()
        with transaction(sessions, write=True) as session:
            report = bulk_import.run(
                session, path=path, rule_set=rule_set, country="KH", user_id=None
            )
        import_seconds.append(time.perf_counter() - started)
        assert report.imported == args.rows, report.as_dict()
        started = time.perf_counter()
        with transaction(sessions, write=True) as session:
            redone = reclassification.reclassify_all(
                session, rule_set=omnibus, country="KH", user_id=None
            )
        reclassify_seconds.append(time.perf_counter() - started)
        assert len(redone) == args.rows
        db.dispose_engine(settings.resolved_database_url)
        drop_database(args.database_url, settings.resolved_database_url)

    median = statistics.median(import_seconds)
    print(f"machine: {machine()}; database: {database}; rows: {args.rows:,}")
    print(f"by risk: {report.by_risk}")
    print(f"csv.DictReader only: median {statistics.median(parse_seconds):.2f} s")
    print(
        f"import (check, classify, write, ledger): median {median:.2f} s "
        f"({args.rows / median:,.0f} rows/s) of {[round(s, 2) for s in import_seconds]}"
    )
    print(f"target {TARGET_SECONDS:.0f} s / measured: {TARGET_SECONDS / median:.2f} (≥ 1 meets it)")
    again = statistics.median(reclassify_seconds)
    print(
        f"reclassify all {args.rows:,} after a timeline change (classify, diff, ledger, write): "
        f"median {again:.2f} s ({args.rows / again:,.0f} systems/s)"
    )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
