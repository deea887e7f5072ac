"""Assembling and grading 500,250 CEASAI Professional exam attempts, CPU time and peak memory.

Targets (academy issue): grading 500,250 attempts of 100 scored questions in under 10 s of CPU
time; assembling their forms "well under a minute". The bank is synthetic (written to a
temporary directory as item files and loaded like the shipped one): eight times the
Professional blueprint per domain in operational items plus 120 pretest items, so each form
has 100 scored + 15 pretest questions. Answers are simulated with a Rasch model (ability
~ N(0.8, 1), item difficulty ~ N(0, 1)). Item analysis of the whole window is timed too.

    .venv/bin/python benchmarks/bench_academy_grading.py [--attempts 500250]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np
import yaml
from common import machine, peak_rss_mib

from soai.academy import analysis, bank, forms, grading, programme

GRADING_TARGET_S, ASSEMBLY_TARGET_S = 10.0, 60.0
BANK_FACTOR, PRETEST_ITEMS = 8, 120


def write_synthetic_bank(directory: Path) -> None:
    """Item files with BANK_FACTOR × the Professional blueprint per domain, all tiers."""
    the_programme = programme.load()
    tier = the_programme.tier("professional")
    domains = dict(tier.blueprint)
    pretest_left = PRETEST_ITEMS
    for domain_id, need in domains.items():
        module = the_programme.modules_of(domain_id)[0].id
        pretest = min(pretest_left, PRETEST_ITEMS // len(domains))
        pretest_left -= pretest
        items = []
        for number in range(1, need * BANK_FACTOR + pretest + 1):
            text = {
                "stem": f"Question {domain_id} {number}?",
                "options": {o: f"Option {o} of {domain_id} {number}" for o in "abcd"},
                "rationale": "Synthetic.",
            }
            items.append(
                {
                    "id": f"{domain_id}-{number:03d}",
                    "module": module,
                    "tiers": list(the_programme.tiers),
                    "difficulty": 1 + number % 3,
                    "status": "operational" if number <= need * BANK_FACTOR else "pretest",
                    "source": "Synthetic benchmark item",
                    "key": "abcd"[number % 4],
                    "en": text,
                    "km": text,
                }
            )
        content = {"version": "bench", "domain": domain_id, "items": items}
        (directory / f"{domain_id}.yaml").write_text(yaml.safe_dump(content), "utf-8")


def simulate_answers(the_bank: bank.Bank, batch: forms.FormBatch, seed: int) -> np.ndarray:
    """Displayed option chosen per question (-1 now and then: unanswered), Rasch model."""
    rng = np.random.default_rng(seed)
    n, k = batch.items.shape
    ability = rng.normal(0.8, 1.0, size=n).astype(np.float32)
    difficulty = rng.normal(0.0, 1.0, size=len(the_bank)).astype(np.float32)
    answers = np.empty((n, k), dtype=np.int8)
    for start in range(0, n, 50_000):
        rows = slice(start, start + 50_000)
        logit = ability[rows, None] - difficulty[batch.items[rows]]
        right = rng.random(logit.shape, dtype=np.float32) < 1 / (1 + np.exp(-logit))
        key_shown = np.argmax(
            batch.option_perms[rows] == the_bank.key[batch.items[rows]][..., None], axis=2
        )
        wrong_shown = (key_shown + rng.integers(1, 4, size=logit.shape)) % 4
        chosen = np.where(right, key_shown, wrong_shown)
        answers[rows] = np.where(rng.random(logit.shape) < 0.01, -1, chosen)
    return answers


def cpu(label: str, fn):  # type: ignore[no-untyped-def]
    started, wall = time.process_time(), time.perf_counter()
    result = fn()
    spent = time.process_time() - started
    print(f"  {label:<44} {spent:7.2f} s CPU  ({time.perf_counter() - wall:6.2f} s wall)")
    return result, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=500_250)
    args = parser.parse_args()
    n = args.attempts
    print(f"CEASAI Professional: {n:,} attempts — {machine()}")

    with tempfile.TemporaryDirectory(prefix="soai-bench-items-") as tmp:
        write_synthetic_bank(Path(tmp))
        the_bank, _ = cpu("load the synthetic bank", lambda: bank.load(Path(tmp), programme.load()))
    tier = programme.load().tier("professional")
    print(f"  bank: {len(the_bank)} items; form: {tier.questions} scored + {tier.pretest} pretest")

    exposure = np.random.default_rng(1).integers(0, 1000, size=len(the_bank))
    batch, assemble_s = cpu(
        f"assemble {n:,} forms (exposure control)",
        lambda: forms.assemble_many(the_bank, tier, range(n), exposure=exposure),
    )
    answers, _ = cpu(
        "simulate answers (not part of the target)", lambda: simulate_answers(the_bank, batch, 2)
    )
    grades, grade_s = cpu(
        f"grade {n:,} attempts",
        lambda: grading.grade_batch(the_bank, batch, answers, tier.pass_mark),
    )

    def item_analysis() -> dict[str, object]:
        chosen = grading.original_options(answers, batch.option_perms)
        correct = chosen == the_bank.key[batch.items]
        result = analysis.analyse_attempts(
            batch.items,
            correct,
            batch.scored,
            n_items=len(the_bank),
            chosen=chosen,
            keys=the_bank.key,
        )
        return analysis.report(
            result, item_ids=the_bank.ids, status=[i.status for i in the_bank.items]
        )

    report, _ = cpu("item analysis of the window (report)", item_analysis)

    print(
        f"  pass rate {grades.passed.mean():.1%}, mean scaled {grades.scaled.mean():.0f}, "
        f"reliability {report['reliability']['coefficient']} ({report['reliability']['method']}), "
        f"SEM {report['reliability']['sem']} raw points"
    )
    print(
        f"grading: {grade_s:.2f} s CPU for {n:,} attempts — target < {GRADING_TARGET_S:.0f} s: "
        f"{'MET' if grade_s < GRADING_TARGET_S else 'MISSED'}"
    )
    print(
        f"assembly + grading: {assemble_s + grade_s:.2f} s CPU "
        f"(assembly {assemble_s:.2f} s — target < {ASSEMBLY_TARGET_S:.0f} s: "
        f"{'MET' if assemble_s < ASSEMBLY_TARGET_S else 'MISSED'})"
    )
    print(f"peak RSS {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
