"""Explanations agree with scikit-learn's permutation importance and partial dependence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn import inspection
from sklearn.linear_model import LinearRegression
from sklearn.svm import LinearSVC

from soai.assurance import demo_data, demo_model, explain
from soai.assurance.model import Model, check_features, load
from soai.errors import InvalidInput

FEATURES = list(demo_model.FEATURES)


@pytest.fixture(scope="module")
def credit(tmp_path_factory: pytest.TempPathFactory) -> Model:
    path = tmp_path_factory.mktemp("models") / "credit.joblib"
    return load(demo_model.write(path, rows=3000, seed=1), trusted=True)


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return demo_data.generate(1500, seed=2)


def frame(data: dict[str, np.ndarray], names: list[str], *, floats: bool = False) -> pd.DataFrame:
    """The columns as scikit-learn takes them (it refuses partial dependence on integers)."""
    columns = {
        n: data[n].astype(float) if floats and data[n].dtype.kind == "i" else data[n] for n in names
    }
    return pd.DataFrame(columns)


def estimator(model: Model) -> Any:
    return model.estimator  # type: ignore[attr-defined]


@pytest.mark.parametrize(("seed", "scoring"), [(0, "accuracy"), (42, "balanced_accuracy")])
def test_permutation_importance_is_scikit_learns_exactly(
    credit: Model, data: dict[str, np.ndarray], seed: int, scoring: str
) -> None:
    ours = explain.permutation_importance(
        credit, data, data["approved"], features=FEATURES, n_repeats=4, seed=seed, scoring=scoring
    )
    theirs = inspection.permutation_importance(
        estimator(credit),
        frame(data, FEATURES),
        data["approved"],
        scoring=scoring,
        n_repeats=4,
        random_state=seed,
    )
    assert (ours["scoring"], ours["n"], ours["n_repeats"], ours["seed"]) == (scoring, 1500, 4, seed)
    for row in ours["features"]:
        index = FEATURES.index(row["feature"])
        assert row["decreases"] == theirs.importances[index].tolist()
        assert row["mean"] == theirs.importances_mean[index]
        assert row["std"] == theirs.importances_std[index]
    means = [row["mean"] for row in ours["features"]]
    assert means == sorted(means, reverse=True)
    json.dumps(ours, allow_nan=False)


def test_permutation_importance_by_roc_auc_and_for_regression_agrees_with_scikit_learn(
    credit: Model, data: dict[str, np.ndarray], tmp_path: Path
) -> None:
    ours = explain.permutation_importance(
        credit, data, data["approved"], features=FEATURES, scoring="roc_auc", seed=3
    )
    theirs = inspection.permutation_importance(
        estimator(credit),
        frame(data, FEATURES),
        data["approved"],
        scoring="roc_auc",
        random_state=3,
    )
    for row in ours["features"]:
        index = FEATURES.index(row["feature"])
        np.testing.assert_allclose(row["decreases"], theirs.importances[index], atol=1e-12)

    numbers = ["monthly_income_usd", "credit_history_months"]
    target = data["score"]
    fitted = LinearRegression().fit(frame(data, numbers), target)
    joblib.dump(fitted, tmp_path / "score.joblib")
    regression = load(tmp_path / "score.joblib", trusted=True)
    for scoring in ("r2", "neg_mean_absolute_error"):
        ours = explain.permutation_importance(regression, data, target, scoring=scoring, seed=5)
        theirs = inspection.permutation_importance(
            fitted, frame(data, numbers), target, scoring=scoring, random_state=5
        )
        for row in ours["features"]:
            index = numbers.index(row["feature"])
            np.testing.assert_allclose(row["decreases"], theirs.importances[index], atol=1e-12)


def test_the_demo_model_relies_on_income_history_and_the_biased_province(
    credit: Model, data: dict[str, np.ndarray]
) -> None:
    result = explain.permutation_importance(credit, data, data["approved"], seed=1)
    ranked = [row["feature"] for row in result["features"]]
    assert set(ranked[:2]) == {"monthly_income_usd", "credit_history_months"}
    assert ranked[2] == "province"  # learnt from the biased past decisions
    importance = {row["feature"]: row["mean"] for row in result["features"]}
    assert importance["province"] > 5 * max(importance["gender"], importance["age_band"])
    assert result["baseline"] == pytest.approx(np.mean(credit.predict(data) == data["approved"]))


@pytest.mark.parametrize("feature", FEATURES)
def test_partial_dependence_is_scikit_learns_brute_average(
    credit: Model, data: dict[str, np.ndarray], feature: str
) -> None:
    ours = explain.partial_dependence(credit, data, feature=feature)
    categorical = feature in demo_model.CATEGORIES
    theirs = inspection.partial_dependence(
        estimator(credit),
        frame(data, FEATURES, floats=True),
        [feature],
        method="brute",
        kind="average",
        grid_resolution=20,
        percentiles=(0.05, 0.95),
        categorical_features=[feature] if categorical else None,
    )
    assert ours["grid"] == theirs["grid_values"][0].tolist()
    np.testing.assert_allclose(ours["average"], theirs["average"][0], rtol=0, atol=1e-9)
    assert ours["kind"] == ("categorical" if categorical else "numeric")
    assert (ours["output"], ours["n"], ours["feature"]) == ("probability", 1500, feature)
    json.dumps(ours, allow_nan=False)


def test_partial_dependence_shows_the_penalised_provinces_lowest(
    credit: Model, data: dict[str, np.ndarray]
) -> None:
    result = explain.partial_dependence(credit, data, feature="province")
    by_province = dict(zip(result["grid"], result["average"], strict=True))
    lowest = sorted(by_province, key=by_province.__getitem__)[:2]
    assert set(lowest) == set(demo_data.PENALISED)


def test_partial_dependence_grid_follows_scikit_learns_rules(
    data: dict[str, np.ndarray], tmp_path: Path
) -> None:
    x = np.column_stack([data["monthly_income_usd"], data["credit_history_months"]])
    fitted = LinearRegression().fit(x, data["score"])
    joblib.dump(fitted, tmp_path / "plain.joblib")
    model = load(tmp_path / "plain.joblib", trusted=True)
    features = check_features(model, list(data), ["monthly_income_usd", "credit_history_months"])
    # Fewer distinct values than the grid resolution: the values themselves.
    few = explain.partial_dependence(
        model, data, feature="credit_history_months", grid_resolution=200
    )
    assert few["grid"] == np.unique(data["credit_history_months"]).astype(float).tolist()
    assert few["output"] == "prediction"
    # Otherwise evenly spaced between the percentiles, as scikit-learn (a regressor: predictions).
    ours = explain.partial_dependence(
        model, data, feature="monthly_income_usd", grid_resolution=7, percentiles=(0.1, 0.8)
    )
    theirs = inspection.partial_dependence(
        fitted, x, [0], method="brute", kind="average", grid_resolution=7, percentiles=(0.1, 0.8)
    )
    np.testing.assert_allclose(ours["grid"], theirs["grid_values"][0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["average"], theirs["average"][0], rtol=0, atol=1e-9)
    assert features == ["monthly_income_usd", "credit_history_months"]


def test_a_classifier_without_probabilities_shows_the_share_predicted_positive(
    data: dict[str, np.ndarray], tmp_path: Path
) -> None:
    x = frame(data, ["monthly_income_usd", "credit_history_months"])
    joblib.dump(LinearSVC().fit(x, data["approved"]), tmp_path / "svm.joblib")
    model = load(tmp_path / "svm.joblib", trusted=True)
    result = explain.partial_dependence(model, data, feature="monthly_income_usd")
    assert result["output"] == "positive_rate"
    assert all(0.0 <= value <= 1.0 for value in result["average"])
    assert result["average"][-1] > result["average"][0]  # a higher income is approved more


def test_explanations_need_labels_and_a_feature_the_model_takes(
    credit: Model, data: dict[str, np.ndarray]
) -> None:
    with pytest.raises(InvalidInput, match="compares predictions with the truth") as no_labels:
        explain.permutation_importance(credit, data, None)
    assert no_labels.value.field == "label"
    with pytest.raises(InvalidInput, match="does not take the feature repaid; it takes: province"):
        explain.partial_dependence(credit, data, feature="repaid")
    with pytest.raises(ValueError, match="scoring must be one of accuracy, balanced_accuracy"):
        explain.permutation_importance(credit, data, data["approved"], scoring="r2")
    constant = np.ones(1500, dtype=np.int8)
    with pytest.raises(InvalidInput, match="roc_auc cannot be measured on this data: the labels"):
        explain.permutation_importance(credit, data, constant, scoring="roc_auc")


def test_a_sample_keeps_rows_together_and_in_order(data: dict[str, np.ndarray]) -> None:
    small = explain.sample(data, 100, seed=4)
    assert all(len(values) == 100 for values in small.values())
    rows = [int(name[1:]) for name in small["applicant"]]
    assert rows == sorted(rows) and len(set(rows)) == 100
    for name, values in small.items():
        np.testing.assert_array_equal(values, data[name][rows])
    assert explain.sample(data, 100, seed=4)["applicant"].tolist() == small["applicant"].tolist()
    whole = explain.sample(data, 5000)  # fewer rows than asked for: all of them
    assert all(whole[name] is data[name] for name in data)
