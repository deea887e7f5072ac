"""Group fairness of a binary classifier's predictions, equal to fairlearn's and vectorised.

:func:`fairness` codes each sensitive column with ``np.unique`` (and the intersection by
combining the codes), counts TN/FP/FN/TP per group with one ``np.bincount`` per column, and
derives everything from those counts: each group's metrics and fairlearn's aggregates with their
default ``method="between_groups"``. Conventions follow fairlearn 0.15 / scikit-learn exactly:

- a rate whose denominator is zero is 0.0 (sklearn's ``zero_division`` default and the
  ``normalize="true"`` confusion matrix fairlearn's rates use); each such case is also warned;
- a difference is ``max - min`` over the groups present, a ratio ``min / max`` (NaN when the
  maximum is 0); intersection cells with no rows are left out, as fairlearn's NaN rows are;
- ``equalized_odds_difference`` is the larger of the TPR and FPR differences; the ratio is
  ``min(tpr_ratio, fpr_ratio)`` with Python's ``min``, so a NaN TPR ratio wins, as in fairlearn.

Bootstrap intervals resample rows: resampling n rows with replacement draws a column's
(group, y_true, y_pred) cell counts from a multinomial, so a replicate costs the number of cells,
not of rows. Each column's replicates are drawn on their own (an interval is a marginal
statement, so this changes no interval's distribution); intervals are percentiles
(``np.nanquantile``, linear, as fairlearn's ``MetricFrame(n_boot=...)``).

Group labels are the columns' values; an intersection group is a tuple of them in column
order, like fairlearn's MultiIndex. In JSON, labels are strings and an intersection label is
its parts joined with :data:`~soai.assurance.fairness_results.SEPARATOR`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from soai.assurance.fairness_results import (
    AGGREGATES,
    INTERSECTION,
    Disparities,
    FairnessResult,
    FairnessWarning,
    FourFifthsRule,
    GroupMetrics,
    Intervals,
    Label,
    label_text,
)

FOUR_FIFTHS = 0.8
_DENSE_GROUPS = 1 << 20  # up to this many combinations, count every one of them directly
_JOINT_LIMIT = 1 << 62  # intersection codes are renumbered before they could overflow int64
_CHUNK_CELLS = 1 << 24  # bootstrap replicates × cells held in memory at once

Counts = npt.NDArray[np.intp]  # (..., groups, 4): TN, FP, FN, TP — cell = 2 * y_true + y_pred
Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.intp]


def fairness(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    sensitive: Mapping[str, npt.ArrayLike],
    *,
    score: npt.ArrayLike | None = None,
    intersectional: bool = True,
    min_group_size: int = 30,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> FairnessResult:
    """Per-group metrics and fairlearn's aggregates per sensitive column and their intersection.

    Raises ``ValueError`` naming the input at fault when an array is not 1-D or not as long as
    ``y_true``, a label is not 0/1, a score is not finite or a sensitive value is missing.
    """
    truth, pred = _binary("y_true", y_true), _binary("y_pred", y_pred)
    scores = None if score is None else np.asarray(score, dtype=np.float64)
    columns = tuple(sensitive)
    combined = intersectional and len(columns) >= 2
    _check(truth, pred, scores, sensitive)
    if bootstrap < 0 or min_group_size < 0 or not 0 < confidence < 1:
        raise ValueError("bootstrap and min_group_size must be ≥ 0 and confidence in (0, 1)")
    if combined and INTERSECTION in columns:
        raise ValueError(f"a sensitive column may not be named {INTERSECTION!r}")
    levels = {column: _factorise(column, np.asarray(sensitive[column])) for column in columns}
    if combined:
        levels[INTERSECTION] = _intersection(list(levels.values()))

    rows, cell = len(truth), 2 * truth + pred
    rng = np.random.default_rng(seed)
    notes: list[FairnessWarning] = []
    groups: dict[str, dict[Label, GroupMetrics]] = {}
    aggregates: dict[str, Disparities] = {}
    bounds: dict[str, dict[str, tuple[float, float]]] = {}
    for level, (labels, codes) in levels.items():
        size = len(labels)
        cells = np.bincount(codes * 4 + cell, minlength=4 * size).reshape(size, 4)
        sums = None if scores is None else np.bincount(codes, scores, size).astype(np.float64)
        groups[level] = _group_metrics(level, labels, cells, sums, min_group_size, notes)
        aggregates[level] = _point(level, _disparities(cells[None]), notes)
        if bootstrap:
            bounds[level] = _intervals(cells, rng, bootstrap, confidence)
    overall_cells = np.bincount(cell, minlength=4)[None]
    overall_sums = None if scores is None else np.array([scores.sum()])
    overall = _group_metrics("", [""], overall_cells, overall_sums, 0, [])[""]
    intervals = Intervals(bootstrap, seed, confidence, bounds) if bootstrap else None
    return FairnessResult(
        rows, columns, columns if combined else None, overall, groups, aggregates, intervals,
        tuple(notes),
    )  # fmt: skip


def _check(
    truth: npt.NDArray[np.int8], pred: npt.NDArray[np.int8], scores: Floats | None,
    sensitive: Mapping[str, npt.ArrayLike],
) -> None:  # fmt: skip
    rows = len(truth)
    arrays = {f"sensitive column {c!r}": np.asarray(a) for c, a in sensitive.items()}
    for name, array in {"y_pred": pred, "score": scores, **arrays}.items():
        if array is not None and (array.ndim != 1 or len(array) != rows):
            raise ValueError(f"{name} has shape {array.shape}, but y_true has {rows} rows")
    if rows == 0 or not sensitive:
        raise ValueError("fairness needs at least one row and one sensitive column")
    if scores is not None and not (finite := np.isfinite(scores)).all():
        raise ValueError(f"score is not a finite number at row {int(np.argmin(finite))}")


def _binary(name: str, values: npt.ArrayLike) -> npt.NDArray[np.int8]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {array.shape}")
    if array.dtype.kind in "biufO":
        valid = (array == 0) | (array == 1)
    else:
        valid = np.zeros(len(array), dtype=bool)
    if not valid.all():
        others = array[~valid]
        try:
            shown = np.unique(others)[:5].tolist()
        except TypeError:  # an object array mixing kinds of values
            shown = list(dict.fromkeys(others[:1000].tolist()))[:5]
        raise ValueError(
            f"{name} must hold only 0 and 1, but it also holds {shown} "
            f"({len(others)} rows, the first at row {int(np.argmin(valid))})"
        )
    return array.astype(np.int8)


def _factorise(column: str, values: npt.NDArray[Any]) -> tuple[list[Label], Codes]:
    """The sorted distinct labels of a column and each row's index into them."""
    missing = None
    if values.dtype.kind == "O":
        missing = np.equal(values, np.array(None, dtype=object)) | (values != values)
    elif values.dtype.kind in "fc":
        missing = np.isnan(values)
    if missing is not None and missing.any():
        raise ValueError(
            f"sensitive column {column!r} has {int(missing.sum())} missing values "
            f"(the first at row {int(np.argmax(missing))})"
        )
    if values.dtype.kind == "O":
        text = values.astype(str)
        if (text == values).all():  # all strings: a str array sorts several times faster
            values = text
    try:
        labels, codes = np.unique(values, return_inverse=True)
    except TypeError as error:
        raise ValueError(f"sensitive column {column!r} mixes kinds of labels: {error}") from None
    return labels.tolist(), codes.reshape(-1)


