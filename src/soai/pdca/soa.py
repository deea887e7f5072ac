"""The Statement of Applicability of a cycle, generated from the catalogue (ISO/IEC 42001 6.1.3).

What applies to a system: the obligations its classification lists for its tier and role (EU
AI Act and national overlay), every ISO/IEC 42001 Annex A control (the management system's
reference controls: each stays applicable unless excluded with a justification), and what the
crosswalks link to the obligations (NIST AI RMF subcategories, ASEAN principles), so that one
piece of evidence can be offered for several frameworks. Weights: a legal obligation counts
twice a reference control in the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from soai.catalog.catalogue import Catalogue

WEIGHTS = {"obligation": 2.0, "annex-a": 1.0, "crosswalk": 1.0}
ANNEX_A = "iso-42001"
CROSSWALK_FRAMEWORKS = ("nist-ai-rmf", "asean-guide")


@dataclass(frozen=True)
class Line:
    urn: str
    framework: str
    source: str
    weight: float


def statement(catalogue: Catalogue, *, obligations: Sequence[str]) -> list[Line]:
    """The lines of the Statement of Applicability, in catalogue order, each URN once."""
    chosen: dict[str, str] = {}
    for urn in obligations:
        if urn in catalogue.requirements:
            chosen[urn] = "obligation"
    for requirement in catalogue.of_framework(ANNEX_A):
        if requirement.kind == "control":
            chosen.setdefault(requirement.urn, "annex-a")
    for urn in obligations:
        for related in catalogue.related(urn):
            if catalogue.requirements[related].framework in CROSSWALK_FRAMEWORKS:
                chosen.setdefault(related, "crosswalk")
    return [
        Line(urn, catalogue.requirements[urn].framework, chosen[urn], WEIGHTS[chosen[urn]])
        for urn in catalogue.requirements
        if urn in chosen
    ]


def also_serves(catalogue: Catalogue, urn: str, in_statement: set[str]) -> list[str]:
    """Other lines of the statement that evidence for ``urn`` also serves (via crosswalks)."""
    return [other for other in catalogue.related(urn) if other in in_statement]
