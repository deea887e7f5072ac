"""The charts of a test result, for its page and its PDF report: per-group bars (fairness),
ROC and reliability curves (performance), feature importances and partial dependence
(explainability), stability under noise (robustness), representation and drift (data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soai.i18n.markers import N_
from soai.reports.charts import bar_chart_svg, line_chart_svg

Gettext = Callable[[str], str]
Chart = tuple[str, str]  # (title, SVG document)


def charts(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    """Every chart of one test's outcome, titled in the reader's language."""
    kind = outcome.get("kind", "fairness")
    return DRAW.get(kind, _none)(outcome, gettext)


def _none(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    return []


def _bars(title: str, pairs: list[tuple[str, float]]) -> Chart:
    labels = [label for label, _ in pairs]
    values = [round(float(value), 3) for _, value in pairs]
    return title, bar_chart_svg(labels, values, title=title)


def _fairness(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    out = []
    for column, groups in (outcome.get("groups") or {}).items():
        title = gettext(N_("Selection rate by {column}")).format(column=column)
        out.append(_bars(title, [(g, m.get("selection_rate") or 0.0) for g, m in groups.items()]))
    return out


def _performance(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    metrics = outcome.get("metrics") or {}
    out = []
    if roc := metrics.get("roc_curve"):
        title = gettext(N_("ROC curve (area {auc:.3f})")).format(auc=metrics["roc_auc"])
        svg = line_chart_svg(
            [("ROC", roc["fpr"], roc["tpr"])], title=title, diagonal=True,
            x_label=gettext(N_("False positive rate")), y_label=gettext(N_("True positive rate")),
        )  # fmt: skip
        out.append((title, svg))
    if reliability := metrics.get("reliability"):
        title = gettext(N_("Calibration (reliability curve)"))
        svg = line_chart_svg(
            [("", reliability["mean_predicted"], reliability["fraction_positive"])],
            title=title, diagonal=True,
            x_label=gettext(N_("Mean predicted probability")),
            y_label=gettext(N_("Share actually positive")),
        )  # fmt: skip
        out.append((title, svg))
    return out


def _data(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    out = []
    missing = (outcome.get("missingness") or {}).get("columns") or {}
    if any(c["missing"] for c in missing.values()):
        title = gettext(N_("Share of missing values by column"))
        out.append(_bars(title, [(name, c["share"]) for name, c in missing.items()]))
    for column, found in (outcome.get("representation") or {}).items():
        title = gettext(N_("Representation of {column}: share of data ÷ share of population"))
        pairs = [(g, v["ratio"]) for g, v in found["groups"].items() if v["ratio"] is not None]
        out.append(_bars(title.format(column=column), pairs))
    drift = (outcome.get("drift") or {}).get("columns") or {}
    if drift:
        title = gettext(N_("Drift by column (population stability index)"))
        out.append(_bars(title, [(n, c["psi"]) for n, c in drift.items() if c["psi"] is not None]))
    return out


def _robustness(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    levels = outcome.get("levels") or []
    if not levels:
        return []
    title = gettext(N_("Decisions unchanged under noise"))
    out = [_bars(title, [(f"{row['level']:g}", row["stability"]) for row in levels])]
    sensitivity = (outcome.get("sensitivity") or {}).get("features") or []
    if sensitivity:
        title = gettext(N_("Decisions changed by noise on one feature"))
        out.append(_bars(title, [(row["feature"], row["flip_rate"]) for row in sensitivity]))
    return out


def _explain(outcome: dict[str, Any], gettext: Gettext) -> list[Chart]:
    out = []
    features = (outcome.get("importance") or {}).get("features") or []
    if features:
        title = gettext(N_("Permutation feature importance"))
        out.append(_bars(title, [(row["feature"], row["mean"]) for row in features]))
    for feature, curve in (outcome.get("partial_dependence") or {}).items():
        title = gettext(N_("Partial dependence on {feature}")).format(feature=feature)
        if curve.get("kind") == "categorical":
            out.append(
                _bars(title, list(zip(map(str, curve["grid"]), curve["average"], strict=True)))
            )
        else:
            svg = line_chart_svg(
                [(feature, curve["grid"], curve["average"])], title=title, x_label=feature,
                y_label=gettext(N_("Average predicted probability")),
            )  # fmt: skip
            out.append((title, svg))
    return out


DRAW: dict[str, Callable[[dict[str, Any], Gettext], list[Chart]]] = {
    "fairness": _fairness,
    "performance": _performance,
    "data": _data,
    "robustness": _robustness,
    "explain": _explain,
}
