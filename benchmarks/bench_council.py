"""A full council session with the 33 built-in agents, end to end, measured in one run.

Target (council issue): one session — open it on an assessment's evidence bundle, let the 33
built-in agents evaluate it, sign their votes, have the coordinator verify each signature,
form the quorum certificate (or escalate), append to the ledger and commit — in < 50 ms.

The instance is a throw-away Cambodia demo (register, compliance cycles, test runs) on SQLite
or PostgreSQL (``--database-url``). The first session of a process also loads the agents'
models (language identification, the catalogue's TF-IDF index) and unlocks the 33 seat keys;
that warm-up is reported apart, then ``--sessions`` sessions are timed one by one.

    .venv/bin/python benchmarks/bench_council.py [--sessions 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, make_instance

from soai import db
from soai.council import evidence, seating, service
from soai.council.agents import roster
from soai.db import transaction, utcnow
from soai.instance import demo as demo_data
from soai.instance import service as instance
from soai.pdca import service as pdca
from soai.profiles import service as profiles

TARGET_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    settings = make_instance(args.database_url)
    sessions = db.session_factory(instance.open_instance(settings))
    profile = profiles.instance_profile(settings.home.resolve())
    council = seating.council_id(profile.id)
    passphrase = settings.signing_passphrase()
    with transaction(sessions, write=True) as session:
        demo_data.seed(session)
        demo_data.seed_register(session, profile)
        demo_data.seed_cycles(session, settings.home)
        demo_data.seed_tests(session, settings.home, profile)
        seating.seat_default(session, council=council, passphrase=passphrase, actor_id=None)
        cycle = next(c for c in pdca.cycles(session, scope=pdca.Scope(everything=True))
                     if c.risk_tier == "high" and c.phase != "closed")  # fmt: skip
        bundle = evidence.assessment(session, cycle_id=cycle.id, country=profile.country.code)
    print(f"machine: {machine()}; database: {db.describe(settings.resolved_database_url)}")
    print(f"bundle: {bundle['subject']['title']}: {len(bundle['controls'])} controls, "
          f"{len(bundle['risks'])} risks, {len(bundle['assurance'])} test results")  # fmt: skip

    def one_session() -> tuple[float, str]:
        started = time.perf_counter()
        with transaction(sessions, write=True) as session:
            found = service.open_session(
                session, council=council, subject_type="assessment",
                subject_ref=bundle["subject"]["id"], title=bundle["subject"]["title"],
                bundle=bundle, actor_id=None, now=utcnow(),
            )  # fmt: skip
            service.run_agents(session, cs=found, council=council, passphrase=passphrase,
                               now=utcnow())  # fmt: skip
            outcome = found.status
        return (time.perf_counter() - started) * 1000, outcome

    warm_up, outcome = one_session()
    print(f"first session (loads the agents' models, unlocks 33 keys): {warm_up:.0f} ms, {outcome}")
    timings, outcomes = [], []
    for _ in range(args.sessions):
        elapsed, outcome = one_session()
        timings.append(elapsed)
        outcomes.append(outcome)
    evaluate = []
    for _ in range(args.sessions):
        started = time.perf_counter()
        roster.evaluate_all(bundle, roster.default_roster())
        evaluate.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    print(f"full session, 33 agents: median {median:.1f} ms over {args.sessions} "
          f"(min {min(timings):.1f}, max {max(timings):.1f}); outcomes: "
          f"{ {o: outcomes.count(o) for o in set(outcomes)} }")  # fmt: skip
    print(
        f"  of which the 33 agents' evaluation alone: median {statistics.median(evaluate):.1f} ms"
    )
    verdict = "met" if median < TARGET_MS else "missed"
    print(f"target < {TARGET_MS:.0f} ms: {verdict} (ratio {median / TARGET_MS:.2f} of the budget)")


if __name__ == "__main__":
    main()
