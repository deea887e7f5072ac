"""The fairness engine against fairlearn's MetricFrame and aggregate functions, value for value."""

from __future__ import annotations

import json
import math
from typing import Any

import fairlearn.metrics as flm
import numpy as np
import numpy.typing as npt
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.assurance import fairness as fairness_module
from soai.assurance.fairness import fairness
from soai.assurance.fairness_results import AGGREGATES, INTERSECTION, FairnessResult, label_text

pytestmark = pytest.mark.filterwarnings("ignore")  # sklearn's and pandas' warnings in fairlearn
TOLERANCE = 1e-9
PROVINCES = np.array(["Battambang", "Kep", "Mondulkiri", "Pailin", "Phnom Penh", "Siem Reap"])


def mean_score(y_true: Any, y_pred: Any, score: Any) -> float:
    return float(np.mean(score))


def calibration_gap(y_true: Any, y_pred: Any, score: Any) -> float:
    return float(np.mean(score) - np.mean(y_true))


METRICS = {
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


def survey(rows: int, seed: int) -> tuple[Any, Any, dict[str, Any], Any]:
    """Unbalanced groups; Kep has no positives, Pailin no predicted positives, and Mondulkiri
    no men, so one intersection cell is empty."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(np.array(["female", "male"]), rows, p=[0.7, 0.3])
    province = rng.choice(PROVINCES, rows, p=[0.25, 0.1, 0.05, 0.1, 0.35, 0.15])
    y_true = (rng.random(rows) < np.where(gender == "female", 0.35, 0.5)).astype(np.int64)
    y_pred = np.where(rng.random(rows) < 0.75, y_true, 1 - y_true)
    y_true[province == "Kep"] = 0
    y_pred[province == "Pailin"] = 0
    gender[province == "Mondulkiri"] = "female"
    score = np.clip(0.6 * y_pred + 0.4 * rng.random(rows), 0, 1)
    return y_true, y_pred, {"gender": gender, "province": province}, score


def same(ours: float | None, theirs: float) -> bool:
    if ours is None or math.isnan(ours):
        return math.isnan(theirs)
    return abs(ours - theirs) <= TOLERANCE


def assert_matches_fairlearn(
    y_true: Any, y_pred: Any, sensitive: dict[str, Any], score: Any
) -> FairnessResult:
    result = fairness(y_true, y_pred, sensitive, score=score, min_group_size=0)
    levels: dict[str, dict[str, Any]] = {column: {column: a} for column, a in sensitive.items()}
    if len(sensitive) > 1:
        levels[INTERSECTION] = sensitive
    assert list(result.groups) == list(levels)
    params = {"mean_score": {"score": score}, "calibration_gap": {"score": score}}
    for level, features in levels.items():
        frame = flm.MetricFrame(
            metrics=METRICS,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=features,
            sample_params=params,
        )
        expected = frame.by_group.dropna(how="all")  # fairlearn's empty intersection cells
        ours = result.groups[level]
        assert list(ours) == list(expected.index)
        for label, row in expected.iterrows():
            for name in METRICS:
                assert same(getattr(ours[label], name), row[name]), (level, label, name)
        for name in METRICS:
            assert same(getattr(result.overall, name), frame.overall[name]), name
        for name in AGGREGATES:
            theirs = getattr(flm, name)(y_true, y_pred, sensitive_features=features)
            assert same(getattr(result.aggregates[level], name), theirs), (level, name)
    return result


@pytest.mark.parametrize(("rows", "seed"), [(40, 1), (1_000, 2), (20_000, 3)])
def test_every_value_equals_fairlearns(rows: int, seed: int) -> None:
    result = assert_matches_fairlearn(*survey(rows, seed))
    assert result.intersection == ("gender", "province")
    if rows >= 1_000:
        assert ("male", "Mondulkiri") not in result.groups[INTERSECTION]
        assert result.groups["province"]["Kep"].recall == 0.0
        assert result.groups["province"]["Pailin"].precision == 0.0


def test_labels_may_be_integers_or_python_objects() -> None:
    y_true, y_pred, sensitive, score = survey(2_000, 4)
    sensitive = {"age_band": np.random.default_rng(4).integers(1, 5, 2_000), **sensitive}
    assert_matches_fairlearn(y_true, y_pred, sensitive, score)
    as_objects = {column: a.astype(object) for column, a in sensitive.items()}
    assert fairness(y_true, y_pred, as_objects) == fairness(y_true, y_pred, sensitive)
    assert (
        "1 × female × Battambang"
        in fairness(y_true, y_pred, sensitive).to_json()["groups"][INTERSECTION]
    )


def test_undefined_ratios_follow_fairlearn() -> None:
    y_true, _, sensitive, score = survey(500, 5)
    nobody_selected = np.zeros(500, dtype=np.int64)
    result = assert_matches_fairlearn(y_true, nobody_selected, sensitive, score)
    gender = result.aggregates["gender"]
    assert math.isnan(gender.demographic_parity_ratio)
    assert math.isnan(gender.equalized_odds_ratio)  # NaN TPR ratio wins, as Python's min() does
    assert gender.four_fifths_rule.passes is None
    assert any(w.kind == "undefined_aggregate" for w in result.warnings)
    assert json.dumps(result.to_json(), allow_nan=False)
    # Every positive caught, no negative flagged: the FPR ratio is NaN, the TPR ratio is 1.
    perfect = assert_matches_fairlearn(y_true, y_true, sensitive, score)
    assert perfect.aggregates["gender"].equalized_odds_ratio == 1.0


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("ab"), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    )
)
def test_random_small_arrays_equal_fairlearn(rows: list[tuple[int, int, str, int]]) -> None:
    y_true, y_pred, letter, number = (np.array(column) for column in zip(*rows, strict=True))
    score = np.linspace(0, 1, len(rows))
    assert_matches_fairlearn(y_true, y_pred, {"letter": letter, "number": number}, score)


def test_many_combinations_are_numbered_by_sorting_to_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    y_true, y_pred, sensitive, score = survey(3_000, 10)
    sensitive = {"band": np.random.default_rng(10).integers(0, 7, 3_000), **sensitive}
    counted = fairness(y_true, y_pred, sensitive, score=score)
    monkeypatch.setattr(fairness_module, "_DENSE_GROUPS", 1)  # as with > 2**20 combinations
    assert fairness(y_true, y_pred, sensitive, score=score) == counted
    monkeypatch.setattr(fairness_module, "_JOINT_LIMIT", 8)  # as if codes would overflow
    assert fairness(y_true, y_pred, sensitive, score=score) == counted


def test_four_fifths_rule_on_the_selection_rate_ratio() -> None:
    selected = np.array([1] * 8 + [0] * 2 + [1] * 6 + [0] * 4)
    group = np.array(["a"] * 10 + ["b"] * 10)
    result = fairness(selected, selected, {"group": group}, min_group_size=0)
    rule = result.aggregates["group"].four_fifths_rule
    assert rule.ratio == pytest.approx(0.75) and rule.passes is False
    assert result.aggregates["group"].demographic_parity_difference == pytest.approx(0.2)


def test_small_groups_are_warned() -> None:
    y_true, y_pred, sensitive, _ = survey(300, 6)
    result = fairness(y_true, y_pred, sensitive, min_group_size=30)
    small = {(w.level, w.group) for w in result.warnings if w.kind == "small_group"}
    counts = {
        lv: {label_text(g): m.count for g, m in gs.items()} for lv, gs in result.groups.items()
    }
    expected = {(lv, g) for lv, groups in counts.items() for g, n in groups.items() if n < 30}
    assert small == expected
    assert ("province", "Mondulkiri") in small
    document = result.to_json()
    warning = next(w for w in document["warnings"] if w["group"] == "Mondulkiri")
    assert "only" in warning["message"]
    assert warning["count"] == counts["province"]["Mondulkiri"]


def test_json_document_shape() -> None:
    y_true, y_pred, sensitive, score = survey(1_000, 7)
    document = json.loads(json.dumps(fairness(y_true, y_pred, sensitive, score=score).to_json()))
    assert set(document) == {
        "rows", "columns", "intersectional", "overall", "groups", "aggregates",
        "confidence_intervals", "warnings",
    }  # fmt: skip
    assert document["columns"]["province"]["groups"] == 6
    assert document["intersectional"]["columns"] == ["gender", "province"]
    assert "female × Phnom Penh" in document["groups"]["intersection"]
    assert set(document["aggregates"]) == {"gender", "province", "intersection"}
    assert set(AGGREGATES) < set(document["aggregates"]["gender"])
    assert set(document["aggregates"]["gender"]["four_fifths_rule"]) == {"ratio", "passes"}
    assert document["confidence_intervals"] is None
    alone = fairness(y_true, y_pred, {"gender": sensitive["gender"]}).to_json()
    assert (
        alone["intersectional"] is None and alone["groups"]["gender"]["male"]["mean_score"] is None
    )


def test_bootstrap_is_reproducible_from_its_seed() -> None:
    y_true, y_pred, sensitive, _ = survey(5_000, 8)
    first, again, other = (
        fairness(y_true, y_pred, sensitive, bootstrap=300, seed=seed).intervals
        for seed in (11, 11, 12)
    )
    assert first is not None and other is not None
    assert first == again and first.bounds != other.bounds
    assert set(first.bounds) == {"gender", "province", INTERSECTION}
    for aggregates in first.bounds.values():
        assert set(aggregates) == set(AGGREGATES)
        assert all(low <= high for low, high in aggregates.values())


def test_bootstrap_intervals_agree_with_fairleans() -> None:
    rng = np.random.default_rng(9)
    group = rng.choice(np.array(["a", "b"]), 2_000)
    y_pred = (rng.random(2_000) < np.where(group == "a", 0.3, 0.5)).astype(np.int64)
    y_true = rng.integers(0, 2, 2_000)
    ours = fairness(y_true, y_pred, {"group": group}, bootstrap=2_000, seed=1).intervals
    frame = flm.MetricFrame(
        metrics=flm.selection_rate,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=group,
        n_boot=100,
        ci_quantiles=[0.025, 0.975],
        random_state=1,
    )
    assert ours is not None
    low, high = ours.bounds["group"]["demographic_parity_difference"]
    assert low == pytest.approx(frame.difference_ci()[0], abs=0.012)
    assert high == pytest.approx(frame.difference_ci()[1], abs=0.012)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"y_true": [0, 1, 2, 1]}, r"y_true must hold only 0 and 1, but it also holds \[2\]"),
        ({"y_pred": ["no", "yes", "no", "yes"]}, r"y_pred must hold only 0 and 1.*'no', 'yes'"),
        ({"y_true": [0.0, 1.0, float("nan"), 1.0]}, r"y_true .* \[nan\] .* at row 2"),
        ({"y_pred": [0, 1, 1]}, r"y_pred has shape \(3,\), but y_true has 4 rows"),
        ({"sensitive": {"gender": ["f", "m", "f"]}}, r"sensitive column 'gender' has shape"),
        ({"sensitive": {"gender": ["f", None, "m", "f"]}}, r"'gender' has 1 missing value"),
        ({"score": [0.1, 0.2, float("nan"), 0.4]}, r"score is not a finite number at row 2"),
        ({"sensitive": {"a": [1, 2, 1, 2], "intersection": [1, 1, 2, 2]}}, r"may not be named"),
    ],
)
def test_inputs_are_checked(change: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "y_true": [0, 1, 0, 1],
        "y_pred": [1, 1, 0, 0],
        "sensitive": {"gender": ["f", "m", "m", "f"]},
        "score": None,
    }
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        fairness(arguments.pop("y_true"), arguments.pop("y_pred"), **arguments)


def test_boolean_labels_are_binary() -> None:
    truth: npt.NDArray[np.bool_] = np.array([True, False, True, True])
    result = fairness(truth, truth, {"gender": ["f", "m", "m", "f"]}, min_group_size=0)
    assert result.overall.accuracy == 1.0
