"""What each measurement means and why it matters, in plain words (translated in the portal)."""

from __future__ import annotations

from soai.i18n.markers import N_

METRICS: dict[str, str] = {
    "selection_rate": N_("Share of people in the group who receive the positive decision (for example, a loan)."),
    "accuracy": N_("Share of decisions that match what really happened."),
    "precision": N_("Of the people the system approved, the share who really qualified."),
    "recall": N_("Of the people who really qualified, the share the system approved (true positive rate)."),
    "false_positive_rate": N_("Of the people who did not qualify, the share the system still approved."),
    "false_negative_rate": N_("Of the people who qualified, the share the system wrongly refused."),
    "demographic_parity_difference": N_("The largest gap in selection rate between groups; 0 means every group is selected equally often."),
    "demographic_parity_ratio": N_("The lowest selection rate divided by the highest; below 0.8 fails the four-fifths rule used against discrimination."),
    "equalized_odds_difference": N_("The largest gap between groups in true or false positive rates: whether errors fall equally on every group."),
    "equal_opportunity_difference": N_("The largest gap between groups in the rate at which qualified people are approved."),
}  # fmt: skip
