"""Is the data behind an AI system complete, unduplicated, representative and stable?

What each measurement means, in plain words (the portal shows these to users):

- missingness: per column, how many values are missing and their share of the rows. Missing
  is NaN in numbers, NaT in dates, and None, "", NaN or pandas.NA in text or mixed columns.
- duplicates: how many rows repeat an earlier row in every column (missing values counting as
  equal), and their share of all rows.
- representation: each group's share of the data (rows without a group left out) against its
  share of the population served; the difference (data − population) and the ratio
  (data ÷ population: 1 is fair, below 1 under-represented). Groups match by their text form.
- label balance: the cases of each outcome; imbalance ratio = largest class ÷ smallest class.
- population stability index (PSI): how far the current data's distribution has moved from
  the reference's. Rule of thumb: below 0.1 stable, 0.1–0.25 moderate, 0.25 or more significant.
- Kolmogorov–Smirnov (KS): the largest gap between the two samples' cumulative distributions
  (0 identical, 1 no overlap), and the p-value: the chance of a gap at least this large if
  both came from one distribution. A small p-value (e.g. below 0.05) means drift.
- drift: PSI (and KS) of each column two tables share: numbers as numbers, every other
  column (dates included: convert them to numbers first) by the shares of its categories.

Formulas and conventions:

- PSI = Σᵢ (cᵢ − rᵢ)·ln(cᵢ / rᵢ), rᵢ and cᵢ the reference's and the current data's shares in bin
  i, each share raised to at least ε = 1e-4 (PSI_EPSILON) so an empty bin adds a large but
  finite term. Numeric bins cut at the reference's quantiles (numpy.quantile, linear; tied cut
  points merge); the outer bins are open so values beyond the reference's range still count.
- KS statistic: exactly scipy.stats.ks_2samp's (two-sided). p-value: the asymptotic one, the
  Kolmogorov distribution for n = round(n₁n₂/(n₁+n₂)) by the Pelz–Good expansion (1976); it is
  within 5e-5 of ks_2samp(method="asymp") for n ≥ 50, 1e-6 for n ≥ 300, 1e-7 for n ≥ 1000,
  2e-3 for n ≥ 10 (use an exact test on samples that small); None when n = 0.
- Undefined values are None with the reason in ``undefined``; results are JSON-ready.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

PSI_EPSILON = 1e-4
PSI_BANDS = ((0.1, "stable"), (0.25, "moderate"), (math.inf, "significant"))
EXAMPLES = 10  # how many row indices / categories a result lists at most
NUMERIC = "iuf"  # kinds of numpy dtype measured as numbers; every other kind as categories


def missingness(columns: Mapping[str, ArrayLike]) -> dict[str, Any]:
    """Count the missing values of each column and the rows with any missing value."""
    table, rows = _table(columns)
    masks = {name: _missing(array) for name, array in table.items()}
    any_missing = np.logical_or.reduce(list(masks.values()))
    return {
        "rows": rows,
        "rows_with_missing": int(any_missing.sum()),
        "columns": {
            name: {"missing": int(mask.sum()), "share": float(mask.sum()) / rows}
            for name, mask in masks.items()
        },
    }


def duplicates(columns: Mapping[str, ArrayLike]) -> dict[str, Any]:
    """Count the rows that repeat an earlier row in every column (pandas ``duplicated()``)."""
    table, rows = _table(columns)
    codes = np.column_stack([_codes(array) for array in table.values()])
    first = np.unique(codes, axis=0, return_index=True)[1]
    repeated = np.ones(rows, dtype=bool)
    repeated[first] = False
    return {
        "rows": rows,
        "distinct_rows": int(first.size),
        "duplicate_rows": rows - int(first.size),
        "share": (rows - int(first.size)) / rows,
        "examples": np.flatnonzero(repeated)[:EXAMPLES].tolist(),  # 0-based row indices
    }


def representation(groups: ArrayLike, reference: Mapping[str, float]) -> dict[str, Any]:
    """Compare each group's share of the data with its share of the reference population."""
    shares = {str(group): float(share) for group, share in reference.items()}
    total = math.fsum(shares.values())
    if not shares or abs(total - 1) > 1e-6 or not all(0 <= v <= 1 for v in shares.values()):
        raise ValueError(
            "reference must map each group to its population share, each between 0 and 1 and "
            f"together 1; got {shares} (total {total!r})"
        )
    labels, counts, missing = _categories("groups", groups)
    observed, known = dict(zip(labels, counts, strict=True)), sum(counts)
    report: dict[str, dict[str, Any]] = {}
    for group in sorted(observed.keys() | shares.keys()):
        share, expected = (observed.get(group, 0) / known if known else None), shares.get(group)
        report[group] = {
            "count": observed.get(group, 0),
            "observed_share": share,
            "reference_share": expected,
            "difference": None if share is None or expected is None else share - expected,
            "ratio": None if share is None or not expected else share / expected,
        }
    differences = [abs(g["difference"]) for g in report.values() if g["difference"] is not None]
    ratios = [g["ratio"] for g in report.values() if g["ratio"] is not None]
    return {
        "rows": known + missing,
        "missing": missing,
        "groups": report,
        "absent_from_data": sorted(shares.keys() - observed.keys()),
        "absent_from_reference": sorted(observed.keys() - shares.keys()),
        "max_abs_difference": max(differences, default=None),
        "min_ratio": min(ratios, default=None),
    }


