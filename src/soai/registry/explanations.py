"""The built-in trace steps of the EU AI Act rules, with their English msgids.

Every explanation is an English msgid marked with ``N_`` whose parameters are language-neutral
(article references, Annex III point codes, numbers), so the portal can render it in Khmer with
gettext. Steps that do not depend on the profile are built once per ruleset and shared by every
classification; :func:`steps` caches them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from soai.i18n.markers import N_
from soai.registry.classification import TraceStep
from soai.registry.ruleset import RuleSet

EXCLUDED: Mapping[str, str] = {
    "military": N_(
        "The system is placed on the market, put into service or used exclusively for military, "
        "defence or national security purposes: the Regulation does not apply to it."
    ),
    "research_only": N_(
        "The system is developed and put into service for the sole purpose of scientific "
        "research and development: the Regulation does not apply to it."
    ),
    "personal_non_professional": N_(
        "The system is used by a natural person in a purely personal, non-professional "
        "activity: the Regulation does not apply to it."
    ),
    "open_source_non_high_risk": N_(
        "The system is released under a free and open-source licence and is neither "
        "prohibited, high-risk nor subject to Art. 50: the Regulation does not apply to it."
    ),
}
OPEN_SOURCE_NOT_EXCLUDED: Mapping[str, str] = {
    "prohibited": N_(
        "The system is released under a free and open-source licence, but that exclusion does "
        "not cover a system that performs a practice prohibited by Art. 5."
    ),
    "high": N_(
        "The system is released under a free and open-source licence, but that exclusion does "
        "not cover a high-risk system."
    ),
    "limited": N_(
        "The system is released under a free and open-source licence, but that exclusion does "
        "not cover a system subject to the transparency obligations of Art. 50."
    ),
}
PROHIBITED = N_(
    "The system performs a practice prohibited by Art. 5(1), point(s) {points}: it must not be "
    "placed on the market, put into service or used."
)
ANNEX_III_HIGH = N_(
    "An intended use of the system is listed in Annex III, point(s) {points}: the system is "
    "high-risk."
)
ANNEX_III_LISTED = N_(
    "An intended use of the system is listed in Annex III, point(s) {points}: the system is "
    "high-risk unless Art. 6(3) lifts it out."
)
ART_6_3_LIFTS = N_(
    "The provider relies on condition ({condition}) of Art. 6(3) and the system does not "
    "profile natural persons: it is not high-risk. The provider must document this assessment "
    "before placing the system on the market (Art. 6(4)) and register it (Art. 49(2))."
)
ART_6_3_PROFILING = N_(
    "The provider relies on condition ({condition}) of Art. 6(3), but the system profiles "
    "natural persons, and an Annex III system that profiles is always high-risk: the system is "
    "high-risk."
)
TRANSPARENCY_OWN: Mapping[str, str] = {
    "provider": N_(
        "{article} applies to the system; this transparency obligation falls on the provider."
    ),
    "deployer": N_(
        "{article} applies to the system; this transparency obligation falls on the deployer."
    ),
}
TRANSPARENCY_OTHER: Mapping[str, str] = {
    "provider": N_(
        "{article} applies to the system, but this transparency obligation falls on the "
        "provider, not on this deployer, so it is not listed."
    ),
    "deployer": N_(
        "{article} applies to the system, but this transparency obligation falls on the "
        "deployer, not on this provider, so it is not listed."
    ),
}
GPAI_SYSTEMIC_BY_COMPUTE = N_(
    "The system is built on a general-purpose AI model trained with {flops} FLOP, more than the "
    "{threshold} FLOP threshold: the model is presumed to have systemic risk."
)
GPAI_SYSTEMIC_DESIGNATED = N_(
    "The system is built on a general-purpose AI model trained with {flops} FLOP that the "
    "Commission has designated as having systemic risk."
)
GPAI_PLAIN = N_(
    "The system is built on a general-purpose AI model trained with {flops} FLOP, not more than "
    "the {threshold} FLOP threshold, and not designated as having systemic risk: the general "
    "obligations of model providers apply."
)


@dataclass(frozen=True, slots=True)
class Steps:
    """The steps that do not depend on the profile, built once per ruleset."""

    in_scope: TraceStep
    excluded: Mapping[str, TraceStep]
    open_source_not_excluded: Mapping[str, TraceStep]
    no_prohibited: TraceStep
    annex_i: TraceStep
    no_annex_i: TraceStep
    no_annex_iii: TraceStep
    annex_iii_notes: Mapping[str, TraceStep]
    art_6_3_lifts: Mapping[str, TraceStep]
    transparency: Mapping[tuple[str, str], TraceStep]
    """``(paragraph, profile role)`` → the step."""
    no_transparency: TraceStep
    limited: TraceStep
    minimal: TraceStep
    literacy: TraceStep
    no_gpai: TraceStep
    gpai_deployer: TraceStep
    gpai_out_of_scope: TraceStep


@lru_cache(maxsize=16)
def steps(ruleset: RuleSet) -> Steps:
    cite = ruleset.cite
    return Steps(
        in_scope=TraceStep(
            "out-of-scope",
            "Art. 2",
            "does_not_apply",
            N_("No exclusion of Art. 2 is claimed: the Regulation applies to the system."),
        ),
        excluded={
            key: TraceStep(
                "out-of-scope",
                exclusion.article,
                "decides",
                EXCLUDED[key],
                citations=(cite(exclusion.article),),
            )
            for key, exclusion in ruleset.exclusions.items()
        },
        open_source_not_excluded={
            risk: TraceStep(
                "out-of-scope",
                ruleset.exclusions["open_source_non_high_risk"].article,
                "does_not_apply",
                message,
            )
            for risk, message in OPEN_SOURCE_NOT_EXCLUDED.items()
        },
        no_prohibited=TraceStep(
            "prohibited",
            "Art. 5(1)",
            "does_not_apply",
            N_("The system performs none of the practices prohibited by Art. 5(1)."),
        ),
        annex_i=TraceStep(
            "annex-i",
            ruleset.routes["6(1)"],
            "decides",
            N_(
                "The system is, or is a safety component of, a product under the Union "
                "harmonisation legislation of Annex I that needs a third-party conformity "
                "assessment: it is high-risk."
            ),
            citations=(cite(f"{ruleset.routes['6(1)']} and Annex I"),),
        ),
        no_annex_i=TraceStep(
            "annex-i",
            ruleset.routes["6(1)"],
            "does_not_apply",
            N_(
                "The system is not a product, or a safety component of a product, that needs a "
                "third-party conformity assessment under the Annex I legislation."
            ),
        ),
        no_annex_iii=TraceStep(
            "annex-iii",
            ruleset.routes["6(2)"],
            "does_not_apply",
            N_("None of the system's intended uses is listed in Annex III."),
        ),
        annex_iii_notes={
            point: TraceStep("annex-iii-note", f"Annex III point {point}", "applies", text=note)
            for point, note in ruleset.annex_iii_notes.items()
        },
        art_6_3_lifts={
            condition: TraceStep(
                "art-6-3",
                "Art. 6(3)",
                "applies",
                ART_6_3_LIFTS,
                {"condition": condition},
                citations=(cite(f"Art. 6(3), point ({condition}), and Art. 6(4)"),),
            )
            for condition in ruleset.art_6_3_conditions
        },
        transparency={
            (key, role): TraceStep(
                "transparency",
                paragraph.article,
                "applies" if paragraph.party == role else "does_not_apply",
                (TRANSPARENCY_OWN if paragraph.party == role else TRANSPARENCY_OTHER)[
                    paragraph.party
                ],
                {"article": paragraph.article},
                citations=(cite(paragraph.article),),
            )
            for key, paragraph in ruleset.paragraphs.items()
            for role in ("provider", "deployer")
        },
        no_transparency=TraceStep(
            "transparency",
            "Art. 50",
            "does_not_apply",
            N_(
                "None of the situations of Art. 50 applies: the system does not interact with "
                "people, generate synthetic content, recognise emotions, categorise people "
                "biometrically or make deep fakes."
            ),
        ),
        limited=TraceStep(
            "limited",
            "Art. 50",
            "decides",
            N_(
                "The system is neither prohibited nor high-risk, and Art. 50 applies to it: it "
                "is limited risk, with transparency obligations."
            ),
            citations=(cite("Art. 50"),),
        ),
        minimal=TraceStep(
            "minimal",
            "Art. 95",
            "decides",
            N_(
                "The system is neither prohibited nor high-risk, and Art. 50 does not apply to "
                "it: it is minimal risk. Voluntary codes of conduct are encouraged."
            ),
            citations=(cite("Art. 95"),),
        ),
        literacy=TraceStep(
            "ai-literacy",
            "Art. 4",
            "applies",
            N_(
                "Providers and deployers of every AI system in scope must ensure that their "
                "staff have a sufficient level of AI literacy."
            ),
            citations=(cite("Art. 4"),),
        ),
        no_gpai=TraceStep(
            "gpai",
            "Art. 51",
            "does_not_apply",
            N_(
                "The system is not, and is not built on, a general-purpose AI model that its "
                "provider places on the market."
            ),
        ),
        gpai_deployer=TraceStep(
            "gpai",
            "Art. 53",
            "does_not_apply",
            N_(
                "The obligations of providers of general-purpose AI models fall on the model's "
                "provider, not on this deployer, so they are not listed."
            ),
        ),
        gpai_out_of_scope=TraceStep(
            "gpai",
            "Art. 2",
            "does_not_apply",
            N_(
                "The Regulation does not apply to this system, so no obligations for its "
                "general-purpose AI model are listed."
            ),
        ),
    )


# The steps below depend on the profile; a register holds few distinct answer sets, so each is
# built once (immutable, shared) and looked up afterwards.


@lru_cache(maxsize=4096)
def prohibited_step(points: tuple[str, ...], ruleset: RuleSet) -> TraceStep:
    """``points`` are ``5(1)(c)``-style keys, in the rules' order."""
    return TraceStep(
        "prohibited",
        "Art. 5(1)",
        "decides",
        PROHIBITED,
        {"points": ", ".join(point.removeprefix("5(1)") for point in points)},
        citations=tuple(ruleset.cite(ruleset.practices[point].article) for point in points),
    )


