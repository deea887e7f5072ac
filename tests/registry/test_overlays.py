"""The rules as data: national overlays, the files' URNs and the errors that name the file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from soai.catalog.catalogue import CatalogueError
from soai.catalog.service import catalogue
from soai.registry import rule_data
from soai.registry.rules import RuleSet, load_ruleset
from soai.registry.schemas import (
    ANNEX_III_POINTS,
    ART_6_3_CONDITIONS,
    EXCLUSIONS,
    PROHIBITED_PRACTICES,
    TRANSPARENCY_PARAGRAPHS,
)
from tests.registry.classifying import (
    EU,
    KH,
    SAMPLE_PROFILES,
    result,
    shipped_ruleset,
    step,
    urns,
)


@pytest.fixture
def kh() -> RuleSet:
    return shipped_ruleset("enacted", "kh")


@pytest.fixture
def eu_only() -> RuleSet:
    """A jurisdiction without a national overlay (say, the Philippines)."""
    return shipped_ruleset("enacted")


URN = re.compile(r"urn:soai:[a-z0-9-]+:[a-z0-9-]+")


def test_the_cambodian_overlay_adds_its_anticipated_obligations(
    kh: RuleSet, eu_only: RuleSet
) -> None:
    answers: dict[str, Any] = {"sector": "finance", "annex_iii": ["5(b)"], "profiling": True}
    with_kh, without = result(kh, **answers), result(eu_only, **answers)

    added = [o for o in with_kh["obligations"] if o["source"] == "kh"]
    assert [o["urn"] for o in added] == [
        f"{KH}register-ai-system",
        f"{KH}pdpl-dpia",
        f"{KH}pdpl-lawful-basis",
    ]
    assert {o["status"] for o in added} == {"anticipated"}
    assert with_kh["overlays"] == ["kh"] and without["overlays"] == []
    assert not any(urn.startswith(KH) for urn in urns(without))
    assert not any(s["rule"].startswith("kh:") for s in without["trace"])
    overlay_step = step(with_kh, "kh:register-high-risk")
    assert overlay_step["text"]["km"] and overlay_step["explanation"] == overlay_step["text"]["en"]
    assert with_kh["rules_version"] == f"{without['rules_version']}+kh.2026.11.0"


def test_the_cambodian_overlay_registers_every_public_sector_system(kh: RuleSet) -> None:
    outcome = result(kh, sector="public-sector", transparency=["50(1)"])

    assert outcome["risk"] == "limited"
    assert {f"{KH}register-ai-system", f"{KH}public-sector-transparency"} <= set(urns(outcome))
    assert f"{KH}pdpl-dpia" not in urns(outcome)


def test_the_overlay_asks_for_an_impact_assessment_even_when_art_6_3_lifts_the_system(
    kh: RuleSet,
) -> None:
    outcome = result(kh, annex_iii=["3(b)"], art_6_3_condition="b")

    assert outcome["risk"] == "minimal"
    assert f"{KH}pdpl-dpia" in urns(outcome)
    assert f"{KH}register-ai-system" not in urns(outcome)


def test_overlays_never_change_the_eu_outcome(kh: RuleSet, eu_only: RuleSet) -> None:
    for answers in SAMPLE_PROFILES:
        with_kh, without = result(kh, **answers), result(eu_only, **answers)
        for key in ("risk", "gpai", "high_risk_route", "transparency"):
            assert with_kh[key] == without[key]
        eu_part = [o for o in with_kh["obligations"] if o["source"] == "eu-ai-act"]
        assert eu_part == without["obligations"]


def test_a_new_country_adds_an_overlay_without_code(tmp_path: Path) -> None:
    (tmp_path / "zz.yaml").write_text(
        yaml.safe_dump(
            {
                "overlay": {
                    "id": "zz",
                    "version": "1",
                    "title": {"en": "Zedland", "km": "ហ្សេដ"},
                    "citation": "Zedland AI Act",
                },
                "rules": [
                    {
                        "id": "frontier-models",
                        "article": "Zedland AI Act, s. 4",
                        "when": {"gpai_in": ["gpai_systemic"], "role_in": ["provider"]},
                        "obligations": [f"{KH}register-ai-system"],
                        "explanation": {"en": "Frontier models register.", "km": "ចុះបញ្ជី។"},
                        "citation": "Zedland AI Act, s. 4",
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    zedland = load_ruleset(
        timeline="enacted", overlays=["zz"], catalogue=catalogue(), overlay_directory=tmp_path
    )

    frontier = result(zedland, gpai={"training_flops": 4e25})
    small = result(zedland, gpai={"training_flops": 4e20})
    assert step(frontier, "zz:frontier-models")["article"] == "Zedland AI Act, s. 4"
    assert [o["source"] for o in frontier["obligations"]][-1] == "zz"
    assert f"{KH}register-ai-system" not in urns(small)


# --- the data and its errors -----------------------------------------------------------------


def test_every_urn_of_the_rules_and_overlays_is_in_the_shipped_catalogue() -> None:
    files = [rule_data.RULES, *sorted(rule_data.OVERLAYS.glob("*.yaml"))]
    found = {urn for path in files for urn in URN.findall(path.read_text(encoding="utf-8"))}

    assert len(found) >= 40
    assert sorted(found - set(catalogue().requirements)) == []


def test_the_rules_file_covers_every_answer_a_profile_can_give(eu_only: RuleSet) -> None:
    assert tuple(eu_only.annex_iii_points) == ANNEX_III_POINTS
    assert tuple(eu_only.practices) == PROHIBITED_PRACTICES
    assert tuple(eu_only.paragraphs) == TRANSPARENCY_PARAGRAPHS
    assert tuple(eu_only.exclusions) == EXCLUSIONS
    assert tuple(eu_only.art_6_3_conditions) == ART_6_3_CONDITIONS
    assert all(label["en"] and label["km"] for label in eu_only.annex_iii_points.values())


def test_an_unknown_urn_in_the_rules_is_a_catalogue_error_naming_file_and_urn(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "eu-ai-act.yaml"
    text = rule_data.RULES.read_text(encoding="utf-8")
    broken.write_text(text.replace(f"{EU}art-72", f"{EU}art-720"), encoding="utf-8")

    with pytest.raises(CatalogueError) as caught:
        load_ruleset(timeline="enacted", overlays=[], catalogue=catalogue(), rules_file=broken)
    assert str(broken) in str(caught.value)
    assert f"{EU}art-720" in str(caught.value)


def test_an_overlay_condition_with_an_unknown_key_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    shutil.copy(rule_data.OVERLAYS / "kh.yaml", tmp_path / "kh.yaml")
    path = tmp_path / "kh.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("risk_in: [high]", "risk_is: [high]"))

    with pytest.raises(CatalogueError, match="risk_is") as caught:
        load_ruleset(
            timeline="enacted", overlays=["kh"], catalogue=catalogue(), overlay_directory=tmp_path
        )
    assert str(path) in str(caught.value)


def test_an_unknown_overlay_or_timeline_is_refused() -> None:
    with pytest.raises(CatalogueError, match="'xx'"):
        load_ruleset(timeline="enacted", overlays=["xx"], catalogue=catalogue())
    with pytest.raises(CatalogueError, match="'someday'"):
        load_ruleset(timeline="someday", overlays=[], catalogue=catalogue())
