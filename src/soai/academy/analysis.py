"""Item analysis after an exam window, for the item-writing committee.

Pure logic (no database, no web), vectorised with numpy. The input is who saw which item and
whether they answered it correctly — a response matrix (candidates × items: 1, 0, NaN for not
presented) or the attempts' form arrays — and, optionally, which original option each chose.

Per item: **facility** (share correct among those presented the item), **discrimination** (the
item-rest point-biserial correlation: Pearson's r between the item score and the candidate's
total of the *other* scored items, over the candidates presented the item; a pretest item is
correlated with the whole scored total, which never contains it), and the **distractor
analysis** (share choosing each option or omitting, and the mean total score of those who did).

Reliability (Cronbach's alpha, which for 0/1 items is KR-20) is computed per form blueprint on
the candidates presented its usual number ``k`` of scored items (others are left out and
counted in ``excluded``; an item not presented is missing, never wrong):

* a fixed form (every included candidate saw the same scored items): the textbook
  ``KR-20 = k/(k−1) · (1 − Σ p_j q_j / σ²_X)``, σ² the population variance of total scores;
* forms drawn at random from the bank (method ``random-forms``): the same formula with each
  candidate's own items, where an item's variance is taken around the mean facility ``p̄`` of
  all scored presentations, ``mean_c Σ_{j∈c} (p_j q_j + (p_j − p̄)²)``. The difficulty of the
  form a candidate happened to draw is error, as it is for them: for a linear model this equals
  the dependability coefficient Φ of generalizability theory for items nested in persons.

SEM = SD × √(1 − reliability), SD the (n − 1) standard deviation of the included totals.
Thresholds (facility, discrimination, reliability, promotion) are data: ``item-analysis.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from soai.academy.programme import DATA

OPTION_LABELS = ("a", "b", "c", "d", "omitted")
_CHUNK = 1 << 22  # presentations per chunk


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float = Field(ge=0, le=1)
    max: float = Field(ge=0, le=1)


class _Reliability(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    satisfactory: float
    unsatisfactory: float


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    source: str
    facility: _Range
    discrimination_min: float
    reliability: _Reliability
    promotion_min_responses: int = Field(gt=0)
    distractor_min_share: float = Field(ge=0, le=1)


@lru_cache(maxsize=1)
def thresholds(path: Path = DATA / "item-analysis.yaml") -> Thresholds:
    return Thresholds.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, eq=False)
class Reliability:
    coefficient: float  # NaN when it cannot be computed
    method: str  # "kr20" | "random-forms" | "none"
    scored_items: int  # k
    candidates: int
    excluded: int
    mean: float
    sd: float
    sem: float


@dataclass(frozen=True, eq=False)
class Analysis:
    responses: np.ndarray  # int64 [items]: times presented
    facility: np.ndarray  # float64 [items]; NaN when never presented
    discrimination: np.ndarray  # float64 [items]; NaN when undefined (no variance)
    option_share: np.ndarray  # float64 [items, 5]: a, b, c, d, omitted (NaN without choices)
    option_mean_total: np.ndarray  # float64 [items, 5]
    keys: np.ndarray | None  # int [items] original key index, when given
    reliability: Reliability
    candidates: int


# One chunk of presentations: candidate, item, score (0/1), scored?, chosen option (-1 none).
_Chunk = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]
_Chunks = Callable[[], Iterator[_Chunk]]


def analyse(
    responses: np.ndarray,
    *,
    scored: np.ndarray | None = None,
    choices: np.ndarray | None = None,
    keys: np.ndarray | None = None,
) -> Analysis:
    """Analyse a response matrix ``[candidates, items]`` of 1/0/NaN. ``scored`` [items] says
    which items count toward the total (default all); ``choices`` [candidates, items] the
    original option chosen (0–3, -1 omitted); ``keys`` [items] the right option."""
    x = np.asarray(responses, dtype=np.float64)
    n, m = x.shape
    scored_cols = np.ones(m, dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    step = max(1, _CHUNK // max(m, 1))

    def chunks() -> Iterator[_Chunk]:
        for start in range(0, n, step):
            block = x[start : start + step]
            rows, cols = np.nonzero(~np.isnan(block))
            chosen = None if choices is None else np.asarray(choices)[start + rows, cols]
            yield rows + start, cols, block[rows, cols], scored_cols[cols], chosen

    return _analyse(chunks, n, m, choices is not None, keys)


def analyse_attempts(
    items: np.ndarray,
    correct: np.ndarray,
    scored: np.ndarray,
    *,
    n_items: int,
    chosen: np.ndarray | None = None,
    keys: np.ndarray | None = None,
) -> Analysis:
    """Analyse attempts in form layout: bank rows ``items [n, k]``, ``correct [n, k]``,
    ``scored [n, k]`` or ``[k]``, optionally ``chosen [n, k]`` original options
    (:func:`soai.academy.grading.original_options`). Same result as :func:`analyse` of the
    equivalent matrix, without building it."""
    items = np.asarray(items)
    n, k = items.shape
    scored_all = np.broadcast_to(np.asarray(scored, dtype=bool), (n, k))
    step = max(1, _CHUNK // max(k, 1))

    def chunks() -> Iterator[_Chunk]:
        for start in range(0, n, step):
            rows = slice(start, start + step)
            count = items[rows].shape[0]
            cand = np.repeat(np.arange(start, start + count), k)
            picked = None if chosen is None else np.asarray(chosen)[rows].ravel()
            score = np.asarray(correct[rows], dtype=np.float64).ravel()
            yield cand, items[rows].ravel(), score, scored_all[rows].ravel(), picked

    return _analyse(chunks, n, n_items, chosen is not None, keys)


def _analyse(chunks: Any, n: int, m: int, with_choices: bool, keys: np.ndarray | None) -> Analysis:
    totals = np.zeros(n)
    counts = np.zeros(n, dtype=np.int64)  # scored items presented per candidate
    for cand, _, x, s, _ in chunks():
        totals += np.bincount(cand, weights=x * s, minlength=n)
        counts += np.bincount(cand, weights=s, minlength=n).astype(np.int64)
    centre = float(totals.mean()) if n else 0.0
    sums = np.zeros((5, m))  # n, Σx, Σr, Σr², Σxr (r = rest score, centred)
    options = np.zeros((2, m * 5))  # count, Σ total per (item, option)
    for cand, item, x, s, picked in chunks():
        rest = totals[cand] - centre - x * s
        for row, weights in enumerate((None, x, rest, rest * rest, x * rest)):
            sums[row] += np.bincount(item, weights=weights, minlength=m)
        if picked is not None:
            slot = item * 5 + np.where(picked < 0, 4, picked)
            options[0] += np.bincount(slot, minlength=m * 5)
            options[1] += np.bincount(slot, weights=totals[cand], minlength=m * 5)
    seen, sx, sr, srr, sxr = sums
    with np.errstate(invalid="ignore", divide="ignore"):
        facility = np.where(seen > 0, sx / seen, np.nan)
        mean_r = sr / seen
        cov = sxr / seen - facility * mean_r
        var_x = facility * (1 - facility)
        var_r = srr / seen - mean_r**2
        denominator = np.sqrt(var_x * var_r)
        discrimination = np.where(denominator > 1e-12, cov / denominator, np.nan)
        count = options[0].reshape(m, 5)
        share = count / seen[:, None] if with_choices else np.full((m, 5), np.nan)
        mean_total = np.where(count > 0, options[1].reshape(m, 5) / count, np.nan)
    return Analysis(
        responses=seen.astype(np.int64),
        facility=facility,
        discrimination=np.clip(discrimination, -1.0, 1.0),
        option_share=share,
        option_mean_total=mean_total if with_choices else np.full((m, 5), np.nan),
        keys=None if keys is None else np.asarray(keys),
        reliability=_reliability(chunks, totals, counts, facility, m),
        candidates=n,
    )


def _reliability(
    chunks: _Chunks, totals: np.ndarray, counts: np.ndarray, facility: np.ndarray, m: int
) -> Reliability:
    """KR-20 / random-forms coefficient (module docstring) on candidates with the usual k."""
    n = len(totals)
    k = int(np.bincount(counts).argmax()) if n else 0
    included = counts == k
    if k < 2 or included.sum() < 2:
        return Reliability(math.nan, "none", k, int(included.sum()), n - int(included.sum()),
                           math.nan, math.nan, math.nan)  # fmt: skip
    p = np.nan_to_num(facility)
    seen_items = np.zeros(m, dtype=bool)
    own = np.zeros(n)  # Σ p_j q_j over the candidate's scored items
    spread = np.zeros(n)  # Σ (p_j − p̄)² over them
    scored_sum = scored_seen = 0.0
    for cand, _item, x, s, _ in chunks():
        use = s & included[cand]
        scored_sum += float(x[use].sum())
        scored_seen += float(use.sum())
    p_bar = scored_sum / scored_seen
    for cand, item, _, s, _ in chunks():
        use = s & included[cand]
        seen_items[item[use]] = True
        own += np.bincount(cand[use], weights=(p * (1 - p))[item[use]], minlength=n)
        spread += np.bincount(cand[use], weights=((p - p_bar) ** 2)[item[use]], minlength=n)
    fixed = int(seen_items.sum()) == k
    scores = totals[included]
    variance = float(scores.var())
    error = float(own[included].mean()) + (0.0 if fixed else float(spread[included].mean()))
    alpha = k / (k - 1) * (1 - error / variance) if variance > 0 else math.nan
    sd = float(scores.std(ddof=1))
    return Reliability(
        coefficient=alpha,
        method="kr20" if fixed else "random-forms",
        scored_items=k,
        candidates=int(included.sum()),
        excluded=n - int(included.sum()),
        mean=float(scores.mean()),
        sd=sd,
        sem=sd * math.sqrt(max(0.0, 1 - alpha)) if not math.isnan(alpha) else math.nan,
    )


def report(
    analysis: Analysis,
    *,
    item_ids: Sequence[str],
    status: Sequence[str] | None = None,
    limits: Thresholds | None = None,
) -> dict[str, Any]:
    """JSON-ready item analysis for the item-writing committee (items never presented are
    left out). Shape: ``{"candidates", "thresholds", "reliability": {"coefficient", "method",
    "rating", "scored_items", "candidates", "excluded", "mean", "sd", "sem"}, "items": [{"id",
    "status", "responses", "facility", "discrimination", "options": {"a": {"share",
    "mean_total", "key"}, ..., "omitted": {...}}, "flags": [{"code", "severity", "reason"}],
    "recommendation"}], "summary": {"flagged", "promote", "review", "revise"}}``.

    Recommendation: a pretest item is ``promote`` only with at least
    ``promotion_min_responses`` responses, facility within the range and discrimination at
    least the minimum (no review flag at all); with fewer responses ``collect``; else
    ``revise``. Any other item is ``keep`` or, with a review flag, ``review``."""
    limits = limits or thresholds()
    rel = analysis.reliability
    rows = []
    summary: dict[str, Any] = {"flagged": 0, "promote": [], "review": [], "revise": []}
    for j in (int(v) for v in np.flatnonzero(analysis.responses > 0)):
        item_status = status[j] if status is not None else None
        flags = _flags(analysis, j, limits)
        review = any(f["severity"] == "review" for f in flags)
        enough = analysis.responses[j] >= limits.promotion_min_responses
        if item_status == "pretest":
            verdict = "collect" if not enough else ("revise" if review else "promote")
        else:
            verdict = "review" if review else "keep"
        summary["flagged"] += bool(review)
        if verdict in ("promote", "review", "revise"):
            summary[verdict].append(item_ids[j])
        rows.append(
            {
                "id": item_ids[j],
                "status": item_status,
                "responses": int(analysis.responses[j]),
                "facility": _number(analysis.facility[j]),
                "discrimination": _number(analysis.discrimination[j]),
                "options": _options(analysis, j),
                "flags": flags,
                "recommendation": verdict,
            }
        )
    return {
        "candidates": analysis.candidates,
        "thresholds": limits.model_dump(mode="json"),
        "reliability": {
            "coefficient": _number(rel.coefficient),
            "method": rel.method,
            "rating": _rating(rel.coefficient, limits),
            "scored_items": rel.scored_items,
            "candidates": rel.candidates,
            "excluded": rel.excluded,
            "mean": _number(rel.mean),
            "sd": _number(rel.sd),
            "sem": _number(rel.sem),
        },
        "items": rows,
        "summary": summary,
    }


def _flags(analysis: Analysis, j: int, limits: Thresholds) -> list[dict[str, str]]:
    flags = []
    facility, disc = analysis.facility[j], analysis.discrimination[j]

    def flag(code: str, reason: str, severity: str = "review") -> None:
        flags.append({"code": code, "severity": severity, "reason": reason})

    if analysis.responses[j] < limits.promotion_min_responses:
        flag("few_responses", f"only {analysis.responses[j]} responses "
             f"(statistics are judged from {limits.promotion_min_responses})", "info")  # fmt: skip
    if facility < limits.facility.min:
        flag("too_hard", f"facility {facility:.2f} is below {limits.facility.min:.2f}")
    elif facility > limits.facility.max:
        flag("too_easy", f"facility {facility:.2f} is above {limits.facility.max:.2f}")
    if math.isnan(disc):
        flag("no_discrimination", "everyone (or no one) got it right: discrimination undefined")
    elif disc < 0:
        flag("negative_discrimination", f"discrimination {disc:.2f}: stronger candidates do "
             "worse on it — check the key", "review")  # fmt: skip
    elif disc < limits.discrimination_min:
        flag("low_discrimination", f"discrimination {disc:.2f} is below "
             f"{limits.discrimination_min:.2f}")  # fmt: skip
    if analysis.keys is not None and not np.isnan(analysis.option_share[j]).all():
        key = int(analysis.keys[j])
        share, mean = analysis.option_share[j], analysis.option_mean_total[j]
        distractors = [o for o in range(4) if o != key]
        strong = [o for o in distractors
                  if share[o] >= limits.distractor_min_share and mean[o] > mean[key]]  # fmt: skip
        if strong:
            letters = ", ".join(OPTION_LABELS[o] for o in strong)
            flag("possible_miskey", f"those choosing {letters} score higher on average than "
                 f"those choosing the key {OPTION_LABELS[key]}")  # fmt: skip
        weak = [o for o in distractors if share[o] < limits.distractor_min_share]
        if weak:
            letters = ", ".join(OPTION_LABELS[o] for o in weak)
            flag("weak_distractors", f"option(s) {letters} chosen by fewer than "
                 f"{limits.distractor_min_share:.0%}", "info")  # fmt: skip
    return flags


def _options(analysis: Analysis, j: int) -> dict[str, dict[str, Any]]:
    key = None if analysis.keys is None else int(analysis.keys[j])
    return {
        label: {
            "share": _number(analysis.option_share[j, o]),
            "mean_total": _number(analysis.option_mean_total[j, o]),
            **({"key": o == key} if o < 4 else {}),
        }
        for o, label in enumerate(OPTION_LABELS)
    }


def _rating(alpha: float, limits: Thresholds) -> str | None:
    if math.isnan(alpha):
        return None
    if alpha >= limits.reliability.satisfactory:
        return "satisfactory"
    return "unsatisfactory" if alpha < limits.reliability.unsatisfactory else "borderline"


def _number(value: float) -> float | None:
    """A JSON number rounded to 4 places, or None for NaN."""
    return None if math.isnan(value) else round(float(value), 4)
