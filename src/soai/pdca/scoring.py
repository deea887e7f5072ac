"""The compliance score of a cycle and its maturity level.

Score = weighted effective controls over applicable controls: an effective control counts its
full weight, a partly effective one half, a not effective (or not yet assessed) one nothing;
controls assessed "not applicable" and controls excluded in the Statement of Applicability are
left out. Computed per framework and overall, in percent. Maturity: Bronze < 40, Silver 40–70,
Gold 70–90, Platinum ≥ 90 — Gold and above only when an independent analyst assessed the cycle
(otherwise the level is capped at Silver and the reason is given).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CREDIT = {"effective": 1.0, "partly": 0.5, "not_effective": 0.0}
LEVELS = (("platinum", 90.0), ("gold", 70.0), ("silver", 40.0), ("bronze", 0.0))
NEEDS_INDEPENDENCE = ("gold", "platinum")


@dataclass(frozen=True)
class Scored:
    framework: str
    weight: float
    applicable: bool
    assessment: str | None


@dataclass(frozen=True)
class Score:
    overall: float | None
    by_framework: dict[str, float]
    maturity: str | None
    capped: bool  # Gold or Platinum reached without an independent assessment


def score(controls: Iterable[Scored], *, independent: bool) -> Score:
    earned: dict[str, float] = {}
    possible: dict[str, float] = {}
    assessed = False
    for control in controls:
        assessed = assessed or control.assessment is not None
        if not control.applicable or control.assessment == "not_applicable":
            continue
        possible[control.framework] = possible.get(control.framework, 0.0) + control.weight
        credit = CREDIT.get(control.assessment or "", 0.0)
        earned[control.framework] = earned.get(control.framework, 0.0) + credit * control.weight
    if not assessed:  # nothing assessed yet: no score, rather than a score of zero
        return Score(None, {}, None, False)
    by_framework = {
        framework: round(100 * earned.get(framework, 0.0) / total, 1)
        for framework, total in sorted(possible.items())
        if total > 0
    }
    total = sum(possible.values())
    if total <= 0:
        return Score(None, by_framework, None, False)
    overall = round(100 * sum(earned.values()) / total, 1)
    level = maturity(overall)
    capped = level in NEEDS_INDEPENDENCE and not independent
    return Score(overall, by_framework, "silver" if capped else level, capped)


def maturity(percent: float) -> str:
    for level, floor in LEVELS:
        if percent >= floor:
            return level
    return "bronze"
