"""Bulk risk classification of realistic AI system profiles against the 100,000 profiles/s target.

Target (registry issue): classify at least 100,000 profiles per second in bulk on this machine,
for profiles already parsed (``classify_many``, as a reclassification after a rules change does)
and, reported beside it, for JSON-decoded dicts that are parsed first (``parse_profile`` +
``classify_many``, as a bulk import does). The profiles are generated deterministically
(``random.Random(seed)``): a register's mix of sectors, Annex III points, Art. 6(3) conditions,
transparency situations and general-purpose AI models. Rendering the JSON (``to_json``) is timed
on its own, on one result per distinct answer set, since it is not part of the bulk path.

    .venv/bin/python benchmarks/bench_classify.py
    .venv/bin/python benchmarks/bench_classify.py --profiles 1000000 --seed 7
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import machine, rate

from soai.catalog.service import catalogue
from soai.registry.rules import classify, classify_many, load_ruleset
from soai.registry.schemas import ANNEX_III_POINTS, PROHIBITED_PRACTICES, parse_profile

TARGET = 100_000
SECTORS = [
    ("finance", 18),
    ("e-commerce", 14),
    ("public-sector", 12),
    ("health", 10),
    ("education", 10),
    ("agriculture", 8),
    ("telecommunications", 8),
    ("transport", 6),
    ("media", 6),
    ("other", 8),
]
# Annex III points a sector's systems are most likely to touch.
SECTOR_POINTS = {
    "finance": ["5(b)", "5(c)", "4(a)"],
    "public-sector": ["5(a)", "6(a)", "6(d)", "7(b)", "7(c)", "8(a)", "1(a)"],
    "health": ["5(c)", "5(d)", "1(c)"],
    "education": ["3(a)", "3(b)", "3(c)", "3(d)"],
    "transport": ["2"],
    "telecommunications": ["2", "1(b)"],
}
TRAINING_FLOPS = [10.0**e * m for e in range(21, 27) for m in (1, 2, 5)]


def realistic_profile(rng: random.Random, number: int) -> dict[str, Any]:
    """One questionnaire's answers; most systems are minimal or limited risk, as in a register."""
    sector = rng.choices([s for s, _ in SECTORS], weights=[w for _, w in SECTORS])[0]
    profile: dict[str, Any] = {
        "name": f"System {number}",
        "sector": sector,
        "role": "deployer" if rng.random() < 0.35 else "provider",
    }
    if rng.random() < 0.02:
        profile["out_of_scope"] = [
            rng.choice(["military", "research_only", "open_source_non_high_risk"])
        ]
    if rng.random() < 0.01:
        profile["prohibited_practices"] = rng.sample(PROHIBITED_PRACTICES, 1)
    profile["annex_i_product"] = rng.random() < 0.04
    if rng.random() < 0.30:
        points = SECTOR_POINTS.get(sector, list(ANNEX_III_POINTS))
        profile["annex_iii"] = rng.sample(
            points, rng.choice([1, 1, 1, 2]) if len(points) > 1 else 1
        )
        if rng.random() < 0.25:
            profile["art_6_3_condition"] = rng.choice("abcd")
    profile["profiling"] = rng.random() < 0.25
    situations = [
        p
        for p, share in (("50(1)", 0.4), ("50(2)", 0.2), ("50(3)", 0.05), ("50(4)", 0.05))
        if rng.random() < share
    ]
    profile["transparency"] = situations
    if rng.random() < 0.15:
        profile["gpai"] = {
            "training_flops": rng.choice(TRAINING_FLOPS),
            "designated_systemic": rng.random() < 0.02,
        }
    return profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1689)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    ruleset = load_ruleset(timeline="enacted", overlays=["kh"], catalogue=catalogue())
    rng = random.Random(args.seed)
    dicts = [realistic_profile(rng, n) for n in range(args.profiles)]
    parsed = [parse_profile(d) for d in dicts]
    results = classify_many(parsed, ruleset)
    tiers: dict[str, int] = {}
    for result in results:
        tiers[result.risk] = tiers.get(result.risk, 0) + 1
    distinct = list({id(r): r for r in results}.values())
    print(f"machine: {machine()}; rules {ruleset.version}, timeline {ruleset.timeline}")
    print(
        f"{args.profiles:,} profiles (seed {args.seed}), {len(distinct):,} distinct answer sets; "
        + ", ".join(f"{tier} {count / args.profiles:.1%}" for tier, count in sorted(tiers.items()))
    )

    count = args.profiles
    bulk, _ = rate(count, lambda: classify_many(parsed, ruleset), repeats=args.repeats)
    print(
        f"classify_many, parsed profiles:    {bulk:12,.0f} profiles/s   ratio to target {bulk / TARGET:6.2f}"
    )
    full, _ = rate(
        count,
        lambda: classify_many([parse_profile(d) for d in dicts], ruleset),
        repeats=args.repeats,
    )
    print(
        f"parse + classify_many, from dicts: {full:12,.0f} profiles/s   ratio to target {full / TARGET:6.2f}"
    )
    # Most of the parse cost above is the cyclic garbage collector rescanning the 100,000 input
    # dicts that stay alive all run. A bulk import that freezes its input (gc.freeze) avoids it.
    gc.freeze()
    frozen, _ = rate(
        count,
        lambda: classify_many([parse_profile(d) for d in dicts], ruleset),
        repeats=args.repeats,
    )
    gc.unfreeze()
    print(
        f"  the same, input out of the GC:   {frozen:12,.0f} profiles/s   ratio to target {frozen / TARGET:6.2f}"
    )
    sample = parsed[: min(count, 20_000)]
    single, _ = rate(
        len(sample), lambda: [classify(p, ruleset) for p in sample], repeats=args.repeats
    )
    print(
        f"classify one by one (no sharing):  {single:12,.0f} profiles/s   ratio to target {single / TARGET:6.2f}"
    )
    started = time.perf_counter()
    for result in distinct:
        result.to_json()
    seconds = time.perf_counter() - started
    print(f"to_json (not in the bulk path):    {len(distinct) / seconds:12,.0f} results/s")


if __name__ == "__main__":
    main()
