"""The compliance score and maturity levels (pure)."""

from __future__ import annotations

from soai.pdca.scoring import Scored, maturity, score


def test_no_assessment_means_no_score_rather_than_zero() -> None:
    result = score([Scored("eu-ai-act", 2.0, True, None)], independent=True)
    assert result.overall is None and result.maturity is None


def test_weighted_effective_over_applicable_per_framework() -> None:
    controls = [
        Scored("eu-ai-act", 2.0, True, "effective"),
        Scored("eu-ai-act", 2.0, True, "partly"),
        Scored("iso-42001", 1.0, True, "not_effective"),
        Scored("iso-42001", 1.0, True, "not_applicable"),  # left out
        Scored("iso-42001", 1.0, False, None),  # excluded in the SoA: left out
    ]
    result = score(controls, independent=True)
    assert result.by_framework == {"eu-ai-act": 75.0, "iso-42001": 0.0}
    assert result.overall == 60.0 and result.maturity == "silver"


def test_levels_and_the_independence_cap() -> None:
    assert [maturity(p) for p in (0, 39.9, 40, 69.9, 70, 89.9, 90, 100)] == [
        "bronze", "bronze", "silver", "silver", "gold", "gold", "platinum", "platinum",
    ]  # fmt: skip
    full = [Scored("eu-ai-act", 1.0, True, "effective")]
    assert score(full, independent=True).maturity == "platinum"
    capped = score(full, independent=False)
    assert capped.maturity == "silver" and capped.capped
