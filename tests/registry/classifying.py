"""What the classification tests share: the rulesets, a classifier of answers, sample profiles."""

from __future__ import annotations

import functools
from typing import Any

from soai.catalog.service import catalogue
from soai.registry.rules import RuleSet, classify, load_ruleset
from soai.registry.schemas import parse_profile

EU = "urn:soai:eu-ai-act:"
KH = "urn:soai:kh:"


@functools.cache
def shipped_ruleset(timeline: str, *overlays: str) -> RuleSet:
    """The shipped rules and catalogue, loaded once per test session."""
    return load_ruleset(timeline=timeline, overlays=overlays, catalogue=catalogue())


def result(ruleset: RuleSet, **answers: Any) -> dict[str, Any]:
    return classify(parse_profile({"name": "System under test", **answers}), ruleset).to_json()


def urns(outcome: dict[str, Any]) -> list[str]:
    return [o["urn"] for o in outcome["obligations"]]


def step(outcome: dict[str, Any], rule: str) -> dict[str, Any]:
    return next(s for s in outcome["trace"] if s["rule"] == rule)


def deciding(outcome: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in outcome["trace"] if s["outcome"] == "decides")


SAMPLE_PROFILES: list[dict[str, Any]] = [
    {},
    {"sector": "public-sector", "role": "deployer", "annex_iii": ["5(a)"]},
    {"annex_iii": ["5(b)", "4(a)"], "profiling": True, "transparency": ["50(1)", "50(2)"]},
    {"annex_iii": ["8(a)"], "art_6_3_condition": "b", "transparency": ["50(4)"]},
    {"prohibited_practices": ["5(1)(a)", "5(1)(f)"], "transparency": ["50(3)"]},
    {"out_of_scope": ["military"], "gpai": {"training_flops": 3e25}},
    {"out_of_scope": ["open_source_non_high_risk"], "gpai": {"training_flops": 1e20}},
    {"annex_i_product": True, "role": "deployer", "gpai": {"training_flops": 2e24}},
    {"transparency": ["50(2)"], "gpai": {"training_flops": 1e21, "designated_systemic": True}},
]
