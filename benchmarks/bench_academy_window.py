"""The giveaway's exam window end to end: 500,250 candidates enrolled, their forms drawn,
answers simulated, graded, stored, and the passes certified — one job, measured in one run.

Target (academy issue): end to end as jobs with progress bars, on SQLite and on PostgreSQL,
peak memory < 2 GiB. The item bank is the shipped one (CEASAI Fundamentals blueprint).

    .venv/bin/python benchmarks/bench_academy_window.py [--candidates 500250] [--database-url URL]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, make_instance

from soai import db
from soai.academy import service, window
from soai.instance import service as instance
from soai.jobs.runner import JobContext

MEMORY_TARGET_MIB = 2048


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500_250)
    parser.add_argument("--tier", default="fundamentals")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    settings = make_instance(args.database_url)
    sessions = db.session_factory(instance.open_instance(settings))
    print(f"machine: {machine()}; database: {db.describe(settings.resolved_database_url)}")
    marks: dict[str, float] = {}
    began = time.perf_counter()

    def progress(done: int, total: int | None, stage: str) -> None:
        marks.setdefault(stage, time.perf_counter() - began)
        marks[f"{stage} end"] = time.perf_counter() - began

    ctx = JobContext(job_id="bench", sessions=sessions, home=settings.home,
                     on_progress=progress, settings=settings, min_interval=3600)  # fmt: skip
    result = window.run(settings, ctx, tier_id=args.tier, candidates=args.candidates,
                        seed="bench", bank=service.bank_of(None))  # fmt: skip
    total = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    graded_at = marks.get("graded end", total)
    print(f"{result['candidates']:,} candidates enrolled, drawn, simulated, graded and stored "
          f"in {graded_at:.1f} s; {result['passed']:,} passed")  # fmt: skip
    print(f"{result['issued']:,} credentials issued and logged in "
          f"{total - marks.get('certificates', graded_at):.1f} s")  # fmt: skip
    print(f"end to end: {total:.1f} s; peak RSS {peak:,.0f} MiB, target < {MEMORY_TARGET_MIB} "
          f"({'met' if peak < MEMORY_TARGET_MIB else 'missed'})")  # fmt: skip


if __name__ == "__main__":
    main()
