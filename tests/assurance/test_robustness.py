"""Robustness: how much a classifier's decisions move when its inputs are disturbed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from soai.assurance import demo_data, demo_model
from soai.assurance.model import Model, load
from soai.assurance.robustness import robustness
from soai.errors import InvalidInput

FEATURES = list(demo_model.FEATURES)


def saved(estimator: Any, path: Path) -> Model:
    joblib.dump(estimator, path)
    return load(path, trusted=True)


@pytest.fixture(scope="module")
def credit(tmp_path_factory: pytest.TempPathFactory) -> Model:
    path = tmp_path_factory.mktemp("models") / "credit.joblib"
    return load(demo_model.write(path, rows=3000, seed=1), trusted=True)


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return demo_data.generate(2000, seed=2)


def test_the_same_seed_gives_the_same_result_and_the_result_is_strict_json(
    credit: Model, data: dict[str, np.ndarray]
) -> None:
    first = robustness(credit, data, data["approved"], features=FEATURES, seed=3)
    assert robustness(credit, data, data["approved"], features=FEATURES, seed=3) == first
    assert robustness(credit, data, data["approved"], features=FEATURES, seed=4) != first
    json.dumps(first, allow_nan=False)
    assert first["n"] == 2000 and first["undefined"] == {}
    kinds = {row["feature"]: row["kind"] for row in first["features"]}
    assert kinds == {
        "province": "categorical",
        "gender": "categorical",
        "age_band": "categorical",
        "monthly_income_usd": "numeric",
        "credit_history_months": "numeric",
    }


def test_more_noise_moves_more_decisions_and_costs_accuracy(
    credit: Model, data: dict[str, np.ndarray]
) -> None:
    result = robustness(credit, data, data["approved"], features=FEATURES, levels=(0.2, 0.05, 0.5))
    levels = result["levels"]
    assert [row["level"] for row in levels] == [0.05, 0.2, 0.5]  # sorted
    stability = [row["stability"] for row in levels]
    assert 1.0 > stability[0] > stability[1] > stability[2] > 0.5
    original = float(np.mean(credit.predict(data) == data["approved"]))
    for row in levels:
        assert row["accuracy_original"] == pytest.approx(original)
        assert row["accuracy_perturbed"] is not None and row["accuracy_drop"] is not None
        assert row["accuracy_drop"] == pytest.approx(original - row["accuracy_perturbed"])
        assert row["changed"] == round((1 - row["stability"]) * 2000)
    assert levels[-1]["accuracy_drop"] > 0
    changes = [row["mean_abs_score_change"] for row in levels]
    assert changes[0] < changes[1] < changes[2]  # type: ignore[operator]
    assert result["sensitivity"]["level"] == 0.2  # the middle level


def test_a_feature_the_model_ignores_is_never_sensitive(
    data: dict[str, np.ndarray], tmp_path: Path
) -> None:
    used = ["province", "monthly_income_usd", "credit_history_months"]
    ignoring_gender = Pipeline(
        [
            (
                "prepare",
                ColumnTransformer(
                    [
                        ("province", OneHotEncoder(), ["province"]),
                        ("numbers", StandardScaler(), used[1:]),
                    ]
                ),  # gender and age band are dropped
            ),
            ("classify", LogisticRegression(max_iter=1000)),
        ]
    )
    frame = {name: data[name] for name in FEATURES}
    ignoring_gender.fit(pd.DataFrame(frame), data["approved"])
    model = saved(ignoring_gender, tmp_path / "m.joblib")
    result = robustness(model, data, data["approved"], features=FEATURES, seed=5)
    ranked = result["sensitivity"]["features"]
    by_name = {row["feature"]: row for row in ranked}
    for ignored in ("gender", "age_band"):
        assert by_name[ignored]["flip_rate"] == 0.0 and by_name[ignored]["changed"] == 0
        assert by_name[ignored]["mean_abs_score_change"] == 0.0
    assert [row["feature"] for row in ranked[-2:]] == ["gender", "age_band"]
    assert by_name["monthly_income_usd"]["flip_rate"] > 0
    rates = [row["flip_rate"] for row in ranked]
    assert rates == sorted(rates, reverse=True)


def test_numeric_noise_has_a_spread_of_level_times_the_columns_spread(tmp_path: Path) -> None:
    # The model decides x > t. With Gaussian noise of sd = level × std(x), the decision on a
    # value x flips with probability Φ(-|x - t| / sd): the expected flip rate is their mean.
    rng = np.random.default_rng(6)
    x = rng.normal(0.0, 4.0, 20_000)
    stump = DecisionTreeClassifier(max_depth=1).fit(x.reshape(-1, 1), (x > 0).astype(int))
    threshold = stump.tree_.threshold[0]
    model = saved(stump, tmp_path / "stump.joblib")
    result = robustness(model, {"x": x}, None, features=["x"], levels=(0.1, 0.3), seed=7)
    for row in result["levels"]:
        chance = ndtr(-np.abs(x - threshold) / (row["level"] * np.std(x)))
        margin = 4 * np.sqrt(np.sum(chance * (1 - chance))) / x.size  # four standard errors
        assert 1 - row["stability"] == pytest.approx(chance.mean(), abs=margin)
        # a spread of half or twice as much would be far outside that margin
        for wrong in (0.5, 2.0):
            off = ndtr(-np.abs(x - threshold) / (wrong * row["level"] * np.std(x))).mean()
            assert abs(off - chance.mean()) > 3 * margin
    assert result["features"][0]["std"] == pytest.approx(float(np.std(x)))


def test_a_category_is_swapped_with_probability_level_for_another_by_its_share(
    tmp_path: Path,
) -> None:
    # The model decides colour == "green". A swap flips the decision when it leaves green, or
    # when it lands on green: from category c, with chance share(green) / (1 - share(c)).
    rng = np.random.default_rng(8)
    colour = rng.choice(np.array(["blue", "red", "green"]), size=20_000, p=[0.6, 0.3, 0.1])
    colour = colour.astype(object)
    fitted = Pipeline([("encode", OneHotEncoder()), ("tree", DecisionTreeClassifier())])
    fitted.fit(pd.DataFrame({"colour": colour}), (colour == "green").astype(int))
    model = saved(fitted, tmp_path / "colour.joblib")
    level = 0.2
    result = robustness(model, {"colour": colour}, None, features=["colour"], levels=(level,))
    share = {c: float(np.mean(colour == c)) for c in ("blue", "red", "green")}
    lands = sum(share[c] * share["green"] / (1 - share[c]) for c in ("blue", "red"))
    expected = level * (share["green"] + lands)  # about 0.2 × 0.29
    margin = 4 * np.sqrt(expected * (1 - expected) / colour.size)
    assert 1 - result["levels"][0]["stability"] == pytest.approx(expected, abs=margin)
    # drawing among all categories (0.2 × 0.18) or uniformly (0.2 × 0.55) would be far off
    assert result["features"][0] == {
        "feature": "colour",
        "kind": "categorical",
        "std": None,
        "categories": 3,
    }


def test_without_labels_or_probabilities_those_measurements_are_none_with_a_reason(
    data: dict[str, np.ndarray], tmp_path: Path
) -> None:
    x = np.column_stack([data["monthly_income_usd"], data["credit_history_months"]])
    svm = saved(LinearSVC().fit(x, data["approved"]), tmp_path / "svm.joblib")
    features = ["monthly_income_usd", "credit_history_months"]
    result = robustness(svm, data, None, features=features)
    json.dumps(result, allow_nan=False)
    assert result["undefined"] == {
        "accuracy": "no true labels were given",
        "mean_abs_score_change": "the model gives no probabilities",
    }
    for row in result["levels"]:
        assert row["accuracy_original"] is None and row["accuracy_drop"] is None
        assert row["mean_abs_score_change"] is None
        assert 0.0 <= row["stability"] <= 1.0


def test_a_regression_model_or_bad_levels_are_refused(
    data: dict[str, np.ndarray], credit: Model, tmp_path: Path
) -> None:
    x = data["monthly_income_usd"].reshape(-1, 1)
    regression = saved(LinearRegression().fit(x, data["score"]), tmp_path / "r.joblib")
    with pytest.raises(InvalidInput, match=r"predicts numbers \(regression\), not classes"):
        robustness(regression, data, None, features=["monthly_income_usd"])
    with pytest.raises(ValueError, match=r"levels must be one or more numbers in \(0, 1\]"):
        robustness(credit, data, None, features=FEATURES, levels=(0.1, 1.5))
    with pytest.raises(ValueError, match="y_true has 3 values but the data has 2000 rows"):
        robustness(credit, data, [0, 1, 1], features=FEATURES)
