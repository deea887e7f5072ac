"""Performance measurements agree with scikit-learn on the same seeded data (to 1e-9)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn import metrics
from sklearn.calibration import calibration_curve

from soai.assurance.performance import classification, regression

TOLERANCE = 1e-9
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def scored_sample(
    seed: int, n: int = 600, *, decimals: int | None = None
) -> tuple[IntArray, IntArray, FloatArray]:
    """Labels, predictions and probabilities of a fair-to-middling model."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + rng.uniform(0.0, 0.7, n), 0.0, 1.0)
    if decimals is not None:  # many tied scores, some exactly on the reliability bin edges
        score = np.round(score, decimals)
    return y, (score >= 0.5).astype(np.int64), score


def quietly(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a scikit-learn function, silencing its warnings about undefined values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def as_none(value: float) -> float | None:
    return None if np.isnan(value) or np.isinf(value) else float(value)


@pytest.mark.parametrize(("seed", "decimals"), [(1, None), (2, 1), (3, 2), (4, 0)])
def test_classification_agrees_with_scikit_learn(seed: int, decimals: int | None) -> None:
    y, pred, score = scored_sample(seed, decimals=decimals)
    result = classification(y, pred, score=score, max_roc_points=None)

    expected = {
        "accuracy": metrics.accuracy_score(y, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
        "precision": metrics.precision_score(y, pred),
        "recall": metrics.recall_score(y, pred),
        "f1": metrics.f1_score(y, pred),
        "roc_auc": metrics.roc_auc_score(y, score),
        "brier": metrics.brier_score_loss(y, score),
    }
    for name, value in expected.items():
        assert result[name] == pytest.approx(value, abs=TOLERANCE), name  # type: ignore[literal-required]
    tn, fp, fn, tp = metrics.confusion_matrix(y, pred).ravel().tolist()
    assert result["confusion_matrix"] == {"tn": tn, "fp": fp, "fn": fn, "tp": tp}
    assert (result["n"], result["positives"], result["negatives"]) == (600, tp + fn, tn + fp)
    assert result["undefined"] == {}


@pytest.mark.parametrize(("seed", "decimals"), [(5, None), (6, 1), (7, 3)])
def test_roc_curve_is_scikit_learns_with_intermediate_points_dropped(
    seed: int, decimals: int | None
) -> None:
    y, pred, score = scored_sample(seed, decimals=decimals)
    curve = classification(y, pred, score=score, max_roc_points=None)["roc_curve"]
    assert curve is not None

    fpr, tpr, thresholds = metrics.roc_curve(y, score, drop_intermediate=True)
    np.testing.assert_allclose(curve["fpr"], fpr, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(curve["tpr"], tpr, rtol=0, atol=TOLERANCE)
    assert curve["thresholds"][0] is None  # scikit-learn's +inf: above every score
    np.testing.assert_array_equal(curve["thresholds"][1:], thresholds[1:])
    assert curve["subsampled"] is False


def test_roc_auc_counts_ties_as_half() -> None:
    # Every positive ties with a negative at 0.5, one positive beats the other negative.
    result = classification([0, 1, 0, 1], [0, 1, 0, 1], score=[0.5, 0.5, 0.2, 0.9])
    assert result["roc_auc"] == pytest.approx(0.875, abs=TOLERANCE)
    assert result["roc_auc"] == pytest.approx(
        metrics.roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]), abs=TOLERANCE
    )


def test_a_long_roc_curve_is_subsampled_for_plotting_with_both_ends_kept() -> None:
    y, pred, score = scored_sample(8, n=20_000)
    full = classification(y, pred, score=score, max_roc_points=None)["roc_curve"]
    short = classification(y, pred, score=score, max_roc_points=200)["roc_curve"]
    assert full is not None and short is not None
    assert len(full["fpr"]) > 200 and full["subsampled"] is False
    assert short["subsampled"] is True and len(short["fpr"]) == 200
    assert (short["fpr"][0], short["tpr"][0], short["thresholds"][0]) == (0.0, 0.0, None)
    assert (short["fpr"][-1], short["tpr"][-1]) == (1.0, 1.0)
    points = set(zip(full["fpr"], full["tpr"], full["thresholds"], strict=True))
    assert set(zip(short["fpr"], short["tpr"], short["thresholds"], strict=True)) <= points


@pytest.mark.parametrize(
    ("seed", "bins", "decimals"), [(9, 10, None), (10, 10, 1), (11, 5, 2), (12, 7, None)]
)
def test_reliability_curve_is_scikit_learns_uniform_calibration_curve(
    seed: int, bins: int, decimals: int | None
) -> None:
    y, pred, score = scored_sample(seed, decimals=decimals)
    curve = classification(y, pred, score=score, bins=bins)["reliability"]
    assert curve is not None

    fraction, mean = calibration_curve(y, score, n_bins=bins, strategy="uniform")
    np.testing.assert_allclose(curve["fraction_positive"], fraction, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(curve["mean_predicted"], mean, rtol=0, atol=TOLERANCE)
    assert sum(curve["count"]) == y.size and min(curve["count"]) > 0
    for lower, upper, average in zip(
        curve["bin_lower"], curve["bin_upper"], curve["mean_predicted"], strict=True
    ):
        assert lower - 1e-12 <= average <= upper + 1e-12  # a mean of ties may round off
        assert upper - lower == pytest.approx(1 / bins)


@pytest.mark.parametrize(
    ("y_true", "y_pred"),
    [
        ([1, 0, 1, 0], [0, 0, 0, 0]),  # nothing predicted positive: precision undefined
        ([0, 0, 0, 0], [1, 0, 0, 1]),  # no positive case: recall undefined
        ([0, 0, 0, 0], [0, 0, 0, 0]),  # no positive anywhere: precision, recall and f1 undefined
        ([1, 1, 1, 1], [1, 1, 0, 1]),  # all positive: everything defined
    ],
)
def test_division_by_zero_is_none_with_a_reason_like_scikit_learns_nan(
    y_true: list[int], y_pred: list[int]
) -> None:
    result = classification(y_true, y_pred)
    for name, function in [
        ("precision", metrics.precision_score),
        ("recall", metrics.recall_score),
        ("f1", metrics.f1_score),
    ]:
        reference = as_none(function(y_true, y_pred, zero_division=np.nan))
        assert result[name] == (  # type: ignore[literal-required]
            None if reference is None else pytest.approx(reference, abs=TOLERANCE)
        ), name
        assert (name in result["undefined"]) == (reference is None)
    expected = quietly(metrics.balanced_accuracy_score, y_true, y_pred)
    assert result["balanced_accuracy"] == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize("label", [0, 1])
def test_roc_needs_both_classes_and_says_so(label: int) -> None:
    y = np.full(50, label)
    score = np.linspace(0.0, 1.0, 50)
    result = classification(y, (score > 0.5).astype(int), score=score)
    assert result["roc_auc"] is None and result["roc_curve"] is None
    assert f"only class {label}" in result["undefined"]["roc_auc"]
    assert "both classes" in result["undefined"]["roc_curve"]
    # The probability measurements do not need both classes.
    assert result["brier"] == pytest.approx(metrics.brier_score_loss(y, score, labels=[0, 1]))
    assert result["reliability"] is not None


def test_a_score_that_is_not_a_probability_still_gets_roc_but_no_brier() -> None:
    rng = np.random.default_rng(13)
    y = rng.integers(0, 2, 400)
    margin = 1.5 * y + rng.normal(size=400)  # a decision function: any real number
    result = classification(y, (margin > 0.75).astype(int), score=margin)
    assert result["roc_auc"] == pytest.approx(metrics.roc_auc_score(y, margin), abs=TOLERANCE)
    assert result["brier"] is None and result["reliability"] is None
    assert "outside [0, 1]" in result["undefined"]["brier"]


def test_without_a_score_the_score_measurements_are_none_with_a_reason() -> None:
    result = classification([0, 1, 1], [0, 1, 0])
    for name in ("roc_auc", "roc_curve", "brier", "reliability"):
        assert result[name] is None
        assert result["undefined"][name] == "no score was given"


def test_labels_may_be_booleans_or_floats() -> None:
    as_bool = classification([True, False, True], [True, True, False], score=[0.9, 0.4, 0.3])
    as_float = classification([1.0, 0.0, 1.0], [1.0, 1.0, 0.0], score=[0.9, 0.4, 0.3])
    assert as_bool == as_float


def test_results_are_strict_json() -> None:
    y, pred, score = scored_sample(14, decimals=1)
    json.dumps(classification(y, pred, score=score), allow_nan=False)
    json.dumps(classification(np.ones(5), np.ones(5), score=np.ones(5)), allow_nan=False)
    json.dumps(regression([2.0, 2.0], [1.0, 3.0]), allow_nan=False)


@pytest.mark.parametrize("seed", [15, 16, 17])
def test_regression_agrees_with_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(10.0, 3.0, 500)
    pred = y + rng.normal(0.5, 1.0, 500)
    result = regression(y, pred)
    assert result["mae"] == pytest.approx(metrics.mean_absolute_error(y, pred), abs=TOLERANCE)
    assert result["mse"] == pytest.approx(metrics.mean_squared_error(y, pred), abs=TOLERANCE)
    assert result["rmse"] == pytest.approx(metrics.root_mean_squared_error(y, pred), abs=TOLERANCE)
    assert result["r2"] == pytest.approx(metrics.r2_score(y, pred), abs=TOLERANCE)
    assert result["n"] == 500 and result["undefined"] == {}


@pytest.mark.parametrize("pred", [[4.0, 4.0, 4.0], [3.0, 4.0, 5.0]])
def test_r2_of_a_constant_target_is_none_like_scikit_learns_non_finite(pred: list[float]) -> None:
    result = regression([4.0, 4.0, 4.0], pred)
    assert as_none(quietly(metrics.r2_score, [4.0, 4.0, 4.0], pred, force_finite=False)) is None
    assert result["r2"] is None
    assert "constant" in result["undefined"]["r2"]
    assert result["mae"] == pytest.approx(metrics.mean_absolute_error([4.0] * 3, pred))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: classification([0, 1, 1], [0, 1]),
            "y_true and y_pred must have the same length; y_true has 3, y_pred has 2",
        ),
        (
            lambda: classification([0, 1], [0, 1], score=[0.5]),
            "y_true and score must have the same length",
        ),
        (
            lambda: classification([0, 1, 2, 2], [0, 1, 1, 1]),
            r"y_true must hold binary labels 0 and 1 \(1 = positive\); found 2 in 2 row\(s\), the first at row 2",
        ),
        (
            lambda: classification([0, 1], [-1, 0.5]),
            "y_pred must hold binary labels 0 and 1.*found -1.0, 0.5 in 2 row",
        ),
        (
            lambda: classification(["yes", "no"], [0, 1]),
            "y_true must hold numbers; got <U3 values such as 'yes', 'no'",
        ),
        (
            lambda: classification([0, 1], [0, 1], score=[0.5, np.nan]),
            r"score must hold finite numbers; found nan in 1 row\(s\), the first at row 1",
        ),
        (
            lambda: classification([0, 1], [0, 1], score=[np.inf, 0.2]),
            "score must hold finite numbers; found inf",
        ),
        (lambda: classification([], []), "y_true is empty"),
        (
            lambda: classification([[0, 1]], [[0, 1]]),
            r"y_true must be one-dimensional; got shape \(1, 2\)",
        ),
        (lambda: classification([0, 1], [0, 1], bins=0), "bins must be a positive integer; got 0"),
        (
            lambda: classification([0, 1], [0, 1], max_roc_points=1),
            "max_roc_points must be an integer of at least 2",
        ),
        (
            lambda: regression([1.0, np.nan], [1.0, 2.0]),
            "y_true must hold finite numbers; found nan",
        ),
        (lambda: regression([1.0, 2.0], [1.0]), "y_true and y_pred must have the same length"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_array_and_the_values(
    call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_the_runtime_imports_neither_scipy_nor_scikit_learn() -> None:
    code = (
        "import sys, soai.assurance.performance, soai.assurance.data_quality\n"
        "assert not {'scipy', 'sklearn'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
