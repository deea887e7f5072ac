"""How well a model's predictions match what really happened.

What each measurement means, in plain words (the portal shows these to users):

Classification (labels 0 and 1, where 1 is the "positive" outcome the model looks for):

- accuracy: the share of all cases the model labelled correctly.
- balanced accuracy: the average of "share of positives found" and "share of negatives
  found"; unlike accuracy, a model cannot score well by always guessing the common class.
- precision: of the cases the model flagged as positive, the share that really were positive.
- recall (true-positive rate): of the cases that really were positive, the share it flagged.
- F1: one number balancing precision and recall (their harmonic mean).
- confusion matrix: counts of true negatives (tn), false positives (fp), false negatives (fn)
  and true positives (tp).
- ROC AUC (needs a score): the chance that a randomly chosen positive case gets a higher score
  than a randomly chosen negative one, ties counting half; 0.5 is guessing, 1.0 a perfect ranking.
- ROC curve: for each cut-off on the score, the share of negatives wrongly flagged (fpr)
  against the share of positives found (tpr).
- Brier score (needs a probability): the mean squared gap between the predicted probability
  and what happened (0 or 1); 0 is perfect, lower is better.
- reliability curve (needs a probability): cases grouped into equal-width probability bins;
  per non-empty bin, the average predicted probability against the share actually positive.
  A well-calibrated model's points lie on the diagonal.

Regression: MAE (average size of the error), MSE (average squared error), RMSE (its square
root, in the target's units) and R² (share of the target's variation the model explains;
1 is perfect, 0 is no better than always predicting the mean, below 0 is worse).

Conventions:

- Results are JSON-ready: plain ``int``/``float``/``list``, never NaN or infinity.
- A value undefined on the data (a division by zero, a curve needing both classes) is ``None``
  and ``undefined[name]`` says why. This is scikit-learn with ``zero_division=np.nan`` and
  ``r2_score(force_finite=False)``, NaN and infinities becoming ``None``.
- Balanced accuracy averages the recall of the classes present in ``y_true`` (as scikit-learn).
- The ROC curve is scikit-learn's ``roc_curve(drop_intermediate=True)``; its first threshold,
  +inf there, is ``None`` here. A curve longer than ``max_roc_points`` is subsampled for
  plotting at evenly spaced positions along it, both ends kept, and ``subsampled`` is true.
- Brier and reliability need scores in [0, 1]; for other scores (margins, logits) they are
  ``None`` with a reason, while ROC AUC and the ROC curve are still measured.
- The reliability bins are scikit-learn's ``calibration_curve(strategy="uniform")``:
  bin i holds scores in (i/bins, (i+1)/bins], the first bin also holds 0.
"""

from __future__ import annotations

from typing import Any, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


class ConfusionMatrix(TypedDict):
    tn: int
    fp: int
    fn: int
    tp: int


class RocCurve(TypedDict):
    fpr: list[float]
    tpr: list[float]
    thresholds: list[float | None]
    subsampled: bool


class ReliabilityCurve(TypedDict):
    bin_lower: list[float]
    bin_upper: list[float]
    count: list[int]
    mean_predicted: list[float]
    fraction_positive: list[float]


class Classification(TypedDict):
    n: int
    positives: int
    negatives: int
    accuracy: float
    balanced_accuracy: float
    precision: float | None
    recall: float | None
    f1: float | None
    confusion_matrix: ConfusionMatrix
    roc_auc: float | None
    roc_curve: RocCurve | None
    brier: float | None
    reliability: ReliabilityCurve | None
    undefined: dict[str, str]


class Regression(TypedDict):
    n: int
    mae: float
    mse: float
    rmse: float
    r2: float | None
    undefined: dict[str, str]


def classification(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    score: ArrayLike | None = None,
    bins: int = 10,
    max_roc_points: int | None = 1000,
) -> Classification:
    """Measure binary predictions ``y_pred`` (and optionally a ``score``) against ``y_true``."""
    truth, predicted = _binary("y_true", y_true), _binary("y_pred", y_pred)
    _same_length(y_true=truth, y_pred=predicted)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer; got {bins!r}")
    if max_roc_points is not None and (not isinstance(max_roc_points, int) or max_roc_points < 2):
        raise ValueError(f"max_roc_points must be an integer of at least 2; got {max_roc_points!r}")
    undefined: dict[str, str] = {}
    tp = int(np.count_nonzero(truth & predicted))
    fp = int(np.count_nonzero(~truth & predicted))
    fn = int(np.count_nonzero(truth & ~predicted))
    tn = truth.size - tp - fp - fn
    positives, negatives = tp + fn, tn + fp
    recalls = [hits / total for hits, total in ((tn, negatives), (tp, positives)) if total]
    result = Classification(
        n=truth.size,
        positives=positives,
        negatives=negatives,
        accuracy=(tp + tn) / truth.size,
        balanced_accuracy=sum(recalls) / len(recalls),
        precision=_ratio(tp, tp + fp, "precision", "no case was predicted positive", undefined),
        recall=_ratio(tp, positives, "recall", "y_true has no positive case", undefined),
        f1=_ratio(2 * tp, 2 * tp + fp + fn, "f1", "no positive case, predicted or true", undefined),
        confusion_matrix=ConfusionMatrix(tn=tn, fp=fp, fn=fn, tp=tp),
        roc_auc=None,
        roc_curve=None,
        brier=None,
        reliability=None,
        undefined=undefined,
    )
    if score is None:
        for name in ("roc_auc", "roc_curve", "brier", "reliability"):
            undefined[name] = "no score was given"
        return result
    scores = _numbers("score", score)
    _same_length(y_true=truth, score=scores)
    if positives and negatives:
        result["roc_auc"] = _roc_auc(truth, scores)
        result["roc_curve"] = _roc_curve(truth, scores, max_roc_points)
    else:
        only = "1 (positive)" if positives else "0 (negative)"
        for name in ("roc_auc", "roc_curve"):
            undefined[name] = f"y_true holds only class {only}; ROC needs both classes"
    if scores.min() < 0 or scores.max() > 1:
        for name in ("brier", "reliability"):
            undefined[name] = "score is not a probability: it has values outside [0, 1]"
    else:
        result["brier"] = float(np.mean((scores - truth) ** 2))
        result["reliability"] = _reliability(truth, scores, bins)
    return result


