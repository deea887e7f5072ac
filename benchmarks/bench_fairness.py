"""The fairness engine against fairlearn's MetricFrame on 1,000,000 predictions, in one run.

Target (assurance issue): soai's full fairness suite — per-group metrics of two sensitive
columns (gender, 2 values; province, 25 values) and of their intersection, with a score, and
every aggregate, no bootstrap — at least 20 × faster than fairlearn computing the same
(a MetricFrame of the same metrics per column and intersection, plus fairlearn's aggregate
functions), with values equal to 1e-9, and soai's peak memory under 2 GiB. Median of 3 runs.

    .venv/bin/python benchmarks/bench_fairness.py                 # 1,000,000 rows (~15 min)
    .venv/bin/python benchmarks/bench_fairness.py --rows 100000 --repeats 1
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import fairlearn.metrics as flm
import numpy as np
import sklearn.metrics as skm
from common import machine, peak_rss_mib

from soai.assurance.fairness import fairness
from soai.assurance.fairness_results import AGGREGATES, INTERSECTION, FairnessResult

SPEED_TARGET, MEMORY_TARGET_MIB = 20, 2048
PROVINCES = [
    "Banteay Meanchey", "Battambang", "Kampong Cham", "Kampong Chhnang", "Kampong Speu",
    "Kampong Thom", "Kampot", "Kandal", "Kep", "Koh Kong", "Kratie", "Mondulkiri",
    "Oddar Meanchey", "Pailin", "Phnom Penh", "Preah Sihanouk", "Preah Vihear", "Prey Veng",
    "Pursat", "Ratanakiri", "Siem Reap", "Stung Treng", "Svay Rieng", "Takeo", "Tbong Khmum",
]  # fmt: skip


def mean_score(y_true: Any, y_pred: Any, score: Any) -> float:
    return float(np.mean(score))


def calibration_gap(y_true: Any, y_pred: Any, score: Any) -> float:
    return float(np.mean(score) - np.mean(y_true))


METRICS: dict[str, Callable[..., Any]] = {
    "count": flm.count,
    "selection_rate": flm.selection_rate,
    "accuracy": skm.accuracy_score,
    "precision": skm.precision_score,
    "recall": skm.recall_score,
    "false_positive_rate": flm.false_positive_rate,
    "false_negative_rate": flm.false_negative_rate,
    "mean_score": mean_score,
    "calibration_gap": calibration_gap,
}


def predictions(rows: int, seed: int) -> tuple[Any, Any, dict[str, Any], Any]:
    """A credit model's decisions with a planted bias by province; unbalanced provinces."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(len(PROVINCES), 2.0))
    province = np.array(PROVINCES)[rng.choice(len(PROVINCES), rows, p=weights)]
    gender = np.array(["female", "male"])[(rng.random(rows) < 0.48).astype(np.intp)]
    y_true = (rng.random(rows) < 0.6).astype(np.int64)
    score = np.clip(0.35 * y_true + 0.65 * rng.random(rows), 0.0, 1.0)
    penalty = np.isin(province, ["Ratanakiri", "Mondulkiri", "Preah Vihear"]) * 0.15
    y_pred = (score > 0.5 + penalty).astype(np.int64)
    return y_true, y_pred, {"gender": gender, "province": province}, score


def theirs(y_true: Any, y_pred: Any, sensitive: dict[str, Any], score: Any) -> dict[str, Any]:
    """fairlearn's per-group metrics and aggregates, for each column and the intersection."""
    levels = {**{column: {column: a} for column, a in sensitive.items()}, INTERSECTION: sensitive}
    params = {"mean_score": {"score": score}, "calibration_gap": {"score": score}}
    values: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's zero-division and pandas' deprecations
        for level, features in levels.items():
            frame = flm.MetricFrame(
                metrics=METRICS,
                y_true=y_true,
                y_pred=y_pred,
                sensitive_features=features,
                sample_params=params,
            )
            values[level] = {
                "groups": frame.by_group.dropna(how="all"),
                **{
                    name: getattr(flm, name)(y_true, y_pred, sensitive_features=features)
                    for name in AGGREGATES
                },
            }
    return values


def largest_difference(ours: FairnessResult, expected: dict[str, Any]) -> float:
    """The largest absolute difference between soai's values and fairlearn's (NaN = NaN)."""
    worst = 0.0

    def compare(a: float | None, b: float) -> None:
        nonlocal worst
        if a is None or math.isnan(a) or math.isnan(b):
            worst = max(worst, 0.0 if (a is None or math.isnan(a)) and math.isnan(b) else math.inf)
        else:
            worst = max(worst, abs(a - b))

    for level, values in expected.items():
        groups = ours.groups[level]
        if list(groups) != list(values["groups"].index):
            return math.inf
        for label, row in values["groups"].iterrows():
            for name in METRICS:
                compare(getattr(groups[label], name), float(row[name]))
        for name in AGGREGATES:
            compare(getattr(ours.aggregates[level], name), float(values[name]))
    return worst


def timed(repeats: int, fn: Callable[[], Any]) -> tuple[float, list[float], Any]:
    seconds, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    data = predictions(args.rows, args.seed)
    y_true, y_pred, sensitive, score = data
    print(f"machine: {machine()}; {args.rows:,} rows, gender × province (2 × 25), with a score")
    print(f"peak RSS with the data loaded: {peak_rss_mib():8.0f} MiB")
    ours_median, ours_runs, ours = timed(
        args.repeats, lambda: fairness(y_true, y_pred, sensitive, score=score)
    )
    ours_peak = peak_rss_mib()
    print(f"soai fairness:       {ours_median:9.3f} s median of {[round(s, 3) for s in ours_runs]}")
    print(
        f"peak RSS after soai: {ours_peak:8.0f} MiB   target < {MEMORY_TARGET_MIB} "
        f"({'met' if ours_peak < MEMORY_TARGET_MIB else 'MISSED'})"
    )
    theirs_median, theirs_runs, expected = timed(args.repeats, lambda: theirs(*data))
    print(
        f"fairlearn:           {theirs_median:9.3f} s median of "
        f"{[round(s, 1) for s in theirs_runs]} (MetricFrame + aggregate functions)"
    )
    print(f"peak RSS after fairlearn: {peak_rss_mib():8.0f} MiB")
    difference = largest_difference(ours, expected)
    print(f"largest |soai − fairlearn| over every group metric and aggregate: {difference:.3g}")
    speedup = theirs_median / ours_median
    print(
        f"speed-up soai/fairlearn: {speedup:8.1f} x   target >= {SPEED_TARGET} "
        f"({'met' if speedup >= SPEED_TARGET else 'MISSED'})"
    )
    assert difference <= 1e-9, f"values differ from fairlearn's by {difference}"


if __name__ == "__main__":
    main()