def _intersection(factors: list[tuple[list[Label], Codes]]) -> tuple[list[Label], Codes]:
    """The combinations of labels present, as tuples in fairlearn's (lexicographic) order."""
    sizes, codes = [len(labels) for labels, _ in factors], [codes for _, codes in factors]
    combinations = math.prod(sizes)
    if combinations <= _DENSE_GROUPS:
        joint = np.ravel_multi_index(tuple(codes), sizes)
        present = np.flatnonzero(np.bincount(joint, minlength=combinations))
        renumber = np.zeros(combinations, dtype=np.intp)
        renumber[present] = np.arange(len(present))
        joint, parts = renumber[joint], np.unravel_index(present, sizes)
    else:  # too many to number each: number the ones present (a sort)
        joint = codes[0].astype(np.int64)
        for column_codes, size in zip(codes[1:], sizes[1:], strict=True):
            if int(joint.max()) >= _JOINT_LIMIT // size:
                joint = np.unique(joint, return_inverse=True)[1].reshape(-1)
            joint = joint * size + column_codes
        _, first, joint = np.unique(joint, return_index=True, return_inverse=True)
        parts = tuple(column_codes[first] for column_codes in codes)
    values = [np.asarray(labels, dtype=object) for labels, _ in factors]
    labels = [v[p].tolist() for v, p in zip(values, parts, strict=True)]
    return list(zip(*labels, strict=True)), joint.reshape(-1)


