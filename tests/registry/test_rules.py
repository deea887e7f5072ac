"""The EU AI Act classification engine: the six rules in order, GPAI, obligations, dates, trace."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from soai.registry import rule_data
from soai.registry.rules import RuleSet, classify, classify_many
from soai.registry.schemas import (
    ANNEX_III_POINTS,
    ART_6_3_CONDITIONS,
    EXCLUSIONS,
    GPAI_TIERS,
    PROHIBITED_PRACTICES,
    RISKS,
    TRANSPARENCY_PARAGRAPHS,
    ClassificationOut,
    parse_profile,
)
from tests.registry.classifying import (
    EU,
    SAMPLE_PROFILES,
    deciding,
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


@pytest.fixture
def omnibus() -> RuleSet:
    return shipped_ruleset("omnibus")


HIGH_RISK_PROVIDER = [f"{EU}art-{n}" for n in (9, 10, 11, 12, 13, 14, 15, 16, 17, 43, 49, 72, 73)]


# --- the six rules and their order -------------------------------------------------------------


def test_credit_scoring_is_high_risk_through_annex_iii_and_says_fraud_detection_is_not(
    eu_only: RuleSet,
) -> None:
    outcome = result(eu_only, sector="finance", annex_iii=["5(b)"], profiling=True)

    assert (outcome["risk"], outcome["high_risk_route"], outcome["gpai"]) == (
        "high",
        "6(2)",
        "none",
    )
    assert deciding(outcome)["article"] == "Art. 6(2)"
    assert "Regulation (EU) 2024/1689, Art. 6(2) and Annex III point 5(b)" in outcome["citations"]
    assert "financial fraud" in step(outcome, "annex-iii-note")["explanation"]
    assert urns(outcome)[: len(HIGH_RISK_PROVIDER)] == HIGH_RISK_PROVIDER
    assert f"{EU}art-4" in urns(outcome)


def test_a_prohibited_practice_beats_an_annex_i_product(eu_only: RuleSet) -> None:
    outcome = result(eu_only, prohibited_practices=["5(1)(c)"], annex_i_product=True)

    assert outcome["risk"] == "prohibited"
    assert outcome["high_risk_route"] is None
    assert deciding(outcome)["rule"] == "prohibited"
    assert [f"{EU}art-5", f"{EU}art-5-1-c"] == urns(outcome)[:2]
    assert f"{EU}art-9" not in urns(outcome)
    assert "Regulation (EU) 2024/1689, Art. 5(1)(c)" in outcome["citations"]


def test_an_annex_i_product_is_high_risk_through_article_6_1(eu_only: RuleSet) -> None:
    outcome = result(eu_only, annex_i_product=True, annex_iii=["2"])

    assert (outcome["risk"], outcome["high_risk_route"]) == ("high", "6(1)")
    assert deciding(outcome)["article"] == "Art. 6(1)"
    # Rule 3 decided: rule 4 was not looked at.
    assert all(s["rule"] != "annex-iii" for s in outcome["trace"])


@pytest.mark.parametrize(
    ("exclusion", "article"),
    [
        ("military", "Art. 2(3)"),
        ("research_only", "Art. 2(6)"),
        ("personal_non_professional", "Art. 2(10)"),
    ],
)
def test_these_exclusions_always_take_a_system_out_of_scope(
    kh: RuleSet, exclusion: str, article: str
) -> None:
    outcome = result(
        kh,
        sector="public-sector",
        out_of_scope=[exclusion],
        prohibited_practices=["5(1)(h)"],
        annex_iii=["6(d)"],
        profiling=True,
        transparency=["50(1)"],
    )

    assert outcome["risk"] == "out_of_scope"
    assert outcome["trace"][0]["article"] == article
    assert outcome["trace"][0]["outcome"] == "decides"
    assert outcome["obligations"] == []
    assert outcome["transparency"] == []
    assert outcome["citations"] == [f"Regulation (EU) 2024/1689, {article}"]


def test_an_excluded_system_still_reports_its_gpai_tier_but_cites_and_lists_nothing_for_it(
    eu_only: RuleSet,
) -> None:
    outcome = result(eu_only, out_of_scope=["research_only"], gpai={"training_flops": 3e25})

    assert (outcome["risk"], outcome["gpai"]) == ("out_of_scope", "gpai_systemic")
    assert outcome["citations"] == ["Regulation (EU) 2024/1689, Art. 2(6)"]
    assert outcome["obligations"] == []
    assert "does not apply" in outcome["trace"][-1]["explanation"]


def test_the_open_source_exclusion_applies_to_a_minimal_risk_system(eu_only: RuleSet) -> None:
    outcome = result(eu_only, out_of_scope=["open_source_non_high_risk"])

    assert outcome["risk"] == "out_of_scope"
    assert deciding(outcome)["article"] == "Art. 2(12)"


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({"transparency": ["50(1)"]}, "limited"),
        ({"annex_iii": ["4(a)"]}, "high"),
        ({"prohibited_practices": ["5(1)(e)"]}, "prohibited"),
    ],
)
def test_the_open_source_exclusion_does_not_cover_prohibited_high_risk_or_article_50_systems(
    eu_only: RuleSet, answers: dict[str, Any], risk: str
) -> None:
    outcome = result(eu_only, out_of_scope=["open_source_non_high_risk"], **answers)

    assert outcome["risk"] == risk
    first = outcome["trace"][0]
    assert (first["article"], first["outcome"]) == ("Art. 2(12)", "does_not_apply")


def test_a_valid_art_6_3_condition_lifts_an_annex_iii_system_out_of_high_risk(
    eu_only: RuleSet,
) -> None:
    outcome = result(eu_only, annex_iii=["4(a)"], art_6_3_condition="a")

    assert outcome["risk"] == "minimal"
    assert outcome["high_risk_route"] is None
    lifted = step(outcome, "art-6-3")
    assert (lifted["article"], lifted["outcome"]) == ("Art. 6(3)", "applies")
    # The provider documents the assessment (Art. 6(4)) and registers the system (Art. 49(2)).
    assert {f"{EU}art-6-3", f"{EU}art-49"} <= set(urns(outcome))
    assert f"{EU}art-9" not in urns(outcome)


def test_an_annex_iii_system_lifted_by_art_6_3_is_limited_risk_under_article_50(
    eu_only: RuleSet,
) -> None:
    outcome = result(eu_only, annex_iii=["3(b)"], art_6_3_condition="d", transparency=["50(1)"])

    assert outcome["risk"] == "limited"
    assert deciding(outcome)["rule"] == "limited"


def test_art_6_3_never_lifts_a_system_that_profiles_people(eu_only: RuleSet) -> None:
    outcome = result(eu_only, annex_iii=["4(a)"], art_6_3_condition="c", profiling=True)

    assert (outcome["risk"], outcome["high_risk_route"]) == ("high", "6(2)")
    decision = deciding(outcome)
    assert decision["rule"] == "art-6-3"
    assert decision["article"].startswith("Art. 6(3)")
    assert "last subparagraph" in decision["article"]
    assert "profiles" in decision["explanation"]


def test_an_article_50_situation_alone_is_limited_risk(eu_only: RuleSet) -> None:
    outcome = result(eu_only, transparency=["50(2)"])

    assert outcome["risk"] == "limited"
    assert outcome["transparency"] == ["50(2)"]
    assert urns(outcome) == [f"{EU}art-50-2", f"{EU}art-4"]


def test_a_system_no_rule_catches_is_minimal_risk_with_ai_literacy_only(eu_only: RuleSet) -> None:
    outcome = result(eu_only, sector="agriculture")

    assert outcome["risk"] == "minimal"
    assert deciding(outcome)["rule"] == "minimal"
    assert urns(outcome) == [f"{EU}art-4"]


# --- GPAI beside the risk tier ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "tier", "article"),
    [
        ({"training_flops": 2e25}, "gpai_systemic", "Art. 51(2)"),
        ({"training_flops": 1e25}, "gpai", "Art. 51"),  # "greater than" 10^25, not equal
        ({"training_flops": 1e22, "designated_systemic": True}, "gpai_systemic", "Art. 51(1)(b)"),
        ({"training_flops": 5e23}, "gpai", "Art. 51"),
    ],
)
def test_gpai_systemic_risk_by_compute_threshold_or_designation(
    eu_only: RuleSet, model: dict[str, Any], tier: str, article: str
) -> None:
    outcome = result(eu_only, gpai=model)

    assert outcome["gpai"] == tier
    assert step(outcome, "gpai")["article"] == article


def test_gpai_is_reported_beside_the_risk_tier_never_instead_of_it(eu_only: RuleSet) -> None:
    chatbot = result(eu_only, transparency=["50(1)"], gpai={"training_flops": 5e25})
    hiring = result(eu_only, annex_iii=["4(a)"], gpai={"training_flops": 1e23})

    assert (chatbot["risk"], chatbot["gpai"]) == ("limited", "gpai_systemic")
    assert (hiring["risk"], hiring["gpai"]) == ("high", "gpai")


def test_gpai_obligations_fall_on_the_model_provider(eu_only: RuleSet) -> None:
    provider = result(eu_only, gpai={"training_flops": 5e25})
    plain = result(eu_only, gpai={"training_flops": 5e22})
    deployer = result(eu_only, role="deployer", gpai={"training_flops": 5e25})

    assert {f"{EU}art-52", f"{EU}art-53", f"{EU}art-54", f"{EU}art-55"} <= set(urns(provider))
    assert f"{EU}art-53" in urns(plain) and f"{EU}art-55" not in urns(plain)
    assert not {f"{EU}art-{n}" for n in (52, 53, 54, 55)} & set(urns(deployer))
    assert any(
        s["article"] == "Art. 53" and "deployer" in s["explanation"] for s in deployer["trace"]
    )


def test_the_threshold_is_data_in_the_rules_file(eu_only: RuleSet) -> None:
    raw = yaml.safe_load(rule_data.RULES.read_text(encoding="utf-8"))

    assert raw["gpai"]["systemic_threshold_flops"] == 1e25
    assert eu_only.systemic_threshold_flops == 1e25


# --- transparency and obligations per role ---------------------------------------------------


def test_transparency_is_listed_for_a_high_risk_system(eu_only: RuleSet) -> None:
    outcome = result(eu_only, annex_iii=["1(c)"], transparency=["50(1)", "50(3)"])

    assert outcome["risk"] == "high"
    assert outcome["transparency"] == ["50(1)", "50(3)"]
    assert f"{EU}art-50-1" in urns(outcome)
    # 50(3) falls on the deployer: the trace says so, the provider's list leaves it out.
    other = next(s for s in outcome["trace"] if s["article"] == "Art. 50(3)")
    assert other["outcome"] == "does_not_apply"
    assert "deployer" in other["explanation"]
    assert f"{EU}art-50-3" not in urns(outcome)


def test_a_deployer_gets_the_deployer_paragraphs_of_article_50(eu_only: RuleSet) -> None:
    outcome = result(eu_only, role="deployer", transparency=["50(1)", "50(4)"])

    assert f"{EU}art-50-4" in urns(outcome)
    assert f"{EU}art-50-1" not in urns(outcome)
    assert (
        "provider"
        in next(s for s in outcome["trace"] if s["article"] == "Art. 50(1)")["explanation"]
    )


def test_providers_and_deployers_of_a_high_risk_system_have_different_obligations(
    eu_only: RuleSet,
) -> None:
    provider = result(eu_only, annex_iii=["4(a)"])
    deployer = result(eu_only, annex_iii=["4(a)"], role="deployer")

    assert set(HIGH_RISK_PROVIDER) <= set(urns(provider))
    assert f"{EU}art-26" not in urns(provider)
    assert urns(deployer) == [f"{EU}art-26", f"{EU}art-4"]
    assert {o["role"] for o in deployer["obligations"]} == {"deployer"}


@pytest.mark.parametrize(
    ("sector", "points", "fria"),
    [
        ("public-sector", ["4(a)"], True),
        ("finance", ["5(b)"], True),
        ("health", ["5(c)"], True),
        ("finance", ["4(a)"], False),
        ("education", ["3(a)"], False),
    ],
)
def test_the_fundamental_rights_impact_assessment_binds_public_bodies_and_5b_5c_deployers(
    eu_only: RuleSet, sector: str, points: list[str], fria: bool
) -> None:
    outcome = result(eu_only, role="deployer", sector=sector, annex_iii=points)

    assert (f"{EU}art-27" in urns(outcome)) is fria


def test_the_impact_assessment_is_not_for_an_annex_i_product(eu_only: RuleSet) -> None:
    outcome = result(eu_only, role="deployer", sector="public-sector", annex_i_product=True)

    assert f"{EU}art-27" not in urns(outcome)


# --- timelines and overlays ------------------------------------------------------------------


def test_the_omnibus_timeline_moves_high_risk_application_dates(
    eu_only: RuleSet, omnibus: RuleSet
) -> None:
    def dates(ruleset: RuleSet, **answers: Any) -> dict[str, str]:
        return {o["urn"]: o["applies_from"] for o in result(ruleset, **answers)["obligations"]}

    annex_iii_enacted, annex_iii_omnibus = (
        dates(r, annex_iii=["4(a)"]) for r in (eu_only, omnibus)
    )
    assert annex_iii_enacted[f"{EU}art-9"] == "2026-08-02"
    assert annex_iii_omnibus[f"{EU}art-9"] == "2027-12-02"
    assert annex_iii_enacted[f"{EU}art-4"] == annex_iii_omnibus[f"{EU}art-4"] == "2025-02-02"
    # Annex I products a year later (Art. 113(c)), and later still under the omnibus.
    assert dates(eu_only, annex_i_product=True)[f"{EU}art-9"] == "2027-08-02"
    assert dates(omnibus, annex_i_product=True)[f"{EU}art-9"] == "2028-08-02"
    assert result(omnibus, name="x")["timeline"] == "omnibus"


# --- the trace, determinism and the JSON -----------------------------------------------------


@pytest.mark.parametrize("answers", SAMPLE_PROFILES)
def test_every_trace_step_cites_its_article_and_one_step_decides(
    kh: RuleSet, answers: dict[str, Any]
) -> None:
    outcome = result(kh, **answers)

    assert [s["step"] for s in outcome["trace"]] == list(range(1, len(outcome["trace"]) + 1))
    assert all(s["article"] and s["explanation"] for s in outcome["trace"])
    assert sum(s["outcome"] == "decides" for s in outcome["trace"]) == 1
    assert outcome["citations"]
    ClassificationOut.model_validate(outcome)


def test_explanations_are_msgids_the_portal_can_translate(kh: RuleSet) -> None:
    profile = parse_profile({"name": "x", "annex_iii": ["5(b)"], "sector": "public-sector"})
    classification = classify(profile, kh)
    built_in = next(s for s in classification.trace if s.rule == "annex-iii")
    overlay = next(s for s in classification.trace if s.rule.startswith("kh:"))
    khmer = {built_in.message: "ប្រព័ន្ធ {points}"}

    assert built_in.params == {"points": "5(b)"}
    assert built_in.explanation("km", lambda msgid: khmer.get(msgid, msgid)) == "ប្រព័ន្ធ 5(b)"
    assert overlay.text is not None and overlay.explanation("km") == overlay.text["km"]
    assert built_in.to_json(4)["message"] == built_in.message


def test_the_same_profile_gives_identical_json_whatever_its_name(kh: RuleSet) -> None:
    answers = SAMPLE_PROFILES[2]
    first = json.dumps(result(kh, **answers), sort_keys=True, ensure_ascii=False)
    again = json.dumps(result(kh, **answers), sort_keys=True, ensure_ascii=False)
    renamed = json.dumps(
        result(kh, **{**answers, "name": "Other"}), sort_keys=True, ensure_ascii=False
    )

    assert first == again == renamed


def test_classify_many_gives_what_classify_gives_one_by_one(kh: RuleSet) -> None:
    profiles = [
        parse_profile({"name": f"system {n}", **answers})
        for n, answers in enumerate(SAMPLE_PROFILES * 3)
    ]
    profiles.append(parse_profile({"name": "agri", "sector": "agriculture", "annex_iii": ["2"]}))
    profiles.append(parse_profile({"name": "pub", "sector": "public-sector", "annex_iii": ["2"]}))

    many = classify_many(profiles, kh)

    assert [c.to_json() for c in many] == [classify(p, kh).to_json() for p in profiles]
    assert urns(many[-1].to_json()) != urns(many[-2].to_json())


def test_the_obligation_dates_parse_as_iso_dates(kh: RuleSet) -> None:
    for o in result(kh, annex_iii=["1(a)"], gpai={"training_flops": 1e26})["obligations"]:
        assert o["applies_from"] is None or date.fromisoformat(o["applies_from"])


# --- property: any valid profile classifies ----------------------------------------------------


def _subset(values: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), unique=True, max_size=3)


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    annex_iii = draw(_subset(ANNEX_III_POINTS))
    return {
        "name": draw(st.text(min_size=1, max_size=20).filter(str.strip)),
        "sector": draw(
            st.sampled_from(["finance", "public-sector", "health", "other", "Éducation"])
        ),
        "role": draw(st.sampled_from(["provider", "deployer"])),
        "out_of_scope": draw(_subset(EXCLUSIONS)),
        "prohibited_practices": draw(_subset(PROHIBITED_PRACTICES)),
        "annex_i_product": draw(st.booleans()),
        "annex_iii": annex_iii,
        "art_6_3_condition": draw(st.sampled_from(ART_6_3_CONDITIONS))
        if annex_iii and draw(st.booleans())
        else None,
        "profiling": draw(st.booleans()),
        "transparency": draw(_subset(TRANSPARENCY_PARAGRAPHS)),
        "gpai": draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "training_flops": st.floats(min_value=0, max_value=1e30),
                    "designated_systemic": st.booleans(),
                }
            )
        ),
    }


@settings(max_examples=300, deadline=None)
@given(data=profiles())
def test_any_valid_profile_classifies_into_one_of_the_five_tiers(data: dict[str, Any]) -> None:
    outcome = classify(parse_profile(data), shipped_ruleset("enacted", "kh")).to_json()

    assert outcome["risk"] in RISKS
    assert outcome["gpai"] in GPAI_TIERS
    assert (outcome["high_risk_route"] is not None) == (outcome["risk"] == "high")
    assert all(s["article"] for s in outcome["trace"])
    assert sum(s["outcome"] == "decides" for s in outcome["trace"]) == 1
    assert len(set(urns(outcome))) == len(outcome["obligations"])
