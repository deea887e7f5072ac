"""Data-quality measurements: counted right, and KS agreeing with scipy on seeded data."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from soai.assurance.data_quality import (
    PSI_EPSILON,
    _kolmogorov_sf,
    drift,
    duplicates,
    ks,
    label_balance,
    missingness,
    psi,
    representation,
)


def test_missingness_counts_each_kind_of_missing_value() -> None:
    result = missingness(
        {
            "income": np.array([1.0, np.nan, 3.0, np.nan, 5.0]),
            "province": np.array(["Kampot", None, "", "Takeo", float("nan")], dtype=object),
            "name": np.array(["a", "", "c", "d", "e"]),
            "seen": np.array(["2025-01-01", "NaT", "2025-01-03", "NaT", "NaT"], dtype="M8[D]"),
            "age": np.array([30, 41, 52, 63, 74]),
            "flag": np.array([True, False, True, True, False]),
            "note": np.array(["x", "y", "", "z", "w"], dtype=np.dtypes.StringDType()),
            "pandas_na": np.array(["x", pd.NA, "y", "z", "w"], dtype=object),
        }
    )
    counts = {name: column["missing"] for name, column in result["columns"].items()}
    assert counts == {
        "income": 2,
        "province": 3,
        "name": 1,
        "seen": 3,
        "age": 0,
        "flag": 0,
        "note": 1,
        "pandas_na": 1,
    }
    assert result["columns"]["province"]["share"] == pytest.approx(0.6)
    assert result["rows"] == 5
    assert result["rows_with_missing"] == 4  # only the first row is complete


def test_missingness_agrees_with_pandas_on_seeded_data() -> None:
    rng = np.random.default_rng(21)
    values = rng.normal(size=2_000)
    values[rng.random(2_000) < 0.13] = np.nan
    text = rng.choice(np.array(["a", "b", None], dtype=object), 2_000)
    result = missingness({"values": values, "text": text})
    frame = pd.DataFrame({"values": values, "text": text})
    for name in ("values", "text"):
        assert result["columns"][name]["missing"] == int(frame[name].isna().sum())
        assert result["columns"][name]["share"] == pytest.approx(frame[name].isna().mean())
    assert result["rows_with_missing"] == int(frame.isna().any(axis=1).sum())


def test_duplicates_counts_rows_repeating_an_earlier_row_in_every_column() -> None:
    result = duplicates(
        {
            "id": np.array([1, 1, 2, 1, 2, 3, 3]),
            "place": np.array(["a", "a", "a", "b", "a", "x", "x"]),
            "score": np.array([0.5, 0.5, 0.5, 0.5, 0.5, np.nan, np.nan]),  # NaN equals NaN
        }
    )
    assert result == {
        "rows": 7,
        "distinct_rows": 4,
        "duplicate_rows": 3,
        "share": pytest.approx(3 / 7),
        "examples": [1, 4, 6],
    }


def test_duplicates_agree_with_pandas_duplicated_on_seeded_data() -> None:
    rng = np.random.default_rng(22)
    n = 5_000
    columns = {
        "age": rng.integers(18, 25, n),
        "score": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 3, n) / 2),
        "province": rng.choice(np.array(["Kampot", "Takeo", None, 7], dtype=object), n),
        "flag": rng.random(n) < 0.5,
    }
    result = duplicates(columns)
    expected = pd.DataFrame(columns).duplicated()
    assert result["duplicate_rows"] == int(expected.sum())
    assert result["share"] == pytest.approx(float(expected.mean()))
    assert result["examples"] == np.flatnonzero(expected.to_numpy())[:10].tolist()


def test_a_table_without_duplicates_has_none() -> None:
    result = duplicates({"id": np.arange(100), "name": np.array([f"n{i}" for i in range(100)])})
    assert (result["duplicate_rows"], result["share"], result["examples"]) == (0, 0.0, [])


def test_representation_compares_data_shares_with_population_shares() -> None:
    groups = np.array(["urban"] * 60 + ["rural"] * 30 + ["abroad"] * 5 + [None] * 5, dtype=object)
    result = representation(groups, {"urban": 0.25, "rural": 0.70, "islands": 0.05})

    assert (result["rows"], result["missing"]) == (100, 5)
    urban, rural = result["groups"]["urban"], result["groups"]["rural"]
    assert urban["observed_share"] == pytest.approx(60 / 95)
    assert urban["difference"] == pytest.approx(60 / 95 - 0.25)
    assert urban["ratio"] == pytest.approx(60 / 95 / 0.25)
    assert rural["ratio"] == pytest.approx(30 / 95 / 0.70)
    assert result["groups"]["islands"] == {
        "count": 0,
        "observed_share": 0.0,
        "reference_share": 0.05,
        "difference": -0.05,
        "ratio": 0.0,
    }
    assert result["groups"]["abroad"]["reference_share"] is None
    assert result["groups"]["abroad"]["ratio"] is None
    assert result["absent_from_data"] == ["islands"]
    assert result["absent_from_reference"] == ["abroad"]
    assert result["min_ratio"] == 0.0
    assert result["max_abs_difference"] == pytest.approx(0.70 - 30 / 95)  # rural's gap


def test_representation_matches_groups_by_their_text_form() -> None:
    result = representation(np.array([1, 1, 2, 2]), {"1": 0.5, "2": 0.5})
    assert result["groups"]["1"]["ratio"] == pytest.approx(1.0)
    assert result["absent_from_data"] == result["absent_from_reference"] == []


@pytest.mark.parametrize(
    "reference",
    [{"a": 0.5, "b": 0.4}, {"a": 1.5, "b": -0.5}, {}],
)
def test_representation_refuses_a_reference_that_is_not_population_shares(
    reference: dict[str, float],
) -> None:
    with pytest.raises(ValueError, match="reference must map each group to its population share"):
        representation(np.array(["a", "b"]), reference)


def test_label_balance_counts_each_class() -> None:
    y = np.array([0] * 90 + [1] * 10 + [None] * 3, dtype=object)
    result = label_balance(y)
    assert result["classes"] == {
        "0": {"count": 90, "share": 0.9},
        "1": {"count": 10, "share": pytest.approx(0.1)},
    }
    assert (result["majority"], result["minority"]) == ("0", "1")
    assert result["imbalance_ratio"] == 9.0
    assert (result["rows"], result["missing"]) == (103, 3)


def test_label_balance_of_a_single_class_has_no_ratio() -> None:
    result = label_balance(np.ones(20, dtype=int))
    assert result["imbalance_ratio"] is None
    assert result["undefined"] == {"imbalance_ratio": "y holds a single class"}


def test_psi_of_identical_samples_is_zero_and_of_same_distribution_small() -> None:
    rng = np.random.default_rng(23)
    reference = rng.normal(size=5_000)
    assert psi(reference, reference.copy()) == pytest.approx(0.0, abs=1e-12)
    assert psi(reference, rng.permutation(reference)) == pytest.approx(0.0, abs=1e-12)
    assert psi(reference, rng.normal(size=5_000)) < 0.02


@pytest.mark.parametrize("shift", [0.75, 1.0, 2.0])
def test_psi_of_a_shifted_sample_is_a_significant_shift(shift: float) -> None:
    rng = np.random.default_rng(24)
    assert psi(rng.normal(size=5_000), rng.normal(shift, 1.0, 5_000)) > 0.25


def test_psi_follows_the_documented_formula_and_epsilon() -> None:
    reference = np.arange(10.0)  # median 4.5: bins (-inf, 4.5) and [4.5, inf), half each
    moved = psi(reference, [0.0, 0.0, 0.0, 9.0], bins=2)
    assert moved == pytest.approx(0.25 * math.log(1.5) + 0.25 * math.log(2.0), abs=1e-12)
    # An empty bin counts as a share of PSI_EPSILON; values beyond the reference's range count.
    emptied = psi(reference, [-100.0, 1.0], bins=2)
    expected = 0.5 * math.log(2.0) + (PSI_EPSILON - 0.5) * math.log(PSI_EPSILON / 0.5)
    assert emptied == pytest.approx(expected, abs=1e-12)


def test_psi_of_a_constant_reference_uses_the_bins_it_can() -> None:
    assert psi(np.full(50, 3.0), np.full(40, 3.0)) == pytest.approx(0.0, abs=1e-12)
    assert psi(np.full(50, 3.0), np.full(40, 2.0)) > 0.25


SAMPLES = [  # (size of reference, size of current, shift of the current's mean)
    (80, 120, 0.0),
    (80, 120, 0.4),
    (500, 700, 0.0),
    (500, 700, 0.1),
    (500, 700, 0.3),
    (3_000, 2_000, 0.0),
    (3_000, 2_000, 0.05),
    (3_000, 2_000, 0.1),
    (20_000, 15_000, 0.02),
]


def tolerance(n: int) -> float:
    """The documented agreement with scipy's method="asymp" for n = round(n1·n2 / (n1 + n2))."""
    return 1e-7 if n >= 1000 else 1e-6 if n >= 300 else 5e-5 if n >= 50 else 2e-3


