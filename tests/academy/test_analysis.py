"""Item analysis: hand-computed values, scipy's Pearson r, textbook KR-20 and the committee report."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import pearsonr

from soai.academy import analysis

# 4 candidates × 3 items, a Guttman pattern: totals 3, 2, 1, 0
HAND = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]], dtype=float)


def rasch(rng: np.random.Generator, n: int, difficulty: np.ndarray) -> np.ndarray:
    ability = rng.normal(size=n)
    chance = 1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))
    return (rng.random(chance.shape) < chance).astype(float)


def test_hand_computed_facility_discrimination_kr20_and_sem() -> None:
    result = analysis.analyse(HAND)
    assert result.facility.tolist() == [0.75, 0.5, 0.25]
    # item 1: x = 1,1,1,0 against rest = 2,1,0,0: cov 0.1875, var 0.1875 and 0.6875
    assert result.discrimination == pytest.approx(
        [math.sqrt(0.1875 / 0.6875), 0.25 / math.sqrt(0.25 * 0.5), math.sqrt(0.1875 / 0.6875)]
    )
    rel = result.reliability
    # KR-20 = 3/2 · (1 − (0.1875 + 0.25 + 0.1875) / 1.25) = 0.75
    assert (rel.method, rel.scored_items, rel.candidates) == ("kr20", 3, 4)
    assert rel.coefficient == pytest.approx(0.75)
    assert rel.sd == pytest.approx(math.sqrt(5 / 3))  # totals 3, 2, 1, 0
    assert rel.sem == pytest.approx(math.sqrt(5 / 3) * 0.5)


def test_discrimination_is_scipys_item_rest_pearson_r_with_missing_responses() -> None:
    rng = np.random.default_rng(11)
    x = rasch(rng, 800, rng.normal(size=25))
    x[rng.random(x.shape) < 0.3] = np.nan  # not presented
    result = analysis.analyse(x)
    total = np.nansum(x, axis=1)
    for j in range(25):
        seen = ~np.isnan(x[:, j])
        expected = pearsonr(x[seen, j], total[seen] - x[seen, j]).statistic
        assert result.discrimination[j] == pytest.approx(expected, abs=1e-9)
        assert result.facility[j] == pytest.approx(np.nanmean(x[:, j]))
    assert result.responses.tolist() == (~np.isnan(x)).sum(axis=0).tolist()


def test_a_pretest_item_is_correlated_with_the_whole_scored_total() -> None:
    rng = np.random.default_rng(5)
    x = rasch(rng, 300, rng.normal(size=10))
    scored = np.arange(10) < 8
    result = analysis.analyse(x, scored=scored)
    total = x[:, scored].sum(axis=1)
    assert result.discrimination[9] == pytest.approx(pearsonr(x[:, 9], total).statistic)
    assert result.discrimination[0] == pytest.approx(pearsonr(x[:, 0], total - x[:, 0]).statistic)
    assert result.reliability.scored_items == 8


def test_reliability_of_a_fixed_form_is_textbook_kr20_and_cronbachs_alpha() -> None:
    rng = np.random.default_rng(2)
    x = rasch(rng, 1000, rng.normal(size=40))
    k, total = 40, x.sum(axis=1)
    p = x.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() / total.var())
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total.var(ddof=1))
    result = analysis.analyse(x).reliability
    assert result.method == "kr20"
    assert result.coefficient == pytest.approx(kr20, abs=1e-12)
    assert result.coefficient == pytest.approx(alpha, abs=1e-12)
    assert result.sem == pytest.approx(total.std(ddof=1) * math.sqrt(1 - kr20))


def test_random_forms_reliability_recovers_the_true_reliability() -> None:
    """Candidates each get 50 items drawn from 400: the coefficient should match
    var(true score) / var(observed score), known here because the data are simulated."""
    rng = np.random.default_rng(0)
    n, pool, k = 6000, 400, 50
    ability, difficulty = rng.normal(size=n), rng.normal(scale=1.2, size=pool)
    items = np.argsort(rng.random((n, pool)), axis=1)[:, :k]
    chance = 1 / (1 + np.exp(-(ability[:, None] - difficulty[items])))
    correct = rng.random((n, k)) < chance
    result = analysis.analyse_attempts(items, correct, np.ones(k, bool), n_items=pool)
    true_score = (1 / (1 + np.exp(-(ability[:, None] - difficulty[None, :])))).mean(axis=1)
    truth = true_score.var() / correct.mean(axis=1).var()
    assert result.reliability.method == "random-forms"
    assert result.reliability.coefficient == pytest.approx(truth, abs=0.03)


def test_attempts_and_the_equivalent_matrix_give_the_same_analysis() -> None:
    rng = np.random.default_rng(9)
    n, pool, k = 300, 40, 12
    items = np.argsort(rng.random((n, pool)), axis=1)[:, :k]
    correct = rng.random((n, k)) < 0.6
    scored = np.arange(k) < 10
    chosen = np.where(correct, 0, rng.choice([-1, 1, 2, 3], size=(n, k)))
    matrix, choices = np.full((n, pool), np.nan), np.full((n, pool), -1)
    rows = np.arange(n)[:, None]
    matrix[rows, items], choices[rows, items] = correct, chosen
    from_matrix = analysis.analyse(matrix, choices=choices, keys=np.zeros(pool, int))
    everything = analysis.analyse_attempts(items, correct, np.ones(k, bool), n_items=pool,
                                           chosen=chosen, keys=np.zeros(pool, int))  # fmt: skip
    for field in ("responses", "facility", "discrimination", "option_share"):
        assert np.allclose(getattr(everything, field), getattr(from_matrix, field), equal_nan=True)
    assert everything.reliability.coefficient == pytest.approx(from_matrix.reliability.coefficient)
    with_pretest = analysis.analyse_attempts(items, correct, scored, n_items=pool)
    assert with_pretest.reliability.scored_items == 10


def test_distractor_shares_and_mean_totals_by_hand() -> None:
    choices = np.array([[0, 1, 2], [0, 1, 3], [0, 2, 3], [-1, 3, 3]])  # key a for every item
    x = (choices == 0).astype(float)
    x[:, 1:] = [[1, 1], [1, 0], [0, 0], [0, 0]]  # items 2, 3 keyed b and c
    keys = np.array([0, 1, 2])
    result = analysis.analyse(x, choices=choices, keys=keys)
    # item 1: a by the candidates with totals 3, 2, 1; omitted by the one with total 0
    assert result.option_share[0].tolist() == [0.75, 0, 0, 0, 0.25]
    assert result.option_mean_total[0, 0] == pytest.approx(2.0)
    assert result.option_mean_total[0, 4] == 0
    assert np.isnan(result.option_mean_total[0, 1])
    assert result.option_share[2].tolist() == [0, 0, 0.25, 0.75, 0]
    assert result.option_mean_total[2, 3] == pytest.approx(1.0)  # totals 2, 1, 0


def committee_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(4)
    n = 600
    difficulty = np.concatenate([[0.0, 0.0, 0.0, -4.5, 0.0], rng.normal(size=15)])
    x = rasch(rng, n, difficulty)
    wrong = rng.integers(1, 4, size=x.shape)
    choices = np.where(x == 1, 0, wrong)  # key a
    # item 2 is miskeyed: what the able choose is b, the key says a
    choices[:, 2] = np.where(x[:, 2] == 1, 1, rng.choice([0, 2, 3], size=n))
    x[:, 2] = (choices[:, 2] == 0).astype(float)
    x[50:, 4] = np.nan  # pretest item 4: only 50 responses
    choices[50:, 4] = -1
    status = ["operational", "pretest", "operational", "operational", "pretest"]
    return x, choices, np.zeros(20, int), status + ["operational"] * 15


def test_the_committee_report_flags_and_recommends() -> None:
    x, choices, keys, status = committee_data()
    scored = np.array([s == "operational" for s in status])
    result = analysis.analyse(x, scored=scored, choices=choices, keys=keys)
    report = analysis.report(result, item_ids=[f"law-{j:03d}" for j in range(20)], status=status)
    json.dumps(report, allow_nan=False)  # JSON-ready, no NaN
    rows = {row["id"]: row for row in report["items"]}
    codes = {key: {f["code"] for f in row["flags"]} for key, row in rows.items()}
    assert rows["law-000"]["recommendation"] == "keep" and not codes["law-000"] - {
        "weak_distractors"
    }
    assert rows["law-001"]["recommendation"] == "promote"
    assert {"possible_miskey", "negative_discrimination"} <= codes["law-002"]
    assert rows["law-002"]["recommendation"] == "review"
    assert "too_easy" in codes["law-003"] and rows["law-003"]["facility"] > 0.9
    assert rows["law-004"]["recommendation"] == "collect" and "few_responses" in codes["law-004"]
    assert rows["law-004"]["responses"] == 50
    assert rows["law-000"]["options"]["a"]["key"] is True
    assert sum(o["share"] for o in rows["law-000"]["options"].values()) == pytest.approx(1.0)
    assert report["summary"]["promote"] == ["law-001"]
    assert "law-002" in report["summary"]["review"]
    assert report["thresholds"]["facility"] == {"min": 0.30, "max": 0.70}
    assert report["thresholds"]["discrimination_min"] == 0.25
    assert report["reliability"]["rating"] in ("satisfactory", "borderline", "unsatisfactory")
    assert report["reliability"]["scored_items"] == 18  # the operational items


def test_reliability_ratings_follow_the_moodle_thresholds() -> None:
    limits = analysis.thresholds()
    assert analysis._rating(0.80, limits) == "satisfactory"
    assert analysis._rating(0.70, limits) == "borderline"
    assert analysis._rating(0.60, limits) == "unsatisfactory"
