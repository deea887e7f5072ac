"""The ``rubric`` family: an auditor's checklist, one set of rules per lens.

Every rule either blocks (reject), leaves a gap a person must look at (escalate) or supports an
approval, and cites what it looked at. A prohibited practice blocks through every lens. A lens
with nothing to look at escalates: the rubric never approves on an absence of evidence.

Which controls serve which lens is this family's own expert table (:data:`CONTROLS`), not the
other families' retrieval or statistics; the families fail independently.
"""

from __future__ import annotations

import re

from soai.council.agents.base import LENSES, Bundle, Choice, Evaluation, shorten
from soai.council.agents.rubric_evidence import (
    CONTROLS,
    Audit,
    about_system,
    classification_of,
    control_ref,
    controls_of,
    evidence_share,
    is_high,
    items,
    open_risks,
    runs,
    system_of,
    urns_of,
)

FAMILY = "rubric"
_SECURITY_WORDS = re.compile(r"attack|secur|manipulat|poison|breach|leak", re.I)
_BIAS_WORDS = re.compile(r"discriminat|bias|unfair|exclu", re.I)
_UNRESOLVED = {"new", "open", "received", "triage", "triaged", "investigating"}


class RubricAgent:
    """Rule-based checks of one lens."""

    family = FAMILY

    def __init__(self, lens: str) -> None:
        if lens not in LENSES:
            raise ValueError(f"unknown lens {lens!r}")
        self.lens = lens

    def evaluate(self, bundle: Bundle) -> Evaluation:
        audit = Audit()
        if classification_of(bundle).get("risk") == "prohibited":
            audit.blockers.append(
                ("The classification finds a prohibited practice (EU AI Act Art. 5).",
                 "classification.risk")
            )  # fmt: skip
        _CHECKS[self.lens](bundle, audit)
        if self.lens != "compliance":
            controls_of(bundle, CONTROLS[self.lens], audit)
        return _decide(self.lens, audit)


def _decide(lens: str, audit: Audit) -> Evaluation:
    head = f"Rubric check of {lens}:"
    choice: Choice
    if audit.blockers:
        found = audit.blockers
        choice, confidence = "reject", min(0.95, 0.75 + 0.05 * (len(found) - 1))
    elif audit.gaps:
        found = audit.gaps
        choice, confidence = "escalate", min(0.9, 0.6 + 0.05 * len(found))
    elif audit.supports:
        found = audit.supports
        choice, confidence = "approve", min(0.95, 0.6 + 0.05 * len(found))
    else:
        return Evaluation.escalate(
            f"{head} the bundle holds no evidence this lens can be judged on, so people must."
        )
    text = " ".join(message for message, _ in found if message)
    citations = tuple(dict.fromkeys(c for _, c in found if c))[:16]
    return Evaluation(choice, round(confidence, 3), shorten(f"{head} {text}"), citations)


# --- The lenses ------------------------------------------------------------------------------


def _safety(bundle: Bundle, audit: Audit) -> None:
    open_risks(bundle, audit)
    runs(bundle, audit, "robustness")
    runs(bundle, audit, "performance", fail_blocks=False)
    system = system_of(bundle)
    unwatched = not str(system.get("human_oversight") or "").strip()
    if system.get("autonomy") == "autonomous" and is_high(bundle) and unwatched:
        audit.blockers.append(
            ("A high-risk system acts autonomously with no human oversight.", "system.autonomy")
        )  # fmt: skip
    incident = bundle.get("incident")
    if isinstance(incident, dict) and str(incident.get("status", "")).lower() in _UNRESOLVED:
        if incident.get("severity") == "critical":
            audit.blockers.append(("A critical incident is unresolved.", "incident.severity"))
        elif incident.get("severity") == "high":
            audit.gaps.append(("A high-severity incident is unresolved.", "incident.severity"))


def _security(bundle: Bundle, audit: Audit) -> None:
    runs(bundle, audit, "robustness")
    open_risks(bundle, audit, _SECURITY_WORDS)


def _privacy(bundle: Bundle, audit: Audit) -> None:
    system = system_of(bundle)
    if "data_categories" not in system:
        audit.gaps.append(
            ("The bundle does not say what data the system processes.", about_system(bundle))
        )  # fmt: skip
        return
    listed = system.get("data_categories")
    if not isinstance(listed, list):
        audit.gaps.append(
            ("The system's data categories are not a list.", "system.data_categories")
        )
        return
    categories = [str(c) for c in listed]
    if not categories:
        audit.supports.append(("The system processes no personal data.", "system.data_categories"))
        return
    protected = [
        control
        for _, control in items(bundle, "controls")
        if control.get("urn") in CONTROLS["privacy"]
        and control.get("implementation") == "implemented"
        and control.get("assessment") != "not_effective"
    ]
    if not protected:
        audit.blockers.append(
            (f"Personal data ({', '.join(categories)}) is processed without any implemented "
             "data-protection control.", "system.data_categories")
        )  # fmt: skip
    special = {"sensitive", "biometric"} & set(categories)
    if special and not any(
        c.get("urn") in ("urn:soai:kh:pdpl-sensitive-data", "urn:soai:kh:pdpl-dpia")
        for c in protected
    ):
        audit.blockers.append(
            (f"{', '.join(sorted(special))} data is processed without a DPIA or a sensitive-data "
             "control in place.", "system.data_categories")
        )  # fmt: skip


