"""What the fairness test finds, as data: per-group metrics, fairlearn's aggregates, the
four-fifths rule, warnings and bootstrap intervals, and their JSON form (the contract of
``soai assure fairness --json``). The measuring itself is :mod:`soai.assurance.fairness`."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

INTERSECTION = "intersection"
SEPARATOR = " × "
Label = Hashable  # a column's value, or a tuple of them for the intersection


@dataclass(frozen=True)
class GroupMetrics:
    count: int
    selection_rate: float
    accuracy: float
    precision: float
    recall: float  # the true positive rate
    false_positive_rate: float
    false_negative_rate: float
    mean_score: float | None = None
    calibration_gap: float | None = None  # mean score − observed positive rate


@dataclass(frozen=True)
class FourFifthsRule:
    ratio: float  # the demographic parity ratio
    passes: bool | None  # None when no group is selected at all


@dataclass(frozen=True)
class Disparities:
    demographic_parity_difference: float
    demographic_parity_ratio: float
    equalized_odds_difference: float
    equalized_odds_ratio: float
    equal_opportunity_difference: float
    equal_opportunity_ratio: float
    four_fifths_rule: FourFifthsRule


AGGREGATES = tuple(f.name for f in fields(Disparities) if f.name != "four_fifths_rule")


@dataclass(frozen=True)
class FairnessWarning:
    kind: Literal["small_group", "undefined_metric", "undefined_aggregate"]
    level: str  # a sensitive column, or INTERSECTION
    group: str | None = None  # the JSON label
    count: int | None = None
    names: tuple[str, ...] = ()  # metrics set to 0.0, or aggregates that are NaN

    @property
    def message(self) -> str:
        """English; a translated rendering uses ``kind`` and the fields."""
        if self.kind == "small_group":
            return f"{self.level} = {self.group}: only {self.count} rows; its metrics are unstable"
        if self.kind == "undefined_metric":
            return f"{self.level} = {self.group}: {', '.join(self.names)} undefined, set to 0.0"
        return f"{self.level}: {', '.join(self.names)} undefined (every group's rate is 0)"


@dataclass(frozen=True)
class Intervals:
    replicates: int
    seed: int
    confidence: float
    bounds: Mapping[str, Mapping[str, tuple[float, float]]]  # level → aggregate → (low, high)


@dataclass(frozen=True)
class FairnessResult:
    rows: int
    columns: tuple[str, ...]
    intersection: tuple[str, ...] | None  # the columns combined, when intersectional
    overall: GroupMetrics
    groups: Mapping[str, Mapping[Label, GroupMetrics]]  # by column name, then INTERSECTION
    aggregates: Mapping[str, Disparities]
    intervals: Intervals | None
    warnings: tuple[FairnessWarning, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``soai assure fairness --json`` document; NaN (an undefined ratio) is null."""
        return {
            "rows": self.rows,
            "columns": {column: _summary(self.groups[column]) for column in self.columns},
            "intersectional": {
                "columns": list(self.intersection),
                "separator": SEPARATOR,
                **_summary(self.groups[INTERSECTION]),
            }
            if self.intersection is not None
            else None,
            "overall": _clean(asdict(self.overall)),
            "groups": {
                level: {label_text(label): _clean(asdict(m)) for label, m in groups.items()}
                for level, groups in self.groups.items()
            },
            "aggregates": {level: _clean(asdict(d)) for level, d in self.aggregates.items()},
            "confidence_intervals": None
            if self.intervals is None
            else {"method": "percentile bootstrap", **_clean(asdict(self.intervals))},
            "warnings": [{**_clean(asdict(w)), "message": w.message} for w in self.warnings],
        }


def label_text(label: Label) -> str:
    """A group label as JSON shows it: an intersection's parts joined with :data:`SEPARATOR`."""
    return SEPARATOR.join(map(str, label)) if isinstance(label, tuple) else str(label)


def _summary(groups: Mapping[Label, GroupMetrics]) -> dict[str, int]:
    return {"groups": len(groups), "smallest_group": min(m.count for m in groups.values())}


def _clean(value: Any) -> Any:
    """JSON-ready: NaN → None, tuples → lists, recursively."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value