@pytest.mark.parametrize(("n1", "n2", "shift"), SAMPLES)
def test_ks_agrees_with_scipy(n1: int, n2: int, shift: float) -> None:
    rng = np.random.default_rng(n1 + n2 + int(shift * 100))
    reference, current = rng.normal(size=n1), rng.normal(shift, 1.0, n2)
    result = ks(reference, current)
    expected = stats.ks_2samp(reference, current, method="asymp")
    assert result["statistic"] == pytest.approx(expected.statistic, abs=1e-12)
    assert result["p_value"] == pytest.approx(
        expected.pvalue, abs=tolerance(round(n1 * n2 / (n1 + n2)))
    )
    assert (result["n_reference"], result["n_current"]) == (n1, n2)


@pytest.mark.parametrize("seed", [25, 26, 27])
def test_ks_statistic_agrees_with_scipy_on_tied_integers(seed: int) -> None:
    rng = np.random.default_rng(seed)
    reference, current = rng.integers(0, 6, 300), rng.integers(1, 7, 40)
    expected = stats.ks_2samp(reference, current, method="asymp")
    result = ks(reference, current)
    assert result["statistic"] == pytest.approx(expected.statistic, abs=1e-12)
    assert result["p_value"] == pytest.approx(expected.pvalue, abs=tolerance(round(300 * 40 / 340)))


