"""Exit criteria of each phase: what must hold before a cycle may move on, and what is missing.

Pure logic over a :class:`Snapshot` of the cycle. Each missing item is a translatable message
with its parameters, so the cycle board can say exactly what blocks the gate.
"""

from __future__ import annotations

from dataclasses import dataclass

from soai.i18n.markers import N_

PHASES = ("plan", "do", "check", "act")
NEXT = {"plan": "do", "do": "check", "check": "act", "act": "closed"}


@dataclass(frozen=True)
class Snapshot:
    scope: str
    objectives: str
    roles: str
    risks: int
    risks_without_treatment: int
    risks_without_owner: int
    controls_applicable: int
    exclusions_without_justification: int
    controls_not_started: int
    controls_without_owner: int
    implemented_without_evidence: int
    controls_unassessed: int
    assessments_without_reasoning: int
    findings_without_action: int
    management_review: str
    lessons_learned: str


Missing = tuple[str, dict[str, int]]


def missing(phase: str, s: Snapshot) -> list[Missing]:
    """What keeps ``phase`` from being signed off (empty: the gate may be passed)."""
    items: list[Missing] = []

    def need(condition: bool, message: str, count: int = 0) -> None:
        if condition:
            items.append((message, {"count": count}))

    if phase == "plan":
        need(not s.scope.strip(), N_("The scope is not written."))
        need(not s.objectives.strip(), N_("The objectives are not written."))
        need(not s.roles.strip(), N_("Roles and responsibilities are not written."))
        need(s.risks == 0, N_("The risk register is empty."))
        need(
            s.risks_without_treatment > 0,
            N_("{count} risk(s) have no treatment."),
            s.risks_without_treatment,
        )
        need(s.risks_without_owner > 0, N_("{count} risk(s) have no owner."), s.risks_without_owner)
        need(s.controls_applicable == 0, N_("The Statement of Applicability is empty."))
        need(
            s.exclusions_without_justification > 0,
            N_("{count} excluded control(s) have no justification."),
            s.exclusions_without_justification,
        )
    elif phase == "do":
        need(
            s.controls_not_started > 0,
            N_("{count} applicable control(s) are not started."),
            s.controls_not_started,
        )
        need(
            s.controls_without_owner > 0,
            N_("{count} applicable control(s) have no owner."),
            s.controls_without_owner,
        )
        need(
            s.implemented_without_evidence > 0,
            N_("{count} implemented control(s) have no evidence."),
            s.implemented_without_evidence,
        )
    elif phase == "check":
        need(
            s.controls_unassessed > 0,
            N_("{count} applicable control(s) are not assessed."),
            s.controls_unassessed,
        )
        need(
            s.assessments_without_reasoning > 0,
            N_("{count} assessment(s) give no reasoning."),
            s.assessments_without_reasoning,
        )
    elif phase == "act":
        need(
            s.findings_without_action > 0,
            N_("{count} nonconformity(ies) have no complete corrective action."),
            s.findings_without_action,
        )
        need(not s.management_review.strip(), N_("The management review is not recorded."))
        need(not s.lessons_learned.strip(), N_("Lessons learned are not recorded."))
    return items