def _fairness(bundle: Bundle, audit: Audit) -> None:
    tested = runs(bundle, audit, "fairness")
    open_risks(bundle, audit, _BIAS_WORDS)
    system = system_of(bundle)
    people = bool(system.get("data_categories") or system.get("affected_groups"))
    if not tested and (people or is_high(bundle)):
        audit.gaps.append(
            ("The system judges people but no fairness test was run on it.", about_system(bundle))
        )  # fmt: skip


def _transparency(bundle: Bundle, audit: Audit) -> None:
    system = system_of(bundle)
    if str(system.get("purpose") or "").strip():
        audit.supports.append(("The intended purpose is stated.", "system.purpose"))
    else:
        audit.gaps.append(("The intended purpose is not stated.", about_system(bundle)))
    explained = runs(bundle, audit, "explain")
    if not explained and is_high(bundle):
        audit.gaps.append(("No explainability analysis of the high-risk model.", "classification"))


def _accountability(bundle: Bundle, audit: Audit) -> None:
    system = system_of(bundle)
    oversight = str(system.get("human_oversight") or "").strip()
    if len(oversight) >= 20:
        audit.supports.append(("Human oversight is described.", "system.human_oversight"))
    else:
        audit.gaps.append(
            ("Who oversees the system, and how, is not described.", about_system(bundle))
        )  # fmt: skip
    if system.get("autonomy") == "autonomous" and is_high(bundle):
        audit.gaps.append(("A high-risk system decides without a person.", "system.autonomy"))
    open_risks(bundle, audit)


def _documentation(bundle: Bundle, audit: Audit) -> None:
    words = 0
    for index, document in items(bundle, "documents"):
        count = len(str(document.get("text") or "").split())
        words += count
        if count >= 40:
            audit.supports.append((f"{document.get('title') or 'A document'} is written.",
                                   f"documents[{index}]"))  # fmt: skip
    if words == 0:
        return  # nothing supports: escalates as missing evidence unless controls say more
    if words < 150:
        audit.gaps.append((f"The documentation is only {words} words long.", "documents"))
    evidence_share(bundle, audit, minimum=0.8)


def _compliance(bundle: Bundle, audit: Audit) -> None:
    classification = classification_of(bundle)
    if not classification.get("risk"):
        audit.gaps.append(("The system has no risk classification.", "subject"))
    applicable = [(i, c) for i, c in items(bundle, "controls") if c.get("applicable") is not False]
    if not applicable:
        return
    implemented = [c for _, c in applicable if c.get("implementation") == "implemented"]
    share = len(implemented) / len(applicable)
    failed = [(i, c) for i, c in applicable if c.get("assessment") == "not_effective"]
    message = f"{share:.0%} of {len(applicable)} applicable controls are implemented"
    if failed:
        refs = ", ".join(str(c.get("ref") or c.get("urn")) for _, c in failed[:5])
        audit.blockers.append(
            (f"Controls assessed not effective: {refs}.", control_ref(*failed[0]))
        )
    if share < 0.5:
        audit.blockers.append((message + ".", "controls"))
    elif share < 0.8:
        audit.gaps.append((message + ".", "controls"))
    else:
        partly = sum(1 for c in implemented if c.get("assessment") == "partly")
        audit.supports.append((message + f" ({partly} only partly effective).", "controls"))
    listed = {c.get("urn") for _, c in items(bundle, "controls") if isinstance(c.get("urn"), str)}
    obligations = classification.get("obligations")
    for number, obligation in enumerate(obligations if isinstance(obligations, list) else []):
        urn = next(iter(urns_of([obligation])), None)
        if urn is not None and urn not in listed:
            audit.gaps.append((f"The obligation {urn} has no control.",
                               f"classification.obligations[{number}]"))  # fmt: skip
    for index, risk in items(bundle, "risks"):
        untreated = risk.get("status") not in ("treated", "accepted", "closed")
        if risk.get("level") in ("high", "critical") and untreated and not risk.get("treatment"):
            audit.blockers.append(
                (f"A {risk.get('level')} risk has no treatment.", f"risks[{index}]")
            )
    for index, run in items(bundle, "assurance"):
        if run.get("verdict") == "fail":
            audit.gaps.append((f"The {run.get('kind')} test failed.", f"assurance[{index}]"))


def _reporting(bundle: Bundle, audit: Audit) -> None:
    if not any(c.get("urn") in CONTROLS["reporting"] for _, c in items(bundle, "controls")):
        audit.gaps.append(
            ("No control says how monitoring, incidents and results are reported.",
             "controls" if isinstance(bundle.get("controls"), list) else "subject")
        )  # fmt: skip
    runs = [i for i, _ in items(bundle, "assurance")]
    if runs:
        audit.supports.append((f"{len(runs)} test results are on record.", f"assurance[{runs[0]}]"))
    incident = bundle.get("incident")
    if isinstance(incident, dict):
        unresolved = str(incident.get("status", "")).lower() in _UNRESOLVED
        if unresolved and incident.get("severity") in ("high", "critical"):
            audit.gaps.append(("A serious incident is not yet reported as handled.", "incident"))
        elif not unresolved:
            audit.supports.append(("The incident's handling is on record.", "incident.status"))
    evidence_share(bundle, audit, minimum=0.6)


_CHECKS = {
    "safety": _safety,
    "security": _security,
    "privacy": _privacy,
    "fairness": _fairness,
    "transparency": _transparency,
    "accountability": _accountability,
    "documentation": _documentation,
    "compliance": _compliance,
    "reporting": _reporting,
}