@pytest.mark.parametrize("n", [10, 50, 300, 1_000, 4_000])
def test_ks_p_value_is_within_the_documented_tolerance_at_every_gap(n: int) -> None:
    gaps = np.linspace(0.0, min(1.0, 8 / math.sqrt(n)), 401)  # p-values below ~1e-50 beyond
    ours = np.array([_kolmogorov_sf(float(gap), n) for gap in gaps])
    assert np.max(np.abs(ours - stats.kstwo.sf(gaps, n))) <= tolerance(n)


def test_ks_of_separate_samples_is_one_and_of_identical_samples_zero() -> None:
    assert ks([1.0, 2.0, 3.0] * 50, [10.0, 11.0] * 50)["statistic"] == 1.0
    assert ks([10.0, 11.0] * 50, [1.0, 2.0, 3.0] * 50)["p_value"] == pytest.approx(0.0, abs=1e-12)
    same = ks(np.arange(100.0), np.arange(100.0))
    assert (same["statistic"], same["p_value"]) == (0.0, 1.0)


def test_ks_of_two_single_values_has_no_p_value() -> None:
    result = ks([1.0], [2.0])
    assert result["statistic"] == 1.0 and result["p_value"] is None
    assert "too few values" in result["undefined"]["p_value"]


def test_drift_measures_every_shared_column() -> None:
    rng = np.random.default_rng(28)
    income = rng.normal(size=3_000)
    income_now = rng.normal(1.0, 1.0, 2_000)
    income_now[:10] = np.nan
    reference = {
        "income": income,
        "age": rng.integers(18, 80, 3_000),
        "province": rng.choice(np.array(["Kampot", "Takeo", "Kep"]), 3_000, p=[0.5, 0.3, 0.2]),
        "retired": np.array(["x"] * 3_000),
    }
    current = {
        "income": income_now,
        "age": rng.integers(18, 80, 2_000),
        "province": rng.choice(np.array(["Kampot", "Takeo", "Pailin"]), 2_000, p=[0.2, 0.3, 0.5]),
        "new": np.zeros(2_000),
    }
    result = drift(reference, current)
    columns = result["columns"]
    assert sorted(columns) == ["age", "income", "province"]
    assert (result["only_in_reference"], result["only_in_current"]) == (["retired"], ["new"])

    moved = columns["income"]
    assert moved["kind"] == "numeric" and moved["band"] == "significant"
    assert (moved["missing_reference"], moved["missing_current"]) == (0, 10)
    assert moved["psi"] == pytest.approx(psi(income, income_now[10:]), abs=1e-12)
    scipy_ks = stats.ks_2samp(income, income_now[10:], method="asymp")
    assert moved["ks"]["statistic"] == pytest.approx(scipy_ks.statistic, abs=1e-12)

    assert columns["age"]["band"] == "stable" and columns["age"]["ks"]["p_value"] > 0.001

    province = columns["province"]
    assert province["kind"] == "categorical" and province["band"] == "significant"
    assert province["new_categories"] == ["Pailin"]
    assert province["vanished_categories"] == ["Kep"]
    assert province["largest_shifts"][0]["category"] == "Pailin"
    json.dumps(result, allow_nan=False)