def label_balance(y: ArrayLike) -> dict[str, Any]:
    """Count each outcome class; the imbalance ratio is largest count ÷ smallest count."""
    labels, counts, missing = _categories("y", y)
    if not labels:
        raise ValueError("y has no labels: every value is missing")
    ranked = sorted(zip(counts, labels, strict=True), key=lambda pair: (-pair[0], pair[1]))
    single = len(labels) == 1
    return {
        "rows": sum(counts) + missing,
        "missing": missing,
        "classes": {label: {"count": n, "share": n / sum(counts)} for n, label in ranked},
        "majority": ranked[0][1],
        "minority": ranked[-1][1],
        "imbalance_ratio": None if single else ranked[0][0] / ranked[-1][0],
        "undefined": {"imbalance_ratio": "y holds a single class"} if single else {},
    }


def psi(reference: ArrayLike, current: ArrayLike, *, bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference`` (numbers, no NaN)."""
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
        raise ValueError(f"bins must be an integer of at least 2; got {bins!r}")
    base, now = _finite("reference", reference), _finite("current", current)
    cuts = np.unique(np.quantile(base, np.linspace(0.0, 1.0, bins + 1))[1:-1])
    size = cuts.size + 1
    expected = np.bincount(np.searchsorted(cuts, base, side="right"), minlength=size) / base.size
    actual = np.bincount(np.searchsorted(cuts, now, side="right"), minlength=size) / now.size
    return _psi(expected, actual)


def ks(reference: ArrayLike, current: ArrayLike) -> dict[str, Any]:
    """Two-sample Kolmogorov–Smirnov statistic and asymptotic p-value (two-sided)."""
    first, second = np.sort(_finite("reference", reference)), np.sort(_finite("current", current))
    pooled = np.concatenate([first, second])
    gap = (
        np.searchsorted(first, pooled, side="right") / first.size
        - np.searchsorted(second, pooled, side="right") / second.size
    )
    statistic = float(max(np.clip(-gap.min(), 0, 1), gap.max()))
    larger, smaller = sorted([float(first.size), float(second.size)], reverse=True)
    n = int(np.round(larger * smaller / (larger + smaller)))
    undefined = {} if n else {"p_value": "too few values: both samples hold a single value"}
    return {
        "statistic": statistic,
        "p_value": _kolmogorov_sf(statistic, n) if n else None,
        "n_reference": first.size,
        "n_current": second.size,
        "undefined": undefined,
    }


def drift(
    reference_columns: Mapping[str, ArrayLike], current_columns: Mapping[str, ArrayLike]
) -> dict[str, Any]:
    """PSI of every column both tables share, and KS for the columns of numbers in both."""
    report: dict[str, dict[str, Any]] = {}
    for name in sorted(reference_columns.keys() & current_columns.keys()):
        base = _vector(f"reference column {name!r}", reference_columns[name])
        now = _vector(f"current column {name!r}", current_columns[name])
        try:
            report[name] = _column_drift(base, now)
        except ValueError as error:
            raise ValueError(f"column {name!r}: {error}") from None
    return {
        "columns": report,
        "only_in_reference": sorted(reference_columns.keys() - current_columns.keys()),
        "only_in_current": sorted(current_columns.keys() - reference_columns.keys()),
    }


def _column_drift(base: NDArray[Any], now: NDArray[Any]) -> dict[str, Any]:
    numeric = base.dtype.kind in NUMERIC and now.dtype.kind in NUMERIC
    base_missing, now_missing = _missing(base), _missing(now)
    result: dict[str, Any] = {
        "kind": "numeric" if numeric else "categorical",
        "missing_reference": int(base_missing.sum()),
        "missing_current": int(now_missing.sum()),
        "psi": None,
        "band": None,
        "undefined": {},
    }
    if base_missing.all() or now_missing.all():
        result["undefined"]["psi"] = "the reference or the current column has only missing values"
        return result
    base, now = base[~base_missing], now[~now_missing]
    if numeric:
        result["psi"], result["ks"] = psi(base, now), ks(base, now)
    else:
        base_labels, base_counts, _ = _categories("reference", base)
        now_labels, now_counts, _ = _categories("current", now)
        categories = sorted(set(base_labels) | set(now_labels))
        expected = _shares(categories, base_labels, base_counts)
        actual = _shares(categories, now_labels, now_counts)
        result["psi"] = _psi(expected, actual)
        shifts = sorted(
            zip(categories, expected.tolist(), actual.tolist(), strict=True),
            key=lambda shift: -abs(shift[2] - shift[1]),
        )
        result["largest_shifts"] = [
            {"category": c, "reference": r, "current": a} for c, r, a in shifts[:EXAMPLES]
        ]
        result["new_categories"] = sorted(set(now_labels) - set(base_labels))[:EXAMPLES]
        result["vanished_categories"] = sorted(set(base_labels) - set(now_labels))[:EXAMPLES]
    result["band"] = next(band for limit, band in PSI_BANDS if result["psi"] < limit)
    return result


def _shares(categories: list[str], labels: list[str], counts: list[int]) -> NDArray[np.float64]:
    found = dict(zip(labels, counts, strict=True))
    return np.array([found.get(category, 0) for category in categories]) / sum(counts)


def _psi(expected: NDArray[np.float64], actual: NDArray[np.float64]) -> float:
    expected, actual = np.maximum(expected, PSI_EPSILON), np.maximum(actual, PSI_EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _kolmogorov_sf(d: float, n: int) -> float:
    """P(D_n ≥ d) for the one-sample Kolmogorov statistic, by the Pelz–Good expansion.

    Transcribed from Simard & L'Ecuyer (2011), eq. (11)-(14), as scipy writes it in
    ``scipy.stats._ksstats._kolmogn_PelzGood``: K0 + K1/√n + K2/n + K3/n^1.5 in theta form.
    """
    if d * n <= 0.5:  # D_n is never below 1/(2n)
        return 1.0
    if d >= 1.0:
        return 0.0
    z = math.sqrt(n) * d
    z2, pi2, root = z * z, math.pi**2, math.sqrt(2 * math.pi)
    if -pi2 / 8 / z2 < -708:  # every term underflows: the CDF is 0
        return 1.0
    k = np.arange(1, math.ceil(16 * z / math.pi) + 1, dtype=np.float64)
    m2 = (2 * k - 1) ** 2  # squares of the odd numbers
    odd = np.exp(-m2 * pi2 / (8 * z2))
    z4, z6 = z2 * z2, z2 * z2 * z2
    polynomials = [  # coefficients of K0..K3's odd-term sums, as polynomials in m² (highest first)
        [1.0],
        [pi2 / 4, -z2],
        [pi2**2 * (1 - 2 * z2) / 16, pi2 * (2 * z4 - 5 * z2) / 4, 6 * z6 + 2 * z4],
        [
            pi2**3 * (5 - 30 * z2) / 64,
            pi2**2 * (212 * z4 - 60 * z2) / 16,
            pi2 * (135 * z4 - 96 * z6) / 4,
            -30 * z6 - 90 * z4 * z4,
        ],
    ]
    scales = [z, 6 * z4, 72 * z6 * z, 6480 * z4 * z6]
    k0, k1, k2, k3 = (
        root * float(np.sum(np.polyval(poly, m2) * odd)) / scale
        for poly, scale in zip(polynomials, scales, strict=True)
    )
    every = k**2 * np.exp(-pi2 * k**2 / (2 * z2))
    k2 -= root * pi2 * float(np.sum(every)) / (36 * z2 * z)
    k3 += root * pi2 * float(np.sum((3 * z2 - pi2 * k**2) * every)) / (216 * z6)
    cdf = k0 + k1 / math.sqrt(n) + k2 / n + k3 / n**1.5
    return min(max(1.0 - cdf, 0.0), 1.0)


def _table(columns: Mapping[str, ArrayLike]) -> tuple[dict[str, NDArray[Any]], int]:
    table = {name: _vector(f"column {name!r}", values) for name, values in columns.items()}
    if not table:
        raise ValueError("columns is empty; at least one column is needed")
    lengths = {name: array.size for name, array in table.items()}
    if len(set(lengths.values())) > 1:
        sizes = ", ".join(f"{name!r} has {size}" for name, size in lengths.items())
        raise ValueError(f"columns must all have the same number of rows; {sizes}")
    return table, next(iter(lengths.values()))


def _vector(name: str, values: ArrayLike) -> NDArray[Any]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty; at least one value is needed")
    return array


def _finite(name: str, values: ArrayLike) -> NDArray[np.float64]:
    array = _vector(name, values)
    if array.dtype.kind not in NUMERIC:
        raise ValueError(f"{name} must hold numbers; got {array.dtype} values")
    numbers = array.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(numbers))
    if bad.size:
        raise ValueError(
            f"{name} must hold finite numbers; found {numbers[bad[0]].item()!r} in {bad.size} "
            f"row(s), the first at row {bad[0]} (0-based); drop or fill missing values first"
        )
    return numbers


def _missing(array: NDArray[Any]) -> NDArray[np.bool_]:
    kind = array.dtype.kind
    if kind in "fc":
        return np.isnan(array)
    if kind in "mM":
        return np.isnat(array)
    if kind in "UST":
        return np.asarray(array == array.dtype.type(), dtype=bool)
    if kind == "O":
        return np.frompyfunc(_is_missing_value, 1, 1)(array).astype(bool)
    return np.zeros(array.size, dtype=bool)


def _is_missing_value(value: object) -> bool:
    if value is None or (isinstance(value, str | bytes) and not value):
        return True
    try:
        return bool(value != value)  # NaN, NaT and pandas.NA are not equal to themselves
    except TypeError:  # pandas.NA refuses to be a truth value; it is missing by definition
        return True


def _codes(array: NDArray[Any]) -> NDArray[np.int64]:
    """Number each distinct value (objects by their text form); every missing value gets -1."""
    missing = _missing(array)
    present = array[~missing]
    codes = np.full(array.size, -1, dtype=np.int64)
    codes[~missing] = np.unique(
        present.astype(str) if present.dtype.kind == "O" else present, return_inverse=True
    )[1]
    return codes


def _categories(name: str, values: ArrayLike) -> tuple[list[str], list[int], int]:
    """Distinct non-missing values as text, their counts, and how many values were missing."""
    array = _vector(name, values)
    missing = _missing(array)
    present = array[~missing]
    labels, counts = np.unique(
        present if present.dtype.kind == "T" else present.astype(str), return_counts=True
    )
    return labels.tolist(), counts.tolist(), int(missing.sum())
