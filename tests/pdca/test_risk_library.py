"""The risk library seeds each system with its sector's and tier's typical risks, in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from soai.catalog.catalogue import CatalogueError
from soai.catalog.service import catalogue
from soai.pdca.risk_library import DEFAULT, heat_map_counts, level, library, load

KHMER = re.compile("[\u1780-\u17ff]")
GENERIC = {
    "data-drift",
    "poor-data-quality",
    "missing-documentation",
    "weak-human-oversight",
    "adversarial-manipulation",
    "personal-data-leakage",
    "unclear-accountability",
}


def ids(sector: str, tier: str) -> list[str]:
    return [t.id for t in library().for_system(sector=sector, tier=tier)]


def test_the_shipped_library_loads_with_30_to_40_risks() -> None:
    templates = load().templates
    assert 30 <= len(templates) <= 40
    assert len({t.id for t in templates}) == len(templates)


def test_every_risk_is_written_in_khmer_and_points_to_requirements_that_exist() -> None:
    requirements = catalogue().requirements
    for t in library().templates:
        for text in (t.hazard, t.affected_group, t.treatment):
            assert text["en"].strip(), t.id
            assert KHMER.search(text["km"]), t.id
        assert t.urns and all(urn in requirements for urn in t.urns), t.id
        assert 1 <= t.likelihood <= 5 and 1 <= t.impact <= 5


def test_a_high_risk_bank_gets_credit_scoring_and_generic_risks_but_not_farming_ones() -> None:
    found = ids("finance", "high")
    assert {"credit-no-history-exclusion", "rural-borrower-bias", "over-indebtedness"} <= set(found)
    assert {"discriminatory-outcomes", "automation-bias"} <= set(found)
    assert set(found) >= GENERIC
    assert not {"yield-forecast-errors", "khmer-accessibility", "biased-cv-screening"} & set(found)


def test_specific_risks_come_before_generic_ones_each_in_file_order() -> None:
    seeded = library().for_system(sector="microfinance", tier="high")
    generic = [t.generic for t in seeded]
    assert generic == sorted(generic), "no specific risk after a generic one"
    order = {t.id: n for n, t in enumerate(library().templates)}
    specific = [order[t.id] for t in seeded if not t.generic]
    rest = [order[t.id] for t in seeded if t.generic]
    assert specific == sorted(specific) and rest == sorted(rest)
    assert seeded == library().for_system(sector="microfinance", tier="high"), "deterministic"


def test_a_minimal_risk_shop_gets_its_sector_risks_but_no_high_risk_duties() -> None:
    found = ids("e-commerce", "minimal")
    assert {"manipulative-recommendations", "price-discrimination"} <= set(found)
    assert set(found) >= GENERIC
    high_only = {
        t.id for t in library().templates if "high" in t.tiers and "minimal" not in t.tiers
    }
    assert high_only and not high_only & set(found)
    assert "credit-no-history-exclusion" in high_only


def test_tiers_bring_their_own_risks() -> None:
    assert "prohibited-practice-in-use" in ids("other", "prohibited")
    limited = ids("media", "limited")
    assert {"undisclosed-ai-interaction", "unmarked-synthetic-content"} <= set(limited)
    assert {"hallucinated-answers", "khmer-misinformation"} <= set(limited)
    assert "undisclosed-ai-interaction" not in ids("media", "minimal")


def test_a_sector_the_library_does_not_name_gets_only_tier_and_generic_risks() -> None:
    assert ids(" Finance ", "high") == ids("finance", "high")
    unknown = library().for_system(sector="space-mining", tier="minimal")
    assert unknown and all(t.generic for t in unknown)
    with pytest.raises(ValueError, match="unknown risk tier"):
        library().for_system(sector="finance", tier="very-high")


# --- Refusing a broken file ---------------------------------------------------------------------


def _broken(tmp_path: Path, change: Any) -> tuple[Path, str]:
    content = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    entry = content["risks"][3]
    change(entry)
    path = tmp_path / "risks.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path, entry["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.update(severity=3), "severity"),
        (lambda e: e.update(likelihood=0), "likelihood"),
        (lambda e: e.update(impact=6), "impact"),
        (lambda e: e.update(likelihood="4"), "likelihood"),
        (lambda e: e["treatment"].update(km="Review the outputs."), "treatment.km"),
        (lambda e: e["applies"].update(sectors=["fishing"]), "applies.sectors"),
        (lambda e: e["applies"].update(tiers=["any", "high"]), "applies.tiers"),
    ],
    ids=["unknown key", "likelihood 0", "impact 6", "rating as text", "no Khmer", "sector", "any+"],
)
def test_a_bad_entry_is_refused_naming_the_file_entry_and_field(
    tmp_path: Path, change: Any, field: str
) -> None:
    path, entry_id = _broken(tmp_path, change)
    with pytest.raises(CatalogueError) as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert f"risks[{entry_id}].{field}" in str(caught.value)
    assert caught.value.field == f"risks[{entry_id}].{field}"


def test_an_unknown_urn_is_refused_naming_the_entry(tmp_path: Path) -> None:
    path, entry_id = _broken(tmp_path, lambda e: e["urns"].append("urn:soai:eu-ai-act:art-999"))
    with pytest.raises(CatalogueError, match=rf"risk '{entry_id}'.*art-999") as caught:
        load(path)
    assert caught.value.field == f"risks[{entry_id}].urns"


def test_a_repeated_id_is_refused(tmp_path: Path) -> None:
    path, _ = _broken(tmp_path, lambda e: e.update(id="data-drift"))
    with pytest.raises(CatalogueError, match="data-drift"):
        load(path)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"missing\.yaml"):
        load(tmp_path / "missing.yaml")


# --- The 5×5 matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("likelihood", "impact", "band"),
    [
        (1, 1, "low"),
        (2, 2, "low"),
        (1, 4, "low"),
        (5, 1, "medium"),
        (3, 3, "medium"),
        (2, 5, "high"),
        (4, 4, "high"),
        (4, 5, "critical"),
        (5, 5, "critical"),
    ],
)
def test_levels_follow_the_5x5_bands(likelihood: int, impact: int, band: str) -> None:
    assert level(likelihood, impact) == band


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (3, 6), (True, 3)])
def test_a_rating_outside_1_to_5_has_no_level(likelihood: int, impact: int) -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        level(likelihood, impact)


def test_a_template_knows_its_score_and_level() -> None:
    template = library().get("over-indebtedness")
    assert template is not None
    assert template.score == template.likelihood * template.impact
    assert template.level == level(template.likelihood, template.impact)
    assert library().get("no-such-risk") is None


def test_the_heat_map_puts_high_impact_on_top_and_high_likelihood_on_the_right() -> None:
    grid = heat_map_counts([(1, 1), (5, 5), (5, 5), (2, 4), (5, 1)])
    assert len(grid) == 5 and all(len(row) == 5 for row in grid)
    assert grid[0][4] == 2  # likelihood 5, impact 5: top right
    assert grid[4][0] == 1  # likelihood 1, impact 1: bottom left
    assert grid[1][1] == 1  # likelihood 2, impact 4
    assert grid[4][4] == 1  # likelihood 5, impact 1: bottom right
    assert sum(map(sum, grid)) == 5
    assert heat_map_counts([]) == [[0] * 5 for _ in range(5)]
    with pytest.raises(ValueError):
        heat_map_counts([(6, 1)])


def test_the_shipped_library_fills_the_heat_map() -> None:
    templates = library().templates
    grid = heat_map_counts((t.likelihood, t.impact) for t in templates)
    assert sum(map(sum, grid)) == len(templates)