@lru_cache(maxsize=4096)
def annex_iii_step(
    points: tuple[str, ...], ruleset: RuleSet, *, condition: str | None, profiling: bool
) -> tuple[TraceStep, ...]:
    """The Art. 6(2) step, and the Art. 6(3) step when a condition is relied on."""
    listed = ", ".join(points)
    annex = "point" if len(points) == 1 else "points"
    routed = ruleset.cite(f"{ruleset.routes['6(2)']} and Annex III {annex} {listed}")
    article = ruleset.routes["6(2)"]
    params = {"points": listed}
    if condition is None:
        return (
            TraceStep("annex-iii", article, "decides", ANNEX_III_HIGH, params, None, (routed,)),
        )
    first = TraceStep("annex-iii", article, "applies", ANNEX_III_LISTED, params, None, (routed,))
    if not profiling:
        return (first, steps(ruleset).art_6_3_lifts[condition])
    last = "Art. 6(3), last subparagraph"
    return (
        first,
        TraceStep(
            "art-6-3",
            last,
            "decides",
            ART_6_3_PROFILING,
            {"condition": condition},
            citations=(ruleset.cite(last),),
        ),
    )


@lru_cache(maxsize=4096)
def gpai_step(
    flops: float, tier: str, ruleset: RuleSet, *, in_scope: bool, provider_duties: bool
) -> TraceStep:
    """The Art. 51 step: it cites the model provider's articles when they are listed, and
    nothing when the Regulation does not apply to the system."""
    params = {"flops": scientific(flops), "threshold": scientific(ruleset.systemic_threshold_flops)}
    duties: tuple[str, ...]
    if tier == "gpai":
        article, message, duties = "Art. 51", GPAI_PLAIN, ("Art. 53",)
    elif flops > ruleset.systemic_threshold_flops:
        article, message, duties = "Art. 51(2)", GPAI_SYSTEMIC_BY_COMPUTE, ("Art. 53", "Art. 55")
    else:
        article, message, duties = "Art. 51(1)(b)", GPAI_SYSTEMIC_DESIGNATED, ("Art. 53", "Art. 55")
    cited = ((article, *duties) if provider_duties else (article,)) if in_scope else ()
    return TraceStep(
        "gpai", article, "applies", message, params, None, tuple(map(ruleset.cite, cited))
    )


def scientific(value: float) -> str:
    """``3e25`` → ``3 × 10^25``; small numbers as they are."""
    if value < 1e4:
        return f"{value:g}"
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10**exponent, 3)
    if mantissa >= 10:  # rounding carried over
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:g} × 10^{exponent}"
