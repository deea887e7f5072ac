"""The council's built-in agent families on realistic bundles of the demo bank's credit scoring."""

from __future__ import annotations

import copy
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soai.council.agents import reading, retrieval
from soai.council.agents.base import LENSES, Agent, Evaluation, lookup, resolves
from soai.council.agents.roster import (
    FAMILIES,
    SeatSpec,
    _builtin,
    agent_for,
    check,
    default_roster,
    evaluate_all,
    warm_up,
)
from tests.council.bundles import demo_bundle, good_bundle

SUBJECT = {"type": "assessment", "id": "x-1", "title": "A system nobody described"}


def choices(results: list[tuple[int, Evaluation]]) -> Counter[str]:
    return Counter(e.choice for _, e in results)


def by_lens(results: list[tuple[int, Evaluation]], lens: str) -> dict[str, Evaluation]:
    seats = {s.seat: s for s in default_roster()}
    return {seats[n].family: e for n, e in results if seats[n].lens == lens}


def assert_citations_resolve(bundle: dict[str, Any], results: list[tuple[int, Evaluation]]) -> None:
    for seat, evaluation in results:
        assert evaluation.citations, f"seat {seat} cites nothing"
        for citation in evaluation.citations:
            assert resolves(bundle, citation), f"seat {seat}: {citation} points at nothing"


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    return good_bundle()


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return demo_bundle()


# --- The roster --------------------------------------------------------------------------------


def test_default_roster_seats_33_diverse_agents() -> None:
    roster = default_roster()
    check(roster)
    assert [s.seat for s in roster] == list(range(1, 34))
    assert Counter(s.kind for s in roster) == {"guardian": 11, "arbiter": 11, "scribe": 11}
    assert set(Counter(s.lens for s in roster).values()) == {3, 4}
    assert sorted(Counter(s.family for s in roster).values()) == [8, 8, 8, 9]
    for kind in ("guardian", "arbiter", "scribe"):
        assert {s.family for s in roster if s.kind == kind} == set(FAMILIES)
    for lens in LENSES:
        seated = [s.family for s in roster if s.lens == lens]
        assert len(set(seated)) == len(seated) >= 3  # each lens seen by different families
    for spec in roster:
        agent = agent_for(spec)
        assert isinstance(agent, Agent)
        assert (agent.family, agent.lens, spec.member) == (spec.family, spec.lens, "ai")


def test_a_family_may_not_hold_more_than_ten_seats() -> None:
    roster = [SeatSpec(n, "guardian", "safety", "rubric") for n in range(1, 12)]
    with pytest.raises(ValueError, match="at most 10"):
        check(roster)
    with pytest.raises(ValueError, match="belongs to guardian"):
        SeatSpec(1, "scribe", "safety", "rubric")


# --- Decisions on realistic bundles ------------------------------------------------------------


def test_a_good_system_gets_a_quorum_of_approvals(good: dict[str, Any]) -> None:
    results = evaluate_all(good, default_roster())
    assert len(results) == 33
    assert choices(results)["approve"] >= 22
    assert choices(results)["reject"] == 0
    assert_citations_resolve(good, results)
    assert all(e.citations for _, e in results if e.choice == "approve")


def test_the_biased_demo_system_is_rejected_on_fairness(demo: dict[str, Any]) -> None:
    results = evaluate_all(demo, default_roster())
    fairness = by_lens(results, "fairness")
    assert {e.choice for e in fairness.values()} == {"reject"}
    assert "province" in fairness["statistics"].rationale
    assert any("demographic_parity" in e.rationale for e in fairness.values())
    arbiter = [e for n, e in results if 12 <= n <= 22]
    assert sum(e.choice == "approve" for e in arbiter) < 6  # no Arbiter majority approves
    assert choices(results)["approve"] < 22  # no quorum approves the demo
    assert_citations_resolve(demo, results)


def test_families_see_different_things_through_the_same_lens(demo: dict[str, Any]) -> None:
    results = evaluate_all(demo, default_roster())
    fairness = by_lens(results, "fairness")
    # statistics cites the measured disparity, retrieval the requirements it contradicts
    assert all(c.startswith("assurance[") for c in fairness["statistics"].citations)
    assert "urn:soai:nist-ai-rmf:measure-2-11" in fairness["retrieval"].citations
    assert any(".verdicts[" in c for c in fairness["text"].citations)
    security = by_lens(results, "security")
    assert security["statistics"].choice == "approve"  # the robustness test passed ...
    assert security["retrieval"].choice == "reject"  # ... but Art. 15 accuracy failed
    documentation = by_lens(results, "documentation")
    assert documentation["statistics"].choice == "approve"  # every control has evidence ...
    assert documentation["text"].choice != "approve"  # ... but little is written down
    assert len({e.rationale for e in fairness.values()}) == len(fairness)


