"""The tests of technical assurance, each judged against the policy: fairness, performance,
data quality, robustness and explainability. A test plan (:func:`run_plan`) reads the data once
and runs several tests on it; each test's outcome is one JSON-ready dict with its measurements,
``verdicts`` (one per rule and scope, with the reason), the overall ``verdict``, what it read
(``input``: file names and SHA-256) and the tool and policy versions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

from soai.assurance import data_quality, dataset, inputs, policy
from soai.assurance.inputs import Loaded, Spec
from soai.errors import InvalidInput
from soai.i18n.markers import N_

Overrides = Mapping[str, Mapping[str, Mapping[str, float]]]


def tool_version() -> str:
    try:
        return f"soai {metadata.version('soai')}"
    except metadata.PackageNotFoundError:  # running from a source tree without metadata
        return "soai (source)"


def run_plan(
    spec: Spec,
    kinds: tuple[str, ...],
    *,
    overrides: Overrides | None = None,
    on_progress: dataset.Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Every test of ``kinds`` on one read of the data: ``{kind: outcome}``."""
    loaded = inputs.load(spec, kinds, on_progress=on_progress)
    outcomes = {}
    for kind in kinds:
        if on_progress is not None:
            on_progress(0, None, kind)
        outcomes[kind] = run(kind, loaded, overrides=overrides)
    return outcomes


def run(kind: str, loaded: Loaded, *, overrides: Overrides | None = None) -> dict[str, Any]:
    """One test on loaded data, judged against the policy (with the profile's overrides)."""
    rules = policy.rules_for(kind, overrides=(overrides or {}).get(kind))
    try:
        measured, verdicts = TESTS[kind](loaded, rules)
    except ValueError as exc:
        raise InvalidInput(
            N_("The data cannot be tested: {reason}"), field="file", reason=str(exc)
        ) from exc
    return {
        "kind": kind,
        **measured,
        "verdicts": [v.to_json() for v in verdicts],
        "verdict": policy.overall(verdicts),
        "input": loaded.input(),
        "parameters": loaded.spec.parameters(),
        "policy_version": policy.load().version,
        "tool": tool_version(),
    }


Measured = tuple[dict[str, Any], list[policy.Verdict]]


def _judge_all(
    rules: policy.TestPolicy, values: Mapping[str, Any], *, scope: str = ""
) -> list[policy.Verdict]:
    return [
        policy.judge(metric, _number(values.get(metric)), rule, scope=scope)
        for metric, rule in rules.rules.items()
        if metric in values
    ]


def _number(value: Any) -> float | None:
    if isinstance(value, dict):  # an aggregate with a confidence interval
        value = value.get("value")
    return float(value) if isinstance(value, (int, float)) and value == value else None


def _fairness(loaded: Loaded, rules: policy.TestPolicy) -> Measured:
    from soai.assurance.fairness import fairness

    assert loaded.y_true is not None and loaded.y_pred is not None  # inputs.check saw to it
    spec = loaded.spec
    result = fairness(
        loaded.y_true,
        loaded.y_pred,
        {name: loaded.table.columns[name] for name in spec.sensitive},
        score=loaded.score,
        min_group_size=rules.min_group_size,
        bootstrap=spec.bootstrap,
        seed=spec.seed,
    ).to_json()
    verdicts = [
        verdict
        for scope, values in result.get("aggregates", {}).items()
        for verdict in _judge_all(rules, values, scope=scope)
    ]
    return result, verdicts


def _performance(loaded: Loaded, rules: policy.TestPolicy) -> Measured:
    from soai.assurance.performance import classification, regression

    assert loaded.y_true is not None and loaded.y_pred is not None
    if loaded.spec.regression:
        result = dict(regression(loaded.y_true, loaded.y_pred))
    else:
        result = dict(classification(loaded.y_true, loaded.y_pred, score=loaded.score))
    return {"metrics": result}, _judge_all(rules, result)


def _data(loaded: Loaded, rules: policy.TestPolicy) -> Measured:
    spec, columns = loaded.spec, loaded.table.columns
    missing = data_quality.missingness(columns)
    duplicates = data_quality.duplicates(columns)
    result: dict[str, Any] = {"missingness": missing, "duplicates": duplicates}
    gaps = {name: c["share"] for name, c in missing["columns"].items() if c["missing"]}
    verdicts = [  # every column with gaps, or one verdict that there are none
        v
        for name, share in (gaps or {"": 0.0}).items()
        for v in _judge_all(rules, {"missing_share": share}, scope=name)
    ]
    verdicts += _judge_all(rules, {"duplicate_share": duplicates["share"]})
    if spec.label:
        result["label_balance"] = data_quality.label_balance(columns[spec.label])
        verdicts += _judge_all(rules, result["label_balance"], scope=spec.label)
    result["representation"] = {}
    for column, shares in spec.population.items():
        found = data_quality.representation(columns[column], shares)
        result["representation"][column] = found
        verdicts += _judge_all(rules, {"representation_ratio": found["min_ratio"]}, scope=column)
    if spec.reference is not None:
        names = list(columns)
        reference = dataset.read(spec.reference, columns=names)
        result["drift"] = data_quality.drift(reference.columns, columns)
        result["reference"] = {
            "file": reference.name,
            "sha256": reference.sha256,
            "rows": reference.rows,
        }
        for name, column in result["drift"]["columns"].items():
            verdicts += _judge_all(rules, {"psi": column["psi"]}, scope=name)
    return result, verdicts


def _model(loaded: Loaded) -> Any:
    if loaded.model is None:
        raise InvalidInput(
            N_("This test queries the model: give the model file too."), field="model"
        )
    return loaded.model


def _robustness(loaded: Loaded, rules: policy.TestPolicy) -> Measured:
    from soai.assurance.robustness import robustness

    result: dict[str, Any] = dict(
        robustness(
            _model(loaded),
            loaded.table.columns,
            loaded.y_true,
            features=loaded.features,
            seed=loaded.spec.seed,
        )
    )
    # judged at the middle noise level, where the per-feature sensitivity is measured too
    level = result["levels"][len(result["levels"]) // 2]
    return result, _judge_all(rules, level, scope=f"noise {level['level']:g}")


def _explain(loaded: Loaded, rules: policy.TestPolicy) -> Measured:
    from soai.assurance import explain

    model = _model(loaded)
    importance = explain.permutation_importance(
        model, loaded.table.columns, loaded.y_true, features=loaded.features, seed=loaded.spec.seed
    )
    top = [row["feature"] for row in importance["features"][:3]]
    dependence = {
        feature: explain.partial_dependence(model, loaded.table.columns, feature=feature)
        for feature in top
    }
    return {"importance": importance, "partial_dependence": dependence}, []


TESTS: dict[str, Callable[[Loaded, policy.TestPolicy], Measured]] = {
    "fairness": _fairness,
    "performance": _performance,
    "data": _data,
    "robustness": _robustness,
    "explain": _explain,
}
