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
    "balanced_accuracy": N_("The average of the share of positive cases found and the share of negative cases found; a system cannot score well by always giving the common answer."),
    "roc_auc": N_("The chance that the score ranks a random positive case above a random negative one; 0.5 is guessing, 1 is a perfect ranking."),
    "brier": N_("The average squared gap between the predicted probability and what happened; 0 is perfect, lower is better."),
    "f1": N_("One number balancing precision and recall (their harmonic mean); high only when both are high."),
    "mae": N_("Mean absolute error: the average size of a prediction's error, in the outcome's units."),
    "rmse": N_("Root mean squared error: like the average error, but large errors count more."),
    "r2": N_("The share of the outcome's variation the model explains; 1 is perfect, 0 is no better than always predicting the average."),
    "missing_share": N_("The share of a column's values that are missing; gaps can hide whole groups of people."),
    "duplicate_share": N_("The share of rows that repeat an earlier row exactly; duplicates give some cases too much weight."),
    "psi": N_("Population stability index: how far a column's distribution has moved from the earlier data; below 0.1 is stable, above 0.25 a significant shift."),
    "representation_ratio": N_("The smallest ratio of a group's share in the data to its share of the population served; below 1 means the group is under-represented."),
    "imbalance_ratio": N_("The most common outcome's count divided by the rarest's; a large ratio means the system learns little about the rare outcome."),
    "stability": N_("The share of decisions that stay the same when the inputs are slightly disturbed by noise."),
    "accuracy_drop": N_("How much accuracy falls when the inputs are slightly disturbed; a robust system loses little."),
    "equal_opportunity_difference": N_("The largest gap between groups in the rate at which qualified people are approved."),
}  # fmt: skip

TESTS: tuple[tuple[str, str, str], ...] = (
    ("fairness", N_("Fairness"), N_("Do decisions and errors fall equally on every group?")),
    ("performance", N_("Performance"), N_("How often is the system right: accuracy, ROC AUC, calibration.")),
    ("data", N_("Data quality"), N_("Missing values, duplicates, label balance, representation, drift.")),
    ("robustness", N_("Robustness"), N_("Do decisions hold when the inputs are slightly disturbed? Needs the model.")),
    ("explain", N_("Explainability"), N_("Which inputs drive the decisions, and how? Needs the model.")),
)  # fmt: skip

VERDICTS: dict[str, str] = {
    "pass": N_("pass"),
    "warn": N_("warn"),
    "fail": N_("fail"),
    "not_available": N_("not available"),
    "info": N_("for information"),
}
TEST_NAMES: dict[str, str] = {kind: title for kind, title, _help in TESTS}
