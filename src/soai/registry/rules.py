"""The EU AI Act risk classification engine: pure, data-driven and explainable.

:func:`classify` follows the six rules of ``contracts/ai-system-profile.md`` in order — the first
that applies decides the risk tier — and records every step it takes, each citing its article:

1. an Art. 2 exclusion that applies → ``out_of_scope`` (the open-source one only for a system
   that is neither prohibited, high-risk nor under Art. 50);
2. a practice of Art. 5(1) → ``prohibited``;
3. an Annex I product → ``high``, route ``6(1)``;
4. an Annex III use → ``high``, route ``6(2)``, unless a valid Art. 6(3) condition is relied on
   and the system does not profile natural persons;
5. an Art. 50 situation → ``limited``;
6. otherwise ``minimal``.

The GPAI tier (Art. 51) is reported beside the risk tier, never instead of it; the Art. 50
paragraphs are listed for every system in scope, high-risk ones included. National overlays
then add their obligations and steps; they never change the EU tier. The facts (Annex III,
thresholds, obligations) are data: see :mod:`soai.registry.ruleset`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from soai.registry.classification import Classification, Obligation, TraceStep
from soai.registry.conditions import Facts
from soai.registry.explanations import (
    Steps,
    annex_iii_step,
    gpai_step,
    prohibited_step,
    steps,
)
from soai.registry.rule_data import RulesetError
from soai.registry.ruleset import RuleSet, TierObligations, load_ruleset
from soai.registry.schemas import SystemProfile

HIGH_RISK_TIERS = {"6(1)": "high:6(1)", "6(2)": "high:6(2)"}

__all__ = [
    "Classification",
    "RuleSet",
    "RulesetError",
    "TraceStep",
    "classify",
    "classify_many",
    "load_ruleset",
]


def classify(profile: SystemProfile, ruleset: RuleSet) -> Classification:
    """The classification of ``profile`` under ``ruleset``: risk, GPAI tier, obligations, trace."""
    table = steps(ruleset)
    trace: list[TraceStep] = []
    lifted = (
        bool(profile.annex_iii) and profile.art_6_3_condition is not None and not profile.profiling
    )
    # Rule 1 needs to know what rules 2-5 would decide (Art. 2(12) depends on it).
    if profile.prohibited_practices:
        would_be = "prohibited"
    elif profile.annex_i_product or (profile.annex_iii and not lifted):
        would_be = "high"
    elif profile.transparency:
        would_be = "limited"
    else:
        would_be = "minimal"

    transparency: tuple[str, ...] = ()
    if _excluded(profile, would_be, table, trace):
        risk, route = "out_of_scope", None
    else:
        risk, route = _decide(profile, ruleset, table, trace)
        transparency = _transparency(profile, ruleset, table, trace)
        if risk == "minimal":  # rules 5 and 6
            risk = "limited" if transparency else "minimal"
            trace.append(table.limited if transparency else table.minimal)
        trace.append(table.literacy)
    gpai = _gpai(profile, risk, ruleset, table, trace)

    facts = Facts(
        risk=risk,
        route=route,
        gpai=gpai,
        # Conditions only ask whether the sector is one they name: any other sector is "".
        sector=profile.sector if profile.sector in ruleset.sectors else "",
        role=profile.role,
        profiling=profile.profiling,
        annex_iii=profile.annex_iii,
        transparency=profile.transparency,
    )
    obligations = _eu_obligations(profile, ruleset, facts, lifted) if risk != "out_of_scope" else []
    if ruleset.overlays:
        added, steps_added = _overlays(facts, ruleset)
        obligations.extend(added)
        trace.extend(steps_added)
    unique: dict[str, Obligation] = {}
    for obligation in obligations:
        unique.setdefault(obligation.urn, obligation)
    citations: dict[str, None] = {}
    for step in trace:
        if step.citations and step.outcome != "does_not_apply":
            citations.update(dict.fromkeys(step.citations))
    return Classification(
        risk=risk,
        gpai=gpai,
        high_risk_route=route,
        transparency=transparency,
        obligations=tuple(unique.values()),
        citations=tuple(citations),
        trace=tuple(trace),
        rules_version=ruleset.version,
        catalogue_version=ruleset.catalogue_version,
        timeline=ruleset.timeline,
        overlays=ruleset.overlay_ids,
    )


def classify_many(profiles: Iterable[SystemProfile], ruleset: RuleSet) -> list[Classification]:
    """:func:`classify` for each profile, in order, for bulk imports and reclassification.

    A classification is a pure function of the profile without its ``name`` (and of its sector
    only when some rule names that sector), and it is immutable, so profiles that give the same
    decision-relevant answers share one result, classified once.
    """
    known: dict[tuple[object, ...], Classification] = {}
    results: list[Classification] = []
    sectors = ruleset.sectors
    for profile in profiles:
        model = profile.gpai
        key = (
            profile.role,
            profile.sector if profile.sector in sectors else "",
            profile.out_of_scope,
            profile.prohibited_practices,
            profile.annex_i_product,
            profile.annex_iii,
            profile.art_6_3_condition,
            profile.profiling,
            profile.transparency,
            (model.training_flops, model.designated_systemic) if model is not None else None,
        )
        result = known.get(key)
        if result is None:
            result = known[key] = classify(profile, ruleset)
        results.append(result)
    return results


def _excluded(profile: SystemProfile, would_be: str, table: Steps, trace: list[TraceStep]) -> bool:
    """Rule 1 (Art. 2): the first claimed exclusion that applies decides ``out_of_scope``."""
    if not profile.out_of_scope:
        trace.append(table.in_scope)
        return False
    for exclusion, step in table.excluded.items():
        if exclusion not in profile.out_of_scope:
            continue
        if exclusion == "open_source_non_high_risk" and would_be != "minimal":
            trace.append(table.open_source_not_excluded[would_be])
            continue
        trace.append(step)
        return True
    return False


def _decide(
    profile: SystemProfile, ruleset: RuleSet, table: Steps, trace: list[TraceStep]
) -> tuple[str, str | None]:
    """Rules 2-4: prohibited, then Annex I, then Annex III (with Art. 6(3)). ``minimal`` if none."""
    if profile.prohibited_practices:
        points = tuple(p for p in ruleset.practices if p in profile.prohibited_practices)
        trace.append(prohibited_step(points, ruleset))
        return "prohibited", None
    trace.append(table.no_prohibited)
    if profile.annex_i_product:
        trace.append(table.annex_i)
        return "high", "6(1)"
    trace.append(table.no_annex_i)
    if not profile.annex_iii:
        trace.append(table.no_annex_iii)
        return "minimal", None
    listed = tuple(p for p in ruleset.annex_iii_points if p in profile.annex_iii)
    decision = annex_iii_step(
        listed, ruleset, condition=profile.art_6_3_condition, profiling=profile.profiling
    )
    trace.append(decision[0])
    trace.extend(table.annex_iii_notes[p] for p in listed if p in table.annex_iii_notes)
    trace.extend(decision[1:])
    return ("high", "6(2)") if decision[-1].outcome == "decides" else ("minimal", None)


def _transparency(
    profile: SystemProfile,
    ruleset: RuleSet,
    table: Steps,
    trace: list[TraceStep],
) -> tuple[str, ...]:
    """Rule 5 (Art. 50), looked at for every system in scope: the paragraphs that apply."""
    if not profile.transparency:
        trace.append(table.no_transparency)
        return ()
    paragraphs = tuple(p for p in ruleset.paragraphs if p in profile.transparency)
    trace.extend(table.transparency[p, profile.role] for p in paragraphs)
    return paragraphs


def _gpai(
    profile: SystemProfile, risk: str, ruleset: RuleSet, table: Steps, trace: list[TraceStep]
) -> str:
    """The GPAI tier (Art. 51): systemic above the compute threshold or when designated."""
    model = profile.gpai
    if model is None:
        if risk != "out_of_scope":
            trace.append(table.no_gpai)
        return "none"
    systemic = model.designated_systemic or model.training_flops > ruleset.systemic_threshold_flops
    tier = "gpai_systemic" if systemic else "gpai"
    in_scope, provider = risk != "out_of_scope", profile.role == "provider"
    trace.append(
        gpai_step(model.training_flops, tier, ruleset, in_scope=in_scope, provider_duties=provider)
    )
    if not in_scope:
        trace.append(table.gpai_out_of_scope)
    elif not provider:
        trace.append(table.gpai_deployer)
    return tier


def _eu_obligations(
    profile: SystemProfile, ruleset: RuleSet, facts: Facts, lifted: bool
) -> list[Obligation]:
    """The EU obligations of the profile's party, tier by tier, in a stable order."""
    role, tables = profile.role, ruleset.obligations
    found: list[Obligation] = []
    if facts.risk == "prohibited":
        _add(found, tables["prohibited", role], facts)
        found.extend(
            practice.obligations[role]
            for key, practice in ruleset.practices.items()
            if key in profile.prohibited_practices
        )
    elif facts.route is not None:
        _add(found, tables[HIGH_RISK_TIERS[facts.route], role], facts)
    elif lifted:
        _add(found, tables["annex_iii_not_high_risk", role], facts)
    if profile.transparency:
        found.extend(
            paragraph.obligation
            for key, paragraph in ruleset.paragraphs.items()
            if paragraph.party == role and key in profile.transparency
        )
    if facts.gpai != "none":
        _add(found, tables[facts.gpai, role], facts)
    _add(found, tables["in_scope", role], facts)
    return found


@lru_cache(maxsize=4096)
def _overlays(
    facts: Facts, ruleset: RuleSet
) -> tuple[tuple[Obligation, ...], tuple[TraceStep, ...]]:
    """What the overlays add for these facts (few distinct ones in a register: cached)."""
    added: list[Obligation] = []
    steps_added: list[TraceStep] = []
    for overlay in ruleset.overlays:
        for rule in overlay.rules:
            if rule.condition(facts):
                added.extend(rule.obligations[facts.role])
                steps_added.append(rule.step)
    return tuple(added), tuple(steps_added)


def _add(found: list[Obligation], tier: TierObligations, facts: Facts) -> None:
    found.extend(tier.always)
    for obligation, condition in tier.conditional:
        if condition(facts):
            found.append(obligation)