def regression(y_true: ArrayLike, y_pred: ArrayLike) -> Regression:
    """Measure numeric predictions ``y_pred`` against ``y_true``."""
    truth, predicted = _numbers("y_true", y_true), _numbers("y_pred", y_pred)
    _same_length(y_true=truth, y_pred=predicted)
    error = truth - predicted
    mse = float(np.mean(error**2))
    undefined: dict[str, str] = {}
    total = float(np.sum((truth - truth.mean()) ** 2))
    residual = float(np.sum(error**2))
    r2 = None
    if total == 0:
        undefined["r2"] = "y_true is constant, so there is no variation to explain"
    else:
        r2 = 1.0 - residual / total
    return Regression(
        n=truth.size,
        mae=float(np.mean(np.abs(error))),
        mse=mse,
        rmse=float(np.sqrt(mse)),
        r2=r2,
        undefined=undefined,
    )


def _ratio(
    top: int, bottom: int, name: str, reason: str, undefined: dict[str, str]
) -> float | None:
    if bottom == 0:
        undefined[name] = reason
        return None
    return top / bottom


def _roc_auc(truth: NDArray[np.bool_], scores: FloatArray) -> float:
    """Mann-Whitney form: tied scores share their average rank, so a tie counts half."""
    order = np.argsort(scores, kind="stable")
    ordered = scores[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    ranks = np.empty(ordered.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    n_pos = int(np.count_nonzero(truth))
    n_neg = truth.size - n_pos
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _roc_curve(truth: NDArray[np.bool_], scores: FloatArray, max_points: int | None) -> RocCurve:
    order = np.argsort(-scores, kind="stable")
    ordered = scores[order]
    # The last position of each distinct score: one threshold per distinct score.
    last = np.r_[np.flatnonzero(np.diff(ordered)), ordered.size - 1]
    tps = np.cumsum(truth[order])[last].astype(np.float64)
    fps = 1.0 + last - tps
    thresholds = ordered[last]
    if fps.size > 2:  # drop points collinear with their neighbours, as scikit-learn does
        corner = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[corner], tps[corner], thresholds[corner]
    fpr = np.r_[0.0, fps] / fps[-1]
    tpr = np.r_[0.0, tps] / tps[-1]
    kept = np.arange(fpr.size)
    subsampled = max_points is not None and fpr.size > max_points
    if max_points is not None and subsampled:
        kept = np.unique(np.linspace(0, fpr.size - 1, max_points).round().astype(np.int64))
    cutoffs: list[float | None] = [None, *thresholds.tolist()]
    return RocCurve(
        fpr=fpr[kept].tolist(),
        tpr=tpr[kept].tolist(),
        thresholds=[cutoffs[i] for i in kept.tolist()],
        subsampled=subsampled,
    )


def _reliability(truth: NDArray[np.bool_], scores: FloatArray, bins: int) -> ReliabilityCurve:
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.searchsorted(edges[1:-1], scores)
    count = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=scores, minlength=bins)
    positive = np.bincount(index, weights=truth.astype(np.float64), minlength=bins)
    filled = count > 0
    return ReliabilityCurve(
        bin_lower=edges[:-1][filled].tolist(),
        bin_upper=edges[1:][filled].tolist(),
        count=count[filled].tolist(),
        mean_predicted=(predicted[filled] / count[filled]).tolist(),
        fraction_positive=(positive[filled] / count[filled]).tolist(),
    )


def _vector(name: str, values: ArrayLike) -> NDArray[Any]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty; at least one value is needed")
    return array


def _numbers(name: str, values: ArrayLike) -> FloatArray:
    array = _vector(name, values)
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers; got {array.dtype} values such as {_examples(array)}"
        )
    numbers = array.astype(np.float64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        raise ValueError(f"{name} must hold finite numbers; {_where(array, bad)}")
    return numbers


def _binary(name: str, values: ArrayLike) -> NDArray[np.bool_]:
    numbers = _numbers(name, values)
    bad = (numbers != 0) & (numbers != 1)
    if bad.any():
        raise ValueError(
            f"{name} must hold binary labels 0 and 1 (1 = positive); "
            f"{_where(np.asarray(values), bad)}"
        )
    return numbers == 1


def _same_length(**arrays: NDArray[Any]) -> None:
    if len({array.size for array in arrays.values()}) > 1:
        sizes = ", ".join(f"{name} has {array.size}" for name, array in arrays.items())
        raise ValueError(f"{' and '.join(arrays)} must have the same length; {sizes}")


def _where(array: NDArray[Any], bad: NDArray[np.bool_]) -> str:
    rows = np.flatnonzero(bad)
    return (
        f"found {_examples(array[bad])} in {rows.size} row(s), the first at row {rows[0]} (0-based)"
    )


def _examples(values: NDArray[Any], limit: int = 5) -> str:
    distinct = list(dict.fromkeys(repr(value) for value in values.tolist()))
    shown = ", ".join(distinct[:limit])
    return shown + (f" and {len(distinct) - limit} more" if len(distinct) > limit else "")