def _rates(cells: Counts) -> dict[str, npt.NDArray[Any]]:
    """The per-group metrics of confusion counts; a rate over zero rows is 0.0, as in sklearn."""
    tn, fp, fn, tp = (cells[..., i] for i in range(4))
    count = tn + fp + fn + tp
    return {
        "count": count,
        "selection_rate": _divide(tp + fp, count),
        "accuracy": _divide(tp + tn, count),
        "precision": _divide(tp, tp + fp),
        "recall": _divide(tp, tp + fn),
        "false_positive_rate": _divide(fp, fp + tn),
        "false_negative_rate": _divide(fn, fn + tp),
    }


def _divide(numerator: Counts, denominator: Counts) -> Floats:
    out = np.zeros(numerator.shape)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def _group_metrics(
    level: str,
    labels: list[Label],
    cells: Counts,
    sums: Floats | None,
    min_group_size: int,
    notes: list[FairnessWarning],
) -> dict[Label, GroupMetrics]:
    rates = _rates(cells)
    if sums is not None:
        rates["mean_score"] = sums / rates["count"]
        rates["calibration_gap"] = (
            rates["mean_score"] - (cells[:, 2] + cells[:, 3]) / rates["count"]
        )
    columns = {name: values.tolist() for name, values in rates.items()}
    undefined = {
        "precision": cells[:, 1] + cells[:, 3] == 0,
        "recall": cells[:, 2] + cells[:, 3] == 0,
        "false_positive_rate": cells[:, 0] + cells[:, 1] == 0,
        "false_negative_rate": cells[:, 2] + cells[:, 3] == 0,
    }
    result = {}
    for i, label in enumerate(labels):
        metrics = GroupMetrics(**{name: values[i] for name, values in columns.items()})
        text = label_text(label)
        if metrics.count < min_group_size:
            notes.append(FairnessWarning("small_group", level, text, count=metrics.count))
        names = tuple(name for name, flags in undefined.items() if flags[i])
        if names:
            notes.append(FairnessWarning("undefined_metric", level, text, names=names))
        result[label] = metrics
    return result


def _disparities(cells: Counts) -> dict[str, Floats]:
    """fairlearn's between-groups aggregates of (replicates, groups, 4) counts, per replicate."""
    rates = _rates(cells)
    present = rates["count"] > 0
    spreads = {}
    for name, rate in (
        ("demographic_parity", rates["selection_rate"]),
        ("equal_opportunity", rates["recall"]),
        ("false_positive_rate", rates["false_positive_rate"]),
    ):
        high = np.where(present, rate, -np.inf).max(axis=-1)
        low = np.where(present, rate, np.inf).min(axis=-1)
        with np.errstate(invalid="ignore"):  # 0 / 0 when every group's rate is 0: NaN
            spreads[f"{name}_difference"], spreads[f"{name}_ratio"] = high - low, low / high
    tpr_ratio, fpr_ratio = spreads["equal_opportunity_ratio"], spreads["false_positive_rate_ratio"]
    spreads["equalized_odds_difference"] = np.maximum(
        spreads["equal_opportunity_difference"], spreads["false_positive_rate_difference"]
    )
    # fairlearn takes Python's min() of [tpr_ratio, fpr_ratio]: a NaN first argument wins.
    spreads["equalized_odds_ratio"] = np.where(fpr_ratio < tpr_ratio, fpr_ratio, tpr_ratio)
    return {name: spreads[name] for name in AGGREGATES}


def _point(level: str, spreads: dict[str, Floats], notes: list[FairnessWarning]) -> Disparities:
    values = {name: float(spread[0]) for name, spread in spreads.items()}
    undefined = tuple(name for name, value in values.items() if math.isnan(value))
    if undefined:
        notes.append(FairnessWarning("undefined_aggregate", level, names=undefined))
    ratio = values["demographic_parity_ratio"]
    four_fifths = FourFifthsRule(ratio, None if math.isnan(ratio) else ratio >= FOUR_FIFTHS)
    return Disparities(**values, four_fifths_rule=four_fifths)


def _intervals(
    cells: Counts, rng: np.random.Generator, replicates: int, confidence: float
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of the aggregates over multinomial resamples of the cell counts."""
    rows, probabilities = int(cells.sum()), cells.ravel() / cells.sum()
    chunk = max(1, _CHUNK_CELLS // probabilities.size)
    samples = [
        _disparities(draws.reshape(-1, *cells.shape))
        for draws in (
            rng.multinomial(rows, probabilities, size=min(chunk, replicates - start))
            for start in range(0, replicates, chunk)
        )
    ]
    quantiles = [(1 - confidence) / 2, (1 + confidence) / 2]
    bounds = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an aggregate NaN in every replicate
        for name in AGGREGATES:
            low, high = np.nanquantile(np.concatenate([s[name] for s in samples]), quantiles)
            bounds[name] = (float(low), float(high))
    return bounds
