"""The fairness test end to end against AI Verify's Fairness Metrics Toolbox for Classification.

The toolbox (PyPI ``aiverify-fairness-metrics-toolbox-for-classification`` 2.2.1) cannot take
predictions: it loads a model, predicts, and measures. So both tools are compared in model mode,
on the same model and the same CSV file. The toolbox pins scikit-learn 1.5.2 and numpy 1.26, so it
lives in its own virtual environment, ``benchmarks/.venv-aiverify`` (created and filled here on
first use). The model, a ``DecisionTreeClassifier(max_depth=8)`` trained on soai's synthetic
Cambodian credit data (``soai.assurance.demo_data``, learning past approvals, which penalise two
provinces), is trained in that environment and saved twice: pickled for the toolbox, and
exported with skl2onnx for soai (a scikit-learn 1.5.2 pickle does not load reliably in ours).
The features are integers, so the tree's thresholds are exact in ONNX's float32 and the two
tools' predictions are identical; the benchmark checks that.

Target (assurance issue): soai end to end (a subprocess from start to exit: load, predict,
measure, print JSON) ≥ 5 × faster than the toolbox's command line, with peak memory < 2 GiB.
Median of ``--repeats`` runs of each, per size. Then every metric the toolbox outputs is set
beside soai's counterpart.

    .venv/bin/python benchmarks/bench_aiverify.py                      # 100k and 1M rows, ~2 min
    .venv/bin/python benchmarks/bench_aiverify.py --rows 100000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np
import onnxruntime as ort
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from common import machine

from soai.assurance.demo_data import AGE_BANDS, PROVINCES, generate
from soai.assurance.fairness_results import INTERSECTION, SEPARATOR

SPEED_TARGET, MEMORY_TARGET_MIB = 5, 2048
TOOLBOX = "aiverify-fairness-metrics-toolbox-for-classification==2.2.1"
SKL2ONNX = "skl2onnx==1.20.0"  # supports the toolbox's scikit-learn 1.5.2; pip keeps its pins
TOOLBOX_MODULE = "aiverify_fairness_metrics_toolbox_for_classification"
VENV = Path(__file__).parent / ".venv-aiverify"
THEIR_PYTHON = VENV / "bin" / "python"
SOAI = Path(sys.executable).parent / "soai"
SENSITIVE = ("gender", "province")
FEATURES = ("gender", "province", "age_band", "monthly_income_usd", "credit_history_months")
LABEL, TARGET = "repaid", "approved"  # ground truth of the test; what the model learns
CODES = {"gender": ("female", "male"), "province": PROVINCES, "age_band": AGE_BANDS}
TRAIN_ROWS, TRAIN_SEED, TEST_SEED = 20_000, 1, 855

# soai's side runs `soai assure fairness --model model.onnx` by default: one process reads the
# CSV, loads the ONNX model, predicts and measures, the same end-to-end work as the toolbox.
# `--no-model-mode` instead predicts with onnxruntime here and measures `--prediction`.
MODEL_MODE = True

TRAIN = textwrap.dedent(
    """
    import json, pickle, sys
    import numpy as np, pandas as pd
    from skl2onnx import to_onnx
    from sklearn.tree import DecisionTreeClassifier

    train, pickled, onnx_path, features, target, *tests = sys.argv[1:]
    features = features.split(",")
    frame = pd.read_csv(train)
    model = DecisionTreeClassifier(max_depth=8, random_state=0).fit(frame[features], frame[target])
    with open(pickled, "wb") as handle:
        pickle.dump(model, handle)
    sample = frame[features].to_numpy(np.float32)[:1]
    onx = to_onnx(model, sample, options={"zipmap": False}, target_opset=17)
    entry = onx.metadata_props.add()
    entry.key, entry.value = "feature_names", json.dumps(features)
    with open(onnx_path, "wb") as handle:
        handle.write(onx.SerializeToString())
    for test in tests:  # the predictions the toolbox will make, and its own data format
        data = pd.read_csv(test)
        np.save(test[: -len(".csv")] + ".theirs.npy", model.predict(data[features]))
        data.to_pickle(test[: -len(".csv")] + ".sav")
    """
)

LAUNCH = textwrap.dedent(
    """
    import resource, subprocess, sys, time
    started = time.perf_counter()
    code = subprocess.call(sys.argv[2:])
    seconds = time.perf_counter() - started
    with open(sys.argv[1], "w") as out:
        out.write(f"{seconds} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
    sys.exit(code)
    """
)

PREDICT = textwrap.dedent(
    """
    import sys
    import numpy as np, onnxruntime as ort, pyarrow as pa, pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    data, model, out, features, keep = sys.argv[1:]
    table = pacsv.read_csv(data)
    x = np.column_stack([table[f].to_numpy() for f in features.split(",")]).astype(np.float32)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    label = session.run(["label"], {session.get_inputs()[0].name: x})[0]
    kept = table.select(keep.split(",")).append_column("prediction", pa.array(label))
    pq.write_table(kept, out)
    """
)

RATES = {  # the toolbox's per-group rates: numerator, and the WHOLE data set's denominator
    "True Positive Rate": ("tp", ("tp", "fn")),
    "True Negative Rate": ("tn", ("tn", "fp")),
    "Positive Predictive Value Parity": ("tp", ("tp", "fp")),
    "Negative Predictive Value Parity": ("tn", ("tn", "fn")),
    "False Positive Rate": ("fp", ("tn", "fp")),
    "False Negative Rate": ("fn", ("tp", "fn")),
    "False Discovery Rate": ("fp", ("tp", "fp")),
    "False Omission Rate": ("fn", ("tn", "fn")),
}
# soai's per-group counterpart of each, with class 1 (repaid) as the positive class; class 0
# swaps TP↔TN and FP↔FN. None: soai does not report it.
NATIVE: dict[str, Callable[[dict[str, Any]], float] | None] = {
    "True Positive Rate": lambda m: m["recall"],
    "True Negative Rate": lambda m: 1 - m["false_positive_rate"],
    "Positive Predictive Value Parity": lambda m: m["precision"],
    "Negative Predictive Value Parity": None,
    "False Positive Rate": lambda m: m["false_positive_rate"],
    "False Negative Rate": lambda m: m["false_negative_rate"],
    "False Discovery Rate": lambda m: 1 - m["precision"],
    "False Omission Rate": None,
}
NATIVE_NAME = {
    "True Positive Rate": "recall",
    "True Negative Rate": "1 − false_positive_rate",
    "Positive Predictive Value Parity": "precision",
    "Negative Predictive Value Parity": "— (NPV not reported)",
    "False Positive Rate": "false_positive_rate",
    "False Negative Rate": "false_negative_rate",
    "False Discovery Rate": "1 − precision",
    "False Omission Rate": "— (FOR not reported)",
}
SWAP = {
    "True Positive Rate": "True Negative Rate",
    "True Negative Rate": "True Positive Rate",
    "Positive Predictive Value Parity": "Negative Predictive Value Parity",
    "Negative Predictive Value Parity": "Positive Predictive Value Parity",
    "False Positive Rate": "False Negative Rate",
    "False Negative Rate": "False Positive Rate",
    "False Discovery Rate": "False Omission Rate",
    "False Omission Rate": "False Discovery Rate",
}
IDENTICAL = 1e-9


# -- the separate environment, the data and the model ---------------------------------------


def ensure_venv() -> None:
    """Create ``benchmarks/.venv-aiverify`` with the toolbox and skl2onnx, unless it is there."""
    probe = f"import {TOOLBOX_MODULE}, skl2onnx"
    if THEIR_PYTHON.exists() and subprocess.run([THEIR_PYTHON, "-c", probe]).returncode == 0:
        return
    print(f"creating {VENV} with {TOOLBOX} and {SKL2ONNX} (pip, a few minutes) …", flush=True)
    python3 = shutil.which("python3") or sys.executable
    subprocess.run([python3, "-m", "venv", VENV], check=True)
    subprocess.run([THEIR_PYTHON, "-m", "pip", "install", "-q", TOOLBOX, SKL2ONNX], check=True)


def credit_data(rows: int, seed: int) -> dict[str, np.ndarray]:
    """soai's synthetic credit data, categories coded as integers (the toolbox needs numbers)."""
    data = generate(rows, seed=seed)
    columns = {
        name: (data[name][:, None] == np.array(names)).argmax(axis=1).astype(np.int64)
        for name, names in CODES.items()
    }
    for name in ("monthly_income_usd", "credit_history_months", LABEL, TARGET):
        columns[name] = data[name].astype(np.int64)
    return columns


def write_csv(path: Path, columns: dict[str, np.ndarray], names: Sequence[str]) -> Path:
    table = pa.table({name: columns[name] for name in names})
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


# -- running the two tools -------------------------------------------------------------------


def run(command: Sequence[Any], cwd: Path, output: Path) -> tuple[float, float]:
    """Run ``command`` to its end: its wall time in s and its own peak RSS in MiB.

    Through a small launcher process: Linux counts the RSS a child inherits at fork/exec into
    its peak, so measured straight from this (large) process every child would look as big.
    """
    measured = output.with_suffix(".usage")
    with output.open("wb") as out:
        code = subprocess.run(
            [sys.executable, "-S", "-c", LAUNCH, measured, *command],
            cwd=cwd,
            stdout=out,
            stderr=out,
        ).returncode
    if code != 0:
        tail = output.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{command[0]} failed ({code}):\n{tail}")
    seconds, kib = measured.read_text().split()
    return float(seconds), float(kib) / 1024


def their_command(data: Path, model: Path) -> list[Any]:
    return [
        THEIR_PYTHON, "-m", TOOLBOX_MODULE,
        "--data_path", data, "--model_path", model,
        "--ground_truth_path", data, "--ground_truth", LABEL,
        "--model_type", "CLASSIFICATION", "--sensitive_features_list", *SENSITIVE,
    ]  # fmt: skip


def our_commands(data: Path, model: Path, work: Path, model_mode: bool) -> list[list[Any]]:
    sensitive = ",".join(SENSITIVE)
    if model_mode:  # the contract: one process, like the toolbox (no --trust-model: ONNX)
        return [
            [SOAI, "assure", "fairness", data, "--label", LABEL, "--model", model,
             "--features", ",".join(FEATURES), "--sensitive", sensitive, "--json"],
        ]  # fmt: skip
    predictions = work / f"{data.stem}.predictions.parquet"
    return [
        [sys.executable, "-c", PREDICT, data, model, predictions, ",".join(FEATURES),
         ",".join((LABEL, *SENSITIVE))],
        [SOAI, "assure", "fairness", predictions, "--label", LABEL, "--prediction", "prediction",
         "--sensitive", sensitive, "--json"],
    ]  # fmt: skip


def timed(
    repeats: int, once: Callable[[], tuple[float, float]]
) -> tuple[float, list[float], float]:
    runs = [once() for _ in range(repeats)]
    seconds = [s for s, _ in runs]
    return statistics.median(seconds), seconds, max(m for _, m in runs)


def ours_once(commands: list[list[Any]], work: Path, output: Path) -> tuple[float, float]:
    """All of soai's processes one after the other: summed time, the largest peak RSS."""
    total, peak = 0.0, 0.0
    for index, command in enumerate(commands):
        last = index == len(commands) - 1
        seconds, rss = run(command, work, output if last else work / "predict.log")
        total, peak = total + seconds, max(peak, rss)
    return total, peak


def theirs_once(command: list[Any], work: Path) -> tuple[float, float]:
    result = work / "output" / "results.json"
    result.unlink(missing_ok=True)
    measured = run(command, work, work / "toolbox.log")
    if not result.exists():
        raise SystemExit(f"the toolbox wrote no {result}; see {work / 'toolbox.log'}")
    return measured


# -- the metrics, side by side -----------------------------------------------------------------


def counts(m: dict[str, Any]) -> dict[str, int]:
    """A group's confusion counts (class 1 positive) recovered from soai's reported rates."""
    n = m["count"]
    selected = round(n * m["selection_rate"])
    tp = round(selected * m["precision"])
    tn = round(n * m["accuracy"]) - tp
    return {"tp": tp, "fp": selected - tp, "tn": tn, "fn": n - selected - tn}


def for_class(c: dict[str, int], positive: int) -> dict[str, int]:
    """Counts with ``positive`` as the positive class, as the toolbox loops over both classes."""
    if positive == 1:
        return c
    return {"tp": c["tn"], "tn": c["tp"], "fp": c["fn"], "fn": c["fp"]}


def their_rate(numerator: float, denominator: float) -> float:
    return 0.0 if numerator == 0 or denominator == 0 else numerator / denominator


def their_values(result: dict[str, Any]) -> dict[tuple[int, str], dict[str, float]]:
    """(class, metric) → group key (``"1 × 6"``, a pair ``"0 × 1 | 1 × 6"``) → value."""
    output = result["output"]
    assert output["sensitive_feature"] == list(SENSITIVE), output["sensitive_feature"]
    values: dict[tuple[int, str], dict[str, float]] = {}
    for positive, metrics in zip(output["output_classes"], output["results"], strict=True):
        for name, entries in metrics.items():
            table = values.setdefault((int(positive), name), {})
            for entry in entries:
                parts = [str(v) for v in entry["group"]]
                half = len(SENSITIVE)
                key = SEPARATOR.join(parts[:half])
                if len(parts) > half:  # a pair of groups: numerator, denominator
                    key += " | " + SEPARATOR.join(parts[half:])
                table[key] = entry["metric"]
    return values


def derived(ours: dict[str, Any], positive: int) -> dict[str, dict[str, float]]:
    """The toolbox's formulas applied to soai's per-group counts."""
    groups = {k: for_class(counts(m), positive) for k, m in ours["groups"][INTERSECTION].items()}
    total = for_class(counts(ours["overall"]), positive)
    values: dict[str, dict[str, float]] = {}
    for name, (numerator, denominator) in RATES.items():
        whole = sum(total[d] for d in denominator)
        values[name] = {k: their_rate(g[numerator], whole) for k, g in groups.items()}
    keys = sorted(groups, key=lambda k: tuple(int(p) for p in k.split(SEPARATOR)))
    selected = {k: groups[k]["tp"] + groups[k]["fp"] for k in keys}
    prevalence = {k: their_rate(selected[k], sum(groups[k].values())) for k in keys}
    values["Disparate Impact"], values["Equal Selection Parity"] = {}, {}
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            values["Disparate Impact"][f"{a} | {b}"] = their_rate(prevalence[a], prevalence[b])
            values["Equal Selection Parity"][f"{a} | {b}"] = abs(selected[a] - selected[b])
    return values


def native(ours: dict[str, Any], positive: int) -> dict[str, dict[str, float] | None]:
    """soai's own counterpart of each toolbox metric, computed by soai (None: none)."""
    groups = ours["groups"][INTERSECTION]
    values: dict[str, dict[str, float] | None] = {}
    for name in RATES:
        getter = NATIVE[name if positive == 1 else SWAP[name]]
        values[name] = None if getter is None else {k: getter(m) for k, m in groups.items()}

    def selection(m: dict[str, Any]) -> float:
        return m["selection_rate"] if positive == 1 else 1 - m["selection_rate"]

    keys = sorted(groups, key=lambda k: tuple(int(p) for p in k.split(SEPARATOR)))
    values["Disparate Impact"] = {
        f"{a} | {b}": selection(groups[a]) / selection(groups[b])
        for i, a in enumerate(keys)
        for b in keys[i + 1 :]
    }
    values["Equal Selection Parity"] = None  # soai reports the rate gap, not the count gap
    return values


def largest(theirs: dict[str, float], ours: dict[str, float]) -> tuple[float, str]:
    if set(theirs) != set(ours):
        raise SystemExit(f"different groups: {sorted(set(theirs) ^ set(ours))}")
    worst = max(theirs, key=lambda k: abs(theirs[k] - ours[k]))
    return abs(theirs[worst] - ours[worst]), worst


def why(name: str) -> str:
    _, denominator = RATES[name]
    whole = "+".join(d.upper() for d in denominator)
    return f"theirs = group count / {whole} of the WHOLE data set (a share), ours per group"


def compare(result: dict[str, Any], ours: dict[str, Any]) -> float:
    """Print the table; return the largest difference of the toolbox's values recomputed."""
    theirs = their_values(result)
    worst_recomputed = 0.0
    print(
        f"\n{'their metric':<34}{'class':>6}{'values':>7}  {'soai counterpart':<26}"
        f"{'theirs':>10}{'ours':>10}{'|diff|':>10}  verdict"
    )
    for positive in (1, 0):
        recomputed, mine = derived(ours, positive), native(ours, positive)
        for name in (*RATES, "Disparate Impact", "Equal Selection Parity"):
            values = theirs[(positive, name)]
            difference, _ = largest(values, recomputed[name])
            worst_recomputed = max(worst_recomputed, difference)
            counterpart = mine[name]
            if name in RATES:
                label = NATIVE_NAME[name if positive == 1 else SWAP[name]]
            elif name == "Disparate Impact":
                label = "selection rate ratio" if positive else "(1 − sel.) ratio"
            else:
                label = "— (count gap)"
            if counterpart is None:
                shown = f"{'—':>10}{'—':>10}{'—':>10}"
                verdict = f"not reported by soai; from our counts |diff| = {difference:.2g}"
            else:
                gap, key = largest(values, counterpart)
                shown = f"{values[key]:>10.4f}{counterpart[key]:>10.4f}{gap:>10.2e}"
                verdict = "identical (≤1e-9)" if gap <= IDENTICAL else f"differs: {why(name)}"
            print(f"{name:<34}{positive:>6}{len(values):>7}  {label:<26}{shown}  {verdict}")
    pairs = theirs[(1, "Disparate Impact")].values()
    their_ratio = min(min(v, 1 / v) for v in pairs if v > 0)
    our_ratio = ours["aggregates"][INTERSECTION]["demographic_parity_ratio"]
    gap = abs(their_ratio - our_ratio)
    print(
        f"{'min over pairs of min(DI, 1/DI)':<34}{1:>6}{1:>7}  {'demographic_parity_ratio':<26}"
        f"{their_ratio:>10.4f}{our_ratio:>10.4f}{gap:>10.2e}  "
        f"{'identical (≤1e-9)' if gap <= IDENTICAL else 'differs'}"
    )
    print(
        "(class 1 = repaid is the positive class; the toolbox also reports class 0 with the "
        "roles swapped. Groups: the intersection gender × province; the toolbox reports no "
        "per-column groups. theirs/ours: the values at the group with the largest |diff|.)\n"
        f"Every toolbox value recomputed with its own formulas from soai's per-group counts: "
        f"largest |diff| {worst_recomputed:.2g}.\n"
        "soai only: per-column (marginal) groups, selection rate and accuracy per group, "
        "demographic parity / equalized odds / equal opportunity differences and ratios, the "
        "four-fifths rule, small-group warnings, policy verdicts, bootstrap intervals, and (in "
        "model mode) score metrics."
    )
    return worst_recomputed


# -- the benchmark -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--model-mode",
        action=argparse.BooleanOptionalAction,
        default=MODEL_MODE,
        help="run soai as `assure fairness --model` (one process) instead of predict + measure",
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()
    sizes = [int(r) for r in args.rows.split(",")]

    ensure_venv()
    work = Path(tempfile.mkdtemp(prefix="soai-bench-aiverify-"))
    print(f"machine: {machine()}; working directory {work}")
    train = write_csv(
        work / "train.csv", credit_data(TRAIN_ROWS, TRAIN_SEED), (*FEATURES, LABEL, TARGET)
    )
    tests = {
        rows: write_csv(work / f"test{rows}.csv", credit_data(rows, TEST_SEED), (*FEATURES, LABEL))
        for rows in sizes
    }
    pickled, onnx_model = work / "model.pkl", work / "model.onnx"
    subprocess.run(
        [THEIR_PYTHON, "-c", TRAIN, train, pickled, onnx_model, ",".join(FEATURES), TARGET,
         *tests.values()],
        check=True,
    )  # fmt: skip
    print(
        f"model: DecisionTreeClassifier(max_depth=8, random_state=0) learning '{TARGET}' from "
        f"{TRAIN_ROWS:,} rows in the toolbox's environment (scikit-learn 1.5.2), pickled for it "
        f"and exported to ONNX for soai (onnxruntime {ort.__version__})"
    )
    mode = "model mode (one process)" if args.model_mode else "predict (onnxruntime) + measure"
    print(f"soai: {mode}; toolbox: its command line on the same CSV and the pickle")

    startup = [
        ("soai assure --help", [SOAI, "assure", "--help"]),
        ("toolbox imports", [THEIR_PYTHON, "-c", f"import {TOOLBOX_MODULE}.plugin_init"]),
    ]
    for name, command in startup:
        median, _, peak = timed(args.repeats, partial(run, command, work, work / "startup.log"))
        print(f"start-up alone, {name}: {median:.2f} s, peak RSS {peak:.0f} MiB")

    session = ort.InferenceSession(onnx_model, providers=["CPUExecutionProvider"])
    figures = []
    for rows, data in tests.items():
        table = pacsv.read_csv(data)
        x = np.column_stack([table[f].to_numpy() for f in FEATURES]).astype(np.float32)
        ours_pred = session.run(["label"], {session.get_inputs()[0].name: x})[0]
        theirs_pred = np.load(data.with_suffix(".theirs.npy"))
        same = np.array_equal(ours_pred, theirs_pred)
        print(
            f"\n{rows:,} rows: predictions identical (ONNX in our env vs the pickle in theirs): "
            f"{same} ({int(theirs_pred.sum()):,} approved)"
        )
        assert same, "the two tools would not test the same predictions"

        commands = our_commands(data, onnx_model, work, args.model_mode)
        our_json = work / f"ours{rows}.json"
        ours_median, ours_runs, ours_peak = timed(
            args.repeats, partial(ours_once, commands, work, our_json)
        )
        if not args.model_mode:
            used = pq.read_table(work / f"{data.stem}.predictions.parquet")["prediction"]
            assert np.array_equal(used.to_numpy(), theirs_pred), "soai measured other predictions"
        their_median, their_runs, their_peak = timed(
            args.repeats, partial(theirs_once, their_command(data, pickled), work)
        )
        result = json.loads((work / "output" / "results.json").read_text())
        pickle_median, pickle_runs, pickle_peak = timed(
            args.repeats,
            partial(theirs_once, their_command(data.with_suffix(".sav"), pickled), work),
        )
        for name, median, runs, peak in (
            ("soai", ours_median, ours_runs, ours_peak),
            ("toolbox, same CSV", their_median, their_runs, their_peak),
            ("toolbox, pickled DataFrame", pickle_median, pickle_runs, pickle_peak),
        ):
            spread = [round(s, 2) for s in runs]
            print(f"  {name:<27} {median:7.2f} s median of {spread}, peak RSS {peak:5.0f} MiB")
        print(
            f"  (the toolbox's own timeTaken, predicting and measuring without loading: "
            f"{result['timeTaken']:.2f} s)\n"
            f"  speed-up soai/toolbox on the same CSV: {their_median / ours_median:5.2f} x; "
            f"against its pickled DataFrame: {pickle_median / ours_median:5.2f} x"
        )
        difference = compare(result, json.loads(our_json.read_text()))
        assert difference <= IDENTICAL, f"the two tools counted differently ({difference})"
        figures.append(
            (rows, ours_median, their_median, pickle_median, ours_peak, their_peak, pickle_peak)
        )

    print(f"\n{'rows':>10}{'soai s':>9}{'toolbox s':>11}{'speed-up':>10}{'(pickle) s':>12}"
          f"{'speed-up':>10}{'soai MiB':>10}{'toolbox MiB':>13}{'(pickle)':>10}")  # fmt: skip
    for rows, ours_s, their_s, pickle_s, ours_mib, their_mib, pickle_mib in figures:
        print(f"{rows:>10,}{ours_s:>9.2f}{their_s:>11.2f}{their_s / ours_s:>9.2f}x"
              f"{pickle_s:>12.2f}{pickle_s / ours_s:>9.2f}x{ours_mib:>10.0f}{their_mib:>13.0f}"
              f"{pickle_mib:>10.0f}")  # fmt: skip
    rows, ours_s, their_s, _, ours_mib, _, _ = figures[-1]
    speedup = their_s / ours_s
    print(
        f"at {rows:,} rows: speed-up {speedup:.2f} x, target >= {SPEED_TARGET} "
        f"({'met' if speedup >= SPEED_TARGET else 'MISSED'}); soai peak RSS {ours_mib:.0f} MiB, "
        f"target < {MEMORY_TARGET_MIB} ({'met' if ours_mib < MEMORY_TARGET_MIB else 'MISSED'})"
    )
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