def test_lens_appropriate_findings(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    art_14 = next(c for c in bundle["controls"] if c["urn"] == "urn:soai:eu-ai-act:art-14")
    art_14["assessment"] = "not_effective"
    accountability = _builtin("rubric", "accountability").evaluate(bundle)
    assert accountability.choice == "reject"
    assert "controls[urn:soai:eu-ai-act:art-14]" in accountability.citations
    assert _builtin("rubric", "privacy").evaluate(bundle).choice == "approve"
    assert _builtin("rubric", "compliance").evaluate(bundle).choice == "reject"

    bundle = copy.deepcopy(good)
    for control in bundle["controls"]:
        if (
            control["urn"].startswith("urn:soai:kh:pdpl")
            or "privacy" in control["urn"]
            or (control["urn"] == "urn:soai:nist-ai-rmf:measure-2-10")
        ):
            control["implementation"] = "not_started"
    privacy = _builtin("rubric", "privacy").evaluate(bundle)
    assert privacy.choice == "reject"
    assert "personal data" in privacy.rationale.lower()
    assert _builtin("statistics", "privacy").evaluate(bundle).choice == "reject"

    bundle = copy.deepcopy(good)
    bundle["classification"]["risk"] = "prohibited"
    assert {_builtin("rubric", lens).evaluate(bundle).choice for lens in LENSES} == {"reject"}


def test_an_unresolved_critical_incident_is_a_safety_matter(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    bundle["subject"] = {"type": "incident", "id": "inc-7", "title": "Wrongful refusals"}
    bundle["incident"] = {"summary": "Hundreds of applicants were refused by mistake.",
                          "harm_type": "financial", "severity": "critical",
                          "affected_people": 450, "status": "investigating"}  # fmt: skip
    safety = _builtin("rubric", "safety").evaluate(bundle)
    assert safety.choice == "reject" and "incident.severity" in safety.citations
    reporting = _builtin("statistics", "reporting").evaluate(bundle)
    assert reporting.choice == "escalate" and "incident.affected_people" in reporting.citations


# --- Missing evidence --------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_a_bundle_with_no_evidence_is_escalated_by_every_agent(family: str) -> None:
    for lens in LENSES:
        evaluation = _builtin(family, lens).evaluate({"subject": SUBJECT})
        assert evaluation.choice == "escalate", (family, lens, evaluation.rationale)
        assert all(resolves({"subject": SUBJECT}, c) for c in evaluation.citations)


def test_missing_evidence_for_a_lens_escalates(good: dict[str, Any]) -> None:
    untested = {k: v for k, v in good.items() if k != "assurance"}
    fairness = _builtin("statistics", "fairness").evaluate(untested)
    assert fairness.choice == "escalate" and "no fairness test" in fairness.rationale
    assert _builtin("rubric", "fairness").evaluate(untested).choice == "escalate"
    assert _builtin("statistics", "security").evaluate(untested).choice == "escalate"

    undocumented = {k: v for k, v in good.items() if k != "documents"}
    assert _builtin("text", "documentation").evaluate(undocumented).choice == "escalate"

    unclassified = {k: v for k, v in good.items() if k not in ("classification", "controls")}
    assert _builtin("retrieval", "compliance").evaluate(unclassified).choice == "escalate"

    unknown_data = copy.deepcopy(good)
    del unknown_data["system"]["data_categories"]
    for family in ("rubric", "statistics"):
        assert _builtin(family, "privacy").evaluate(unknown_data).choice == "escalate"


def test_garbage_in_the_bundle_never_approves(good: dict[str, Any]) -> None:
    bundle = {"subject": SUBJECT, "system": "n/a", "controls": "all fine", "risks": [3, None],
              "assurance": [{"kind": "fairness", "verdicts": "ok"}], "documents": [{"text": 5}]}  # fmt: skip
    results = evaluate_all(bundle, default_roster())
    assert len(results) == 33
    assert choices(results)["approve"] == 0
    roster = [SeatSpec(1, "guardian", "safety", "no-such-family")]
    [(seat, failed)] = evaluate_all(good, roster)
    assert (seat, failed.choice, failed.confidence) == (1, "escalate", 0.0)
    assert "no-such-family" in failed.rationale


# --- The text family's models ------------------------------------------------------------------


def test_languages_are_detected_and_checked(good: dict[str, Any]) -> None:
    assert reading.detect(good["documents"][1]["text"])[0] == "km"
    assert reading.detect(good["documents"][0]["text"])[0] == "en"
    bundle = copy.deepcopy(good)
    bundle["documents"][1]["language"] = "en"  # Khmer text declared as English
    documentation = _builtin("text", "documentation").evaluate(bundle)
    assert documentation.choice == "escalate"
    assert "says en but reads as km" in documentation.rationale
    transparency = _builtin("text", "transparency").evaluate(good)
    assert "Khmer version is at documents[1]" in transparency.rationale


def test_hard_to_read_documentation_is_not_transparent(good: dict[str, Any]) -> None:
    bundle = copy.deepcopy(good)
    dense = (
        "Notwithstanding organisational considerations, the intended purpose necessitates "
        "comprehensive algorithmic individualised creditworthiness determinations, "
        "incorporating explanation methodologies characterising multidimensional "
        "probabilistic classification, interpretability, accountability and "
        "institutionalised verification infrastructures. "
    )
    bundle["documents"] = [{"title": "Notice", "text": dense * 6, "language": "en"}]
    transparency = _builtin("text", "transparency").evaluate(bundle)
    assert transparency.choice == "escalate"
    assert "hard to read" in transparency.rationale


# --- Properties --------------------------------------------------------------------------------


def test_evaluations_are_deterministic(demo: dict[str, Any]) -> None:
    first = evaluate_all(copy.deepcopy(demo), default_roster())
    reading.read.cache_clear()
    retrieval._passage_scores.cache_clear()
    assert evaluate_all(copy.deepcopy(demo), default_roster()) == first


def test_all_33_agents_evaluate_a_bundle_in_under_30_ms(good: dict[str, Any]) -> None:
    warm_up()
    roster = default_roster()
    timings = []
    for attempt in range(5):
        bundle = copy.deepcopy(good)  # new text each time: nothing of this bundle is cached
        bundle["documents"][0]["text"] += f"\nRevision {attempt} of the documentation."
        started = time.perf_counter()
        evaluate_all(bundle, roster)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.030, timings


def test_evaluation_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="choice"):
        Evaluation("maybe", 0.5, "why")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence"):
        Evaluation("approve", 1.5, "why")
    with pytest.raises(ValueError, match="longer"):
        Evaluation("approve", 0.5, "x" * 4001)
    assert Evaluation.escalate("y " * 3000).rationale.endswith("…")


def test_citations_resolve_into_the_bundle_or_the_catalogue(good: dict[str, Any]) -> None:
    assert lookup(good, "controls[urn:soai:eu-ai-act:art-10]")["ref"] == "Art. 10"
    assert lookup(good, "assurance[0].verdicts[1]")["metric"]
    assert lookup(good, "classification.trace[3]")["rule"] == "annex-iii"
    assert lookup(good, "risks[1]")["id"] == "2"
    assert resolves(good, "urn:soai:eu-ai-act:art-14")
    for missing in ("urn:soai:eu-ai-act:art-999", "controls[urn:soai:nowhere]", "documents[9]",
                    "system.colour", "assurance[0].verdicts[999]", "", ".system", "a..b"):  # fmt: skip
        assert not resolves(good, missing), missing


_LEAF = (
    st.none() | st.booleans() | st.integers(-5, 30) | st.floats(allow_nan=True)
    | st.sampled_from(["", "high", "fail", "implemented", "urn:soai:eu-ai-act:art-10", "personal",
                       "open", "km", "critical"])
    | st.text(max_size=20)
)  # fmt: skip
_FIELDS = st.sampled_from(
    ["urn", "kind", "verdict", "verdicts", "metric", "value", "text", "language", "level",
     "status", "risk", "obligations", "trace", "data_categories", "assessment", "implementation",
     "evidence_count", "applicable", "title", "likelihood", "impact", "severity", "purpose"]
)  # fmt: skip
_JSON = st.recursive(
    _LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_FIELDS, inner, max_size=6),
    max_leaves=20,
)
_PARTS = ("system", "classification", "risks", "controls", "assurance", "incident", "documents")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries({"subject": st.just(SUBJECT)}, optional=dict.fromkeys(_PARTS, _JSON)))
def test_no_family_breaks_on_a_malformed_bundle(bundle: dict[str, Any]) -> None:
    for family in FAMILIES:
        for lens in LENSES:
            evaluation = _builtin(family, lens).evaluate(bundle)  # unguarded: must not raise
            assert evaluation.citations
            assert all(resolves(bundle, c) for c in evaluation.citations), (family, lens)