def test_categorical_psi_follows_the_documented_formula() -> None:
    reference = {"colour": np.array(["red"] * 50 + ["blue"] * 50)}
    current = {"colour": np.array(["red"] * 75 + ["blue"] * 25, dtype=object)}
    result = drift(reference, current)["columns"]["colour"]
    assert result["psi"] == pytest.approx(0.25 * math.log(1.5) + 0.25 * math.log(2.0), abs=1e-12)
    assert result["band"] == "significant"


def test_drift_of_a_column_with_only_missing_values_is_none_with_a_reason() -> None:
    result = drift({"x": np.array([np.nan, np.nan])}, {"x": np.array([1.0, 2.0])})["columns"]["x"]
    assert result["psi"] is None and result["band"] is None
    assert "only missing values" in result["undefined"]["psi"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: missingness({"a": np.zeros(3), "b": np.zeros(2)}),
            "columns must all have the same number of rows; 'a' has 3, 'b' has 2",
        ),
        (lambda: duplicates({}), "columns is empty"),
        (lambda: missingness({"a": np.zeros((2, 2))}), r"column 'a' must be one-dimensional"),
        (lambda: missingness({"a": []}), "column 'a' is empty"),
        (
            lambda: psi([1.0, 2.0, 3.0, np.nan], [1.0]),
            r"reference must hold finite numbers; found nan in 1 row\(s\), the first at row 3",
        ),
        (lambda: psi([1.0, 2.0], [np.inf]), "current must hold finite numbers; found inf"),
        (lambda: psi([1.0, 2.0], [1.0], bins=1), "bins must be an integer of at least 2; got 1"),
        (lambda: ks(["a", "b"], [1.0]), "reference must hold numbers; got <U1 values"),
        (lambda: ks([1.0], []), "current is empty"),
        (lambda: label_balance(np.array([None, None])), "y has no labels"),
        (
            lambda: drift({"x": np.array([1.0, np.inf])}, {"x": np.array([1.0])}),
            "column 'x': reference must hold finite numbers; found inf",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_data(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
