"""The ``statistics`` family: thresholds on measured numbers, confidence from the distance.

Every reading of a lens is put on one scale, *z*: how far a value lies on the good side of its
fail limit, in units of the band between the fail and the warn limit. ``z < 0`` fails,
``0 <= z < 1`` is in the warning band, ``z >= 1`` passes. The lens takes its worst reading:
fail rejects, the warning band escalates, a pass approves, and the further the worst value is
from the limit, the higher the confidence. Readings come from the assurance tests (limits of
the assurance policy, ``assurance/data/policy.yaml``), the risk register (likelihood × impact)
and shares of the Statement of Applicability (implemented, evidenced). A stored verdict that is
worse than the default policy says (a profile's stricter threshold) is respected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from soai.assurance import policy
from soai.council.agents.base import LENSES, Bundle, Choice, Evaluation, shorten

FAMILY = "statistics"
SHARE_RULE = policy.Rule(fail_below=0.5, warn_below=0.8)
"""The limits of a share (of controls evidenced, risks treated, ...)."""
_STORED = {"pass": 1.5, "warn": 0.5, "not_available": 0.5, "fail": -0.5}
_TREATED = ("treated", "accepted", "closed")
_METRICS = {
    "fairness": ("fairness", ()),
    "safety": ("performance", ("robustness",)),
    "security": ("robustness", ()),
}
_PATTERNS = {
    "privacy": re.compile(r"pdpl|privacy|measure-2-10"),
    "transparency": re.compile(r"art-13$|art-50|a-8-2$|measure-2-[89]$|transparency"),
}


@dataclass(frozen=True)
class _Reading:
    z: float
    text: str
    citation: str


class StatisticsAgent:
    """Statistical thresholds on the numbers the bundle holds for one lens."""

    family = FAMILY

    def __init__(self, lens: str) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r}")
        self.lens = lens

    def evaluate(self, bundle: Bundle) -> Evaluation:
        readings, missing = _LENSES[self.lens](bundle)
        head = f"Statistical check of {self.lens}:"
        if not readings:
            return Evaluation.escalate(
                f"{head} {missing} Nothing can be measured, so people must judge."
            )
        worst = min(readings, key=lambda r: r.z)
        failing = [r for r in readings if r.z < 0]
        choice: Choice
        if worst.z < 0:
            choice, confidence = "reject", 0.55 + 0.4 * min(1.0, -worst.z / 2)
            shown = sorted(failing, key=lambda r: r.z)
        elif worst.z < 1:
            choice, confidence = "escalate", 0.6
            shown = sorted((r for r in readings if r.z < 1), key=lambda r: r.z)
        else:
            choice, confidence = "approve", 0.55 + 0.4 * min(1.0, (worst.z - 1) / 2)
            shown = sorted(readings, key=lambda r: r.z)
        summary = (
            f"{len(readings)} readings, {len(failing)} beyond a fail limit; the worst: "
            f"{worst.text} ({_distance(worst.z)})."
        )
        details = " ".join(r.text + "." for r in shown[:8])
        citations = tuple(dict.fromkeys(r.citation for r in shown))[:16]
        return Evaluation(
            choice, round(confidence, 3), shorten(f"{head} {summary} {details}"), citations
        )


# --- Scales ----------------------------------------------------------------------------------


def z_score(value: float, rule: policy.Rule) -> float | None:
    """How far ``value`` is on the good side of ``rule``'s fail limit, in warning bands."""
    if rule.fail_below is not None:
        band = abs(
            (rule.warn_below if rule.warn_below is not None else rule.fail_below) - rule.fail_below
        )
        return (value - rule.fail_below) / (band or max(abs(rule.fail_below) * 0.1, 0.01))
    if rule.fail_above is not None:
        band = abs(
            rule.fail_above - (rule.warn_above if rule.warn_above is not None else rule.fail_above)
        )
        return (rule.fail_above - value) / (band or max(abs(rule.fail_above) * 0.1, 0.01))
    return None


def _distance(z: float) -> str:
    if z < 0:
        return f"{-z:.1f} warning bands past the fail limit"
    if z < 1:
        return "inside the warning band"
    return f"{z - 1:.1f} warning bands clear of the warning limit"


