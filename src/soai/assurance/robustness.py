"""How much a classifier's decisions change when its inputs are disturbed a little.

A robust model should not change its decision because an income was recorded a few dollars off
or a category was entered wrongly. The test disturbs the data on purpose and counts what moves.

How the data is disturbed, at a given level (for example 0.1):

- a numeric feature gets random noise added to every value: a normal (Gaussian) draw whose
  standard deviation is the level times the column's own standard deviation, so at 0.1 a value
  moves by about a tenth of the column's usual spread. Whole-number columns stay whole numbers
  (the disturbed value is rounded). Missing values stay missing; a constant column cannot move.
- a categorical (text or yes/no) feature: each value, with a probability equal to the level,
  is replaced by a different category, chosen in proportion to how often each other category
  occurs in the column. A column with a single category cannot change.

What is reported, for each level (all features disturbed together):

- stability: the share of rows whose predicted class did not change; 1.0 means none moved.
- accuracy on the original data, on the disturbed data, and the drop between them (needs the
  true labels).
- mean absolute score change: how far the positive-class probability moved, on average
  (needs a model that gives probabilities).

And, at the middle level (the median of the levels, the higher one of an even count), the sensitivity of each feature: only that feature is disturbed and
the flip rate is the share of decisions that changed. Features are listed from the most to the
least sensitive.

Conventions: the same data, model, levels and seed always give the same result. Results are
JSON-ready (plain numbers, never NaN); a value that cannot be measured is ``None`` and
``undefined[name]`` says why. Regression models are refused: this test is about decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from soai.assurance.model import Model


class FeatureProfile(TypedDict):
    feature: str
    kind: str  # numeric | categorical
    std: float | None
    categories: int | None


class Level(TypedDict):
    level: float
    stability: float
    changed: int
    accuracy_original: float | None
    accuracy_perturbed: float | None
    accuracy_drop: float | None
    mean_abs_score_change: float | None


class Sensitivity(TypedDict):
    feature: str
    flip_rate: float
    changed: int
    mean_abs_score_change: float | None


class SensitivityReport(TypedDict):
    level: float
    features: list[Sensitivity]


class Robustness(TypedDict):
    n: int
    seed: int
    features: list[FeatureProfile]
    levels: list[Level]
    sensitivity: SensitivityReport
    undefined: dict[str, str]


@dataclass(frozen=True)
class _Column:
    values: NDArray[Any]
    std: float | None = None  # numeric columns
    codes: NDArray[np.intp] | None = None  # categorical columns: index into `categories`
    categories: NDArray[Any] | None = None  # one original value per category
    cumulative: NDArray[np.float64] | None = None  # cumulative shares of the categories

    def perturb(self, level: float, rng: np.random.Generator) -> NDArray[Any]:
        if self.codes is None or self.categories is None or self.cumulative is None:
            noisy = self.values + rng.normal(0.0, level * (self.std or 0.0), self.values.size)
            if self.values.dtype.kind in "iu":
                return np.rint(noisy).astype(self.values.dtype)
            return noisy.astype(self.values.dtype)
        swap = rng.random(self.codes.size) < level
        if self.categories.size < 2:
            return self.values.copy()
        # Draw from the shares with the row's own category left out: a uniform draw over the
        # other categories' total share, stepping over the row's own slice of [0, 1).
        current = self.codes[swap]
        end = self.cumulative[current]
        start = np.r_[0.0, self.cumulative[:-1]][current]
        draw = rng.random(current.size) * (1.0 - (end - start))
        draw = np.where(draw >= start, draw + (end - start), draw)
        new = np.minimum(
            np.searchsorted(self.cumulative, draw, side="right"), self.cumulative.size - 1
        )
        result = self.values.copy()
        result[swap] = self.categories[new]
        return result


def robustness(
    model: Model,
    columns: Mapping[str, NDArray[Any]],
    y_true: ArrayLike | None,
    *,
    features: Sequence[str] | None = None,
    levels: Sequence[float] = (0.05, 0.1, 0.2),
    seed: int = 0,
) -> Robustness:
    """Disturb ``features`` of ``columns`` at each level and measure how ``model``'s decisions
    change. ``y_true`` holds the true 0/1 labels (None when unknown)."""
    names = model.inputs(features)
    steps = sorted(float(level) for level in levels)
    if not steps or not all(0.0 < level <= 1.0 for level in steps):
        raise ValueError(f"levels must be one or more numbers in (0, 1]; got {list(levels)!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    data = {name: np.asarray(values) for name, values in columns.items()}
    profiles = {name: _profile(data[name]) for name in names}
    base, base_score = model.predict_with_score(data, names)
    if base.size == 0:
        raise ValueError("the data has no rows")
    truth = None if y_true is None else np.asarray(y_true)
    if truth is not None and truth.shape != base.shape:
        raise ValueError(f"y_true has {truth.size} values but the data has {base.size} rows")
    undefined: dict[str, str] = {}
    if truth is None:
        undefined["accuracy"] = "no true labels were given"
    if base_score is None:
        undefined["mean_abs_score_change"] = "the model gives no probabilities"

    def compare(changed: Mapping[str, NDArray[Any]]) -> tuple[NDArray[np.int8], float | None]:
        predicted, score = model.predict_with_score({**data, **changed}, names)
        moved = None
        if score is not None and base_score is not None and score.size:
            moved = float(np.mean(np.abs(score - base_score)))
        return predicted, moved

    results: list[Level] = []
    accuracy = _accuracy(base, truth)
    for index, level in enumerate(steps):
        rng = np.random.default_rng([seed, 0, index])
        predicted, moved = compare({name: profiles[name].perturb(level, rng) for name in names})
        after = _accuracy(predicted, truth)
        results.append(
            Level(
                level=level,
                stability=_share(predicted == base),
                changed=int(np.count_nonzero(predicted != base)),
                accuracy_original=accuracy,
                accuracy_perturbed=after,
                accuracy_drop=None if accuracy is None or after is None else accuracy - after,
                mean_abs_score_change=moved,
            )
        )
    middle = steps[len(steps) // 2]
    sensitivity: list[Sensitivity] = []
    for index, name in enumerate(names):
        rng = np.random.default_rng([seed, 1, index])
        predicted, moved = compare({name: profiles[name].perturb(middle, rng)})
        flips = predicted != base
        sensitivity.append(
            Sensitivity(
                feature=name,
                flip_rate=_share(flips),
                changed=int(np.count_nonzero(flips)),
                mean_abs_score_change=moved,
            )
        )
    sensitivity.sort(key=lambda item: (-item["flip_rate"], -(item["mean_abs_score_change"] or 0.0)))
    return Robustness(
        n=int(base.size),
        seed=seed,
        features=[_describe(name, profiles[name]) for name in names],
        levels=results,
        sensitivity=SensitivityReport(level=middle, features=sensitivity),
        undefined=undefined,
    )


def _profile(values: NDArray[Any]) -> _Column:
    if values.dtype.kind in "iuf":
        numbers = values.astype(np.float64)
        finite = numbers[np.isfinite(numbers)]
        return _Column(values, std=float(finite.std()) if finite.size else 0.0)
    text = values.astype(str)
    _, first, codes, counts = np.unique(
        text, return_index=True, return_inverse=True, return_counts=True
    )
    return _Column(
        values,
        codes=codes.reshape(-1),
        categories=values[first],
        cumulative=np.cumsum(counts) / counts.sum() if counts.size else np.zeros(0),
    )


def _describe(name: str, column: _Column) -> FeatureProfile:
    if column.categories is None:
        return FeatureProfile(feature=name, kind="numeric", std=column.std, categories=None)
    return FeatureProfile(
        feature=name, kind="categorical", std=None, categories=int(column.categories.size)
    )


def _accuracy(predicted: NDArray[np.int8], truth: NDArray[Any] | None) -> float | None:
    return None if truth is None else _share(predicted == truth)


def _share(hits: NDArray[np.bool_]) -> float:
    return float(np.mean(hits)) if hits.size else 0.0
