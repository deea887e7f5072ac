"""Who may sit on the council together: diversity rules that keep faults independent.

- No evaluator family (AI agents of the same model or the same code) holds more than
  ``FAULTS`` = 10 seats: a bug or a compromised model flips at most f votes.
- No stakeholder organisation holds more than 25 % of the seats (8 of 33).
Each human member is their own family. The checks run on the composition a change would
produce, so a refused change leaves the council as it was.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from soai.errors import InvalidInput
from soai.i18n.markers import N_

SEATS = 33
FAULTS = 10
ORGANISATION_SHARE = 0.25
MAX_PER_ORGANISATION = math.floor(SEATS * ORGANISATION_SHARE)  # 8
KINDS = ("guardian", "arbiter", "scribe")
LENSES = {
    "guardian": ("safety", "security", "privacy"),
    "arbiter": ("fairness", "transparency", "accountability"),
    "scribe": ("documentation", "compliance", "reporting"),
}
STAKEHOLDER_GROUPS = ("government", "industry", "academia", "civil_society")


@dataclass(frozen=True)
class Holding:
    seat: int
    family: str
    organisation: str


def check(holdings: Iterable[Holding]) -> None:
    """Refuse a composition that breaks a diversity rule, naming the rule and who breaks it."""
    listed = list(holdings)
    families = Counter(h.family for h in listed)
    family, count = max(families.items(), key=lambda item: item[1], default=("", 0))
    if count > FAULTS:
        raise InvalidInput(
            N_("The evaluator family {family} would hold {count} seats; at most {limit} may "
               "share a model or code, so that one fault cannot decide."),
            field="family", family=family, count=count, limit=FAULTS,
        )  # fmt: skip
    organisations = Counter(h.organisation for h in listed if h.organisation)
    organisation, count = max(organisations.items(), key=lambda item: item[1], default=("", 0))
    if count > MAX_PER_ORGANISATION:
        raise InvalidInput(
            N_("{organisation} would hold {count} seats; no organisation may hold more than "
               "25% of the council ({limit} seats)."),
            field="organisation", organisation=organisation, count=count,
            limit=MAX_PER_ORGANISATION,
        )  # fmt: skip


def kind_of(lens: str) -> str:
    for kind, lenses in LENSES.items():
        if lens in lenses:
            return kind
    raise InvalidInput(
        N_("Unknown lens {lens}; the lenses are: {known}."),
        field="lens",
        lens=lens,
        known=", ".join(lens for lenses in LENSES.values() for lens in lenses),
    )