def _items(bundle: Bundle, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    value = bundle.get(key)
    for index, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield index, item


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def _test_readings(bundle: Bundle, kind: str) -> list[_Reading]:
    rules = policy.load().tests.get(kind, policy.TestPolicy()).rules
    readings = []
    for index, run in _items(bundle, "assurance"):
        if run.get("kind") != kind:
            continue
        listed = run.get("verdicts")
        verdicts = listed if isinstance(listed, list) else []
        for number, verdict in enumerate(verdicts):
            if not isinstance(verdict, dict):
                continue
            metric, value = str(verdict.get("metric")), _number(verdict.get("value"))
            stored = _STORED.get(str(verdict.get("verdict")))
            z = z_score(value, rules[metric]) if value is not None and metric in rules else None
            if z is None:
                if stored is None:
                    continue
                z = stored
            elif stored is not None and stored < 1:  # a stricter limit of the profile
                z = min(z, stored)
            scope = f" ({verdict['scope']})" if verdict.get("scope") else ""
            shown = f"{value:.3f}" if value is not None else str(verdict.get("verdict"))
            readings.append(
                _Reading(z, f"{metric}{scope} = {shown}", f"assurance[{index}].verdicts[{number}]")
            )
    return readings


def _share(part: int, whole: int, text: str, citation: str) -> _Reading:
    share = part / whole
    z = z_score(share, SHARE_RULE)
    return _Reading(z if z is not None else 0.0, f"{text}: {part}/{whole} ({share:.0%})", citation)


def _applicable(bundle: Bundle) -> list[tuple[int, dict[str, Any]]]:
    return [(i, c) for i, c in _items(bundle, "controls") if c.get("applicable") is not False]


def _evidenced(control: dict[str, Any]) -> bool:
    count = _number(control.get("evidence_count"))
    return control.get("implementation") == "implemented" and bool(count and count > 0)


def _risk_readings(bundle: Bundle) -> list[_Reading]:
    """The register: untreated critical risks fail; the share of high ones treated."""
    serious = [
        (i, r, (_number(r.get("likelihood")) or 0) * (_number(r.get("impact")) or 0))
        for i, r in _items(bundle, "risks")
    ]
    serious = [
        (i, r, s) for i, r, s in serious if s >= 10 or r.get("level") in ("high", "critical")
    ]
    if not serious:
        return []
    treated = [i for i, r, _ in serious if r.get("status") in _TREATED]
    worst = max(serious, key=lambda item: item[2])
    readings = [_share(len(treated), len(serious), "high or critical risks treated", "risks")]
    if worst[2] >= 20 and worst[1].get("status") not in _TREATED:
        readings.append(
            _Reading(-1.0, f"an untreated risk scores {worst[2]:.0f} of 25", f"risks[{worst[0]}]")
        )
    return readings


# --- The lenses: (readings, what is missing when there are none) -----------------------------

Found = tuple[list[_Reading], str]


def _measured(lens: str) -> Callable[[Bundle], Found]:
    kind, extra = _METRICS[lens]

    def readings(bundle: Bundle) -> Found:
        found = _test_readings(bundle, kind)
        for other in extra:
            found += _test_readings(bundle, other)
        if found and lens == "safety":
            found += _risk_readings(bundle)
        if found and lens == "security":
            found += [r for r in _test_readings(bundle, "data") if r.text.startswith("psi")]
        return found, f"The bundle holds no {kind} test results."

    return readings


def _controls_share(lens: str) -> Callable[[Bundle], Found]:
    pattern = _PATTERNS[lens]

    def readings(bundle: Bundle) -> Found:
        found: list[_Reading] = []
        if lens == "privacy":
            found_system = bundle.get("system")
            system = found_system if isinstance(found_system, dict) else {}
            if "data_categories" not in system:
                return [], "The bundle does not say whether personal data is processed."
            if not system.get("data_categories"):
                return [
                    _Reading(2.0, "no personal data is processed", "system.data_categories")
                ], ""
        if lens == "transparency":
            explained = [i for i, r in _items(bundle, "assurance") if r.get("kind") == "explain"]
            if explained:
                found.append(
                    _Reading(
                        1.5, "an explainability analysis is on record", f"assurance[{explained[0]}]"
                    )
                )
        related = [(i, c) for i, c in _applicable(bundle) if pattern.search(str(c.get("urn", "")))]
        if related:
            done = sum(1 for _, c in related if _evidenced(c))
            found.append(
                _share(done, len(related), f"{lens} controls implemented with evidence", "controls")
            )
            poor = sum(1 for _, c in related if c.get("assessment") in ("not_effective", "partly"))
            if poor:
                found.append(
                    _share(
                        len(related) - poor, len(related), f"{lens} controls effective", "controls"
                    )
                )
        return found, f"The bundle holds no {lens} controls to measure."

    return readings


def _accountability(bundle: Bundle) -> Found:
    return _risk_readings(bundle), "The bundle holds no rated high or critical risks."


def _documentation(bundle: Bundle) -> Found:
    applicable = _applicable(bundle)
    if not applicable:
        return [], "The bundle holds no Statement of Applicability."
    found = [_share(sum(1 for _, c in applicable if _evidenced(c)), len(applicable),
                    "applicable controls implemented with evidence", "controls")]  # fmt: skip
    counts = sorted(_number(c.get("evidence_count")) or 0 for _, c in applicable)
    median = counts[len(counts) // 2]
    found.append(
        _Reading(
            2.0 if median >= 1 else -0.5, f"median evidence per control = {median:g}", "controls"
        )
    )
    return found, ""


_IMPLEMENTED = {"implemented": 1.0, "in_progress": 0.5}
_ASSESSED = {"effective": 1.0, None: 0.8, "partly": 0.5, "not_effective": 0.0}


def _compliance(bundle: Bundle) -> Found:
    applicable = _applicable(bundle)
    if not applicable:
        return [], "The bundle holds no Statement of Applicability."
    classification = bundle.get("classification")
    listed = classification.get("obligations") if isinstance(classification, dict) else None
    obligations = {
        urn
        for o in (listed if isinstance(listed, list) else [])
        if isinstance(urn := o.get("urn") if isinstance(o, dict) else o, str)
    }
    total = weight = 0.0
    for _, control in applicable:
        w = 2.0 if str(control.get("urn")) in obligations else 1.0
        score = _IMPLEMENTED.get(str(control.get("implementation")), 0.0)
        assessment = control.get("assessment")
        known = assessment is None or isinstance(assessment, str)
        score *= _ASSESSED.get(assessment if known else "?", 0.0)  # None: not yet assessed
        total, weight = total + w * score, weight + w
    value = total / weight
    z = z_score(value, policy.Rule(fail_below=0.6, warn_below=0.8)) or 0.0
    found = [_Reading(z, f"weighted compliance score = {value:.2f}", "controls")]
    failed = [(i, r) for i, r in _items(bundle, "assurance") if r.get("verdict") == "fail"]
    if failed:
        found.append(
            _Reading(0.5, f"{len(failed)} test run(s) failed", f"assurance[{failed[0][0]}]")
        )
    return found, ""


def _reporting(bundle: Bundle) -> Found:
    found: list[_Reading] = []
    kinds = {str(r.get("kind")) for _, r in _items(bundle, "assurance")}
    if kinds:
        tested = len(kinds & {"fairness", "performance", "data", "robustness"})
        found.append(_share(tested, 4, "assurance test kinds on record", "assurance"))
    applicable = _applicable(bundle)
    if applicable:
        evidence = sum(_number(c.get("evidence_count")) or 0 for _, c in applicable)
        found.append(  # a mean of 0.25 evidence items per control is the fail limit, 0.75 passes
            _Reading(
                min(3.0, 2 * evidence / len(applicable) - 0.5),
                f"{evidence:g} evidence items over {len(applicable)} controls",
                "controls",
            )
        )
    incident = bundle.get("incident")
    if isinstance(incident, dict):
        people = _number(incident.get("affected_people")) or 0
        if people >= 100 and incident.get("severity") in ("high", "critical"):
            found.append(
                _Reading(0.5, f"an incident affected {people:g} people", "incident.affected_people")
            )
    return found, "The bundle holds neither test results nor evidence counts."


_LENSES = {
    "safety": _measured("safety"),
    "security": _measured("security"),
    "privacy": _controls_share("privacy"),
    "fairness": _measured("fairness"),
    "transparency": _controls_share("transparency"),
    "accountability": _accountability,
    "documentation": _documentation,
    "compliance": _compliance,
    "reporting": _reporting,
}
