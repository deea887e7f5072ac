"""Which features a model relies on, and how its output moves with one feature.

In plain words (the portal shows these to users):

- permutation importance: shuffle one feature's column, so it no longer matches its rows, and
  measure how much the model's score (for example accuracy) drops. A big drop means the model
  relies on that feature; about zero means it does not use it (a drop below zero is chance).
  Each feature is shuffled ``n_repeats`` times; the mean and standard deviation of the drop are
  reported, features sorted from the most to the least important. This is scikit-learn's
  ``permutation_importance`` and, for the same integer seed, gives exactly its numbers: the same
  random generator scheme (a legacy ``RandomState`` seeds one generator per feature, and each
  repeat shuffles the already shuffled column again), the same scores, the same standard
  deviation (over the repeats, not divided by n - 1).
- partial dependence: set one feature to the same value in every row, average the model's
  output (the probability of the positive class; the share predicted positive for a classifier
  without probabilities; the predicted number for a regression model), and repeat for a grid of
  values. The curve shows how the output moves with that feature, all else as in the data.
  This is scikit-learn's ``partial_dependence(method="brute", kind="average")`` with its grid:
  a categorical (text or yes/no) feature uses its categories; a numeric feature its distinct
  values if there are fewer than ``grid_resolution``, else ``grid_resolution`` evenly spaced
  values between two percentiles (scipy's ``mquantiles``, as scikit-learn). Unlike
  scikit-learn, missing values are left out of the grid, and when the two percentiles are equal
  the grid spans the smallest to the largest value instead of failing.

Both predict many times over the data: for a large file, pass a :func:`sample` of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from soai.assurance.model import Model
from soai.assurance.performance import _roc_auc
from soai.errors import InvalidInput
from soai.i18n.markers import N_

Columns = Mapping[str, NDArray[Any]]
CLASSIFICATION_SCORES = ("accuracy", "balanced_accuracy", "roc_auc")
REGRESSION_SCORES = ("r2", "neg_mean_absolute_error")


class Importance(TypedDict):
    feature: str
    mean: float
    std: float
    decreases: list[float]


class PermutationImportance(TypedDict):
    scoring: str
    baseline: float
    n: int
    n_repeats: int
    seed: int
    features: list[Importance]


class PartialDependence(TypedDict):
    feature: str
    kind: str  # numeric | categorical
    output: str  # probability | positive_rate | prediction
    n: int
    grid: list[Any]
    average: list[float]


def sample(columns: Columns, rows: int, *, seed: int = 0) -> dict[str, NDArray[Any]]:
    """At most ``rows`` rows of ``columns``, drawn at random without replacement, in file order."""
    data = {name: np.asarray(values) for name, values in columns.items()}
    total = len(next(iter(data.values()))) if data else 0
    if total <= rows:
        return data
    kept = np.sort(np.random.default_rng(seed).choice(total, size=rows, replace=False))
    return {name: values[kept] for name, values in data.items()}


def permutation_importance(
    model: Model,
    columns: Columns,
    y_true: ArrayLike | None,
    *,
    features: Sequence[str] | None = None,
    n_repeats: int = 5,
    seed: int = 0,
    scoring: str = "accuracy",
) -> PermutationImportance:
    """How much ``scoring`` drops when each of ``features`` is shuffled, most important first."""
    allowed = CLASSIFICATION_SCORES if model.is_classifier else REGRESSION_SCORES
    if scoring not in allowed:
        raise ValueError(f"scoring must be one of {', '.join(allowed)}; got {scoring!r}")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, int) or n_repeats < 1:
        raise ValueError(f"n_repeats must be a positive integer; got {n_repeats!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32); got {seed!r}")
    if y_true is None:
        raise InvalidInput(
            N_(
                "Permutation importance compares predictions with the truth: name the label column."
            ),
            field="label",
        )
    names = model.inputs(features)
    data = {name: np.asarray(columns[name]) for name in names}
    truth = np.asarray(y_true)
    rows = len(data[names[0]]) if names else 0
    if truth.shape != (rows,) or rows == 0:
        raise ValueError(f"y_true has {truth.size} values but the data has {rows} rows")
    baseline = _score(model, data, names, truth, scoring)
    # scikit-learn's scheme: one seed drawn from the seed, then a generator from it per feature.
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    results: list[Importance] = []
    for name in names:
        rng = np.random.RandomState(column_seed)
        order = np.arange(rows)
        shuffled = data[name]
        decreases = []
        for _ in range(n_repeats):
            rng.shuffle(order)
            shuffled = shuffled[order]
            decreases.append(
                baseline - _score(model, {**data, name: shuffled}, names, truth, scoring)
            )
        spread = np.asarray(decreases)
        results.append(
            Importance(
                feature=name,
                mean=float(spread.mean()),
                std=float(spread.std()),
                decreases=[float(value) for value in decreases],
            )
        )
    results.sort(key=lambda item: -item["mean"])
    return PermutationImportance(
        scoring=scoring,
        baseline=baseline,
        n=rows,
        n_repeats=n_repeats,
        seed=seed,
        features=results,
    )


def partial_dependence(
    model: Model,
    columns: Columns,
    *,
    feature: str,
    features: Sequence[str] | None = None,
    grid_resolution: int = 20,
    percentiles: tuple[float, float] = (0.05, 0.95),
) -> PartialDependence:
    """The model's average output with ``feature`` set to each grid value in every row.

    ``features`` are the columns the model takes, for a model that does not know their names
    (by default those :func:`soai.assurance.model.check_features` chose)."""
    if (
        isinstance(grid_resolution, bool)
        or not isinstance(grid_resolution, int)
        or grid_resolution < 2
    ):
        raise ValueError(f"grid_resolution must be an integer above 1; got {grid_resolution!r}")
    low, high = percentiles
    if not 0.0 <= low < high <= 1.0:
        raise ValueError(
            f"percentiles must be two increasing numbers in [0, 1]; got {percentiles!r}"
        )
    names = model.inputs(features)
    if feature not in names:
        raise InvalidInput(
            N_("The model does not take the feature {feature}; it takes: {features}."),
            field="feature",
            feature=feature,
            features=", ".join(names),
        )
    data = {name: np.asarray(columns[name]) for name in names}
    values = data[feature]
    if values.size == 0:
        raise ValueError("the data has no rows")
    categorical = values.dtype.kind not in "iuf"
    grid = (
        _categories(values) if categorical else _numeric_grid(values, grid_resolution, (low, high))
    )
    if model.is_classifier:
        output = "probability" if model.has_scores else "positive_rate"
    else:
        output = "prediction"
    averages = []
    for value in grid:
        fixed = np.full(values.shape, value, dtype=grid.dtype)
        changed = {**data, feature: fixed}
        if output == "probability":
            result = model.score(changed, names)
        elif output == "positive_rate":
            result = model.predict(changed, names)
        else:
            result = model.predict_values(changed, names)
        averages.append(float(np.mean(np.asarray(result, dtype=np.float64))))
    return PartialDependence(
        feature=feature,
        kind="categorical" if categorical else "numeric",
        output=output,
        n=int(values.size),
        grid=[v if isinstance(v, bool) or not categorical else str(v) for v in grid.tolist()],
        average=averages,
    )


def _score(
    model: Model, data: Columns, names: list[str], truth: NDArray[Any], scoring: str
) -> float:
    if scoring in REGRESSION_SCORES:
        error = truth.astype(np.float64) - model.predict_values(data, names)
        if scoring == "neg_mean_absolute_error":
            return -float(np.mean(np.abs(error)))
        total = float(np.sum((truth - truth.mean()) ** 2))
        if total == 0:
            raise InvalidInput(
                N_("{scoring} cannot be measured on this data: {reason}"),
                field="scoring",
                scoring=scoring,
                reason="the true values are all the same",
            )
        return 1.0 - float(np.sum(error**2)) / total
    positive = truth == 1
    if scoring == "roc_auc":
        score = model.score(data, names)
        if score is None or positive.all() or not positive.any():
            reason = (
                "the model gives no probabilities" if score is None else "the labels hold one class"
            )
            raise InvalidInput(
                N_("{scoring} cannot be measured on this data: {reason}"),
                field="scoring",
                scoring=scoring,
                reason=reason,
            )
        return _roc_auc(positive, score.astype(np.float64))
    hits = model.predict(data, names) == positive
    if scoring == "accuracy":
        return float(np.mean(hits))
    recalls = [
        float(np.mean(hits[positive == label]))
        for label in (False, True)
        if (positive == label).any()
    ]
    return float(np.mean(recalls))


def _categories(values: NDArray[Any]) -> NDArray[Any]:
    """The distinct values, sorted (by their text, so missing values do not break sorting)."""
    _, first = np.unique(values.astype(str), return_index=True)
    return values[first]


def _numeric_grid(
    values: NDArray[Any], resolution: int, percentiles: tuple[float, float]
) -> NDArray[np.float64]:
    numbers = values.astype(np.float64)
    uniques = np.unique(numbers[np.isfinite(numbers)])
    if uniques.size < resolution:
        return uniques
    ordered = np.sort(numbers[np.isfinite(numbers)])
    low, high = _mquantiles(ordered, np.asarray(percentiles))
    if np.allclose(low, high):
        low, high = uniques[0], uniques[-1]
    return np.linspace(low, high, num=resolution, endpoint=True)


def _mquantiles(ordered: NDArray[np.float64], p: NDArray[np.float64]) -> NDArray[np.float64]:
    """scipy.stats.mstats.mquantiles with its default plotting positions (alphap = betap = 0.4)."""
    n = ordered.size
    aleph = n * p + (0.4 + p * (1.0 - 0.4 - 0.4))
    k = np.floor(np.clip(aleph, 1, n - 1)).astype(np.intp)
    gamma = np.clip(aleph - k, 0.0, 1.0)
    result: NDArray[np.float64] = (1.0 - gamma) * ordered[k - 1] + gamma * ordered[k]
    return result
