"""Grading exam attempts in bulk: raw score, percent, scaled score, pass/fail, per domain.

Pure logic (no database, no web), vectorised with numpy: an attempt is a row; there is no
Python loop per candidate (only per chunk of rows and per domain).

Inputs are the drawn forms as arrays (see :mod:`soai.academy.forms`): the bank rows shown
(``items [n, k]``), which of them count (``scored [n, k]`` or one ``[k]`` mask for all), the
answers as *displayed* option indices (``-1``: unanswered) and each question's option order
(``option_perms[q, d]`` = original option shown at position ``d``). Only scored questions count:
pretest questions are never part of any score.

Scaled score (the IAPP style: 100–500, 300 to pass). With ``p`` the fraction of scored
questions answered correctly and ``c`` the tier's pass mark (e.g. 0.75), the scaled score is
the piecewise-linear map through (0, 100), (c, 300) and (1, 500)::

    p < c:   100 + 200 · p / c
    p ≥ c:   300 + 200 · (p − c) / (1 − c)

rounded down to a whole number. So 300 means "exactly at the pass mark" on every tier, and a
candidate passes exactly when ``raw ≥ ⌈c · scored questions⌉``, i.e. scaled ≥ 300 (the two are
kept consistent when rounding would blur them). All forms of one blueprint have the same number
of scored questions per domain, so their scaled scores are comparable *as far as their items are
of equal difficulty*; forms are drawn at random from the same pools, so they are on average.
Equating forms by item difficulty (e.g. IRT true-score equating, once item statistics are known)
is future work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from soai.academy.bank import Bank
from soai.academy.forms import Form, FormBatch
from soai.errors import InvalidInput
from soai.i18n.markers import N_

SCALE_MIN, SCALE_PASS, SCALE_MAX = 100, 300, 500
_CHUNK_ROWS = 32_768


@dataclass(frozen=True, eq=False)
class Grades:
    raw: np.ndarray  # int32 [n]: scored questions answered correctly
    scored_items: np.ndarray  # int32 [n]: scored questions on the form
    percent: np.ndarray  # float64 [n]: 100 · raw / scored_items
    scaled: np.ndarray  # int16 [n]: 100–500, 300 = the pass mark
    passed: np.ndarray  # bool [n]
    domain_correct: np.ndarray  # int32 [n, domains]
    domain_items: np.ndarray  # int32 [n, domains]: scored questions of each domain
    domain_percent: np.ndarray  # float64 [n, domains]; NaN where the form has none

    def __len__(self) -> int:
        return int(self.raw.shape[0])

    def result(self, row: int, domain_ids: tuple[str, ...]) -> dict[str, Any]:
        """JSON-ready result of one attempt: ``{"raw", "scored_items", "percent", "scaled",
        "passed", "by_domain": {domain: {"correct", "items", "percent"}}}`` (domains of the
        form only; percent rounded to 0.1)."""
        by_domain = {
            domain_id: {
                "correct": int(self.domain_correct[row, code]),
                "items": int(self.domain_items[row, code]),
                "percent": round(float(self.domain_percent[row, code]), 1),
            }
            for code, domain_id in enumerate(domain_ids)
            if self.domain_items[row, code] > 0
        }
        return {
            "raw": int(self.raw[row]),
            "scored_items": int(self.scored_items[row]),
            "percent": round(float(self.percent[row]), 1),
            "scaled": int(self.scaled[row]),
            "passed": bool(self.passed[row]),
            "by_domain": by_domain,
        }


def scale(fraction: np.ndarray | float, pass_mark: float) -> np.ndarray:
    """The unrounded scaled score of a fraction correct (see the module docstring)."""
    p = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0)
    below = SCALE_MIN + (SCALE_PASS - SCALE_MIN) * p / pass_mark
    above = SCALE_PASS + (SCALE_MAX - SCALE_PASS) * (p - pass_mark) / (1.0 - pass_mark)
    return np.where(p < pass_mark, below, above)


def cut_score(scored_items: np.ndarray | int, pass_mark: float) -> np.ndarray:
    """The least raw score that passes: ⌈pass_mark · scored items⌉ (immune to float noise)."""
    return np.ceil(np.round(pass_mark * np.asarray(scored_items, dtype=np.float64), 9))


def original_options(answers: np.ndarray, option_perms: np.ndarray | None) -> np.ndarray:
    """The original option (0 = a … 3 = d) each answer chose, -1 when unanswered (int8)."""
    answers = np.asarray(answers)
    chosen = np.clip(answers, 0, 3).astype(np.intp)
    if option_perms is not None:
        perms = np.broadcast_to(option_perms, (*answers.shape, 4))
        chosen = np.take_along_axis(perms, chosen[..., None], axis=-1)[..., 0]
    return np.where(answers >= 0, chosen, -1).astype(np.int8)


def grade(
    items: np.ndarray,
    scored: np.ndarray,
    answers: np.ndarray,
    option_perms: np.ndarray | None,
    keys: np.ndarray,
    domains: np.ndarray,
    pass_mark: float,
    *,
    n_domains: int | None = None,
) -> Grades:
    """Grade ``n`` attempts at once (see the module docstring for the inputs and the scale).

    ``keys`` and ``domains`` are per bank row (``Bank.key``, ``Bank.domain``); ``option_perms``
    is ``[n, k, 4]``, ``[k, 4]`` (one form for all) or None (options not shuffled)."""
    items = np.asarray(items)
    answers = np.asarray(answers)
    _check(items, scored, answers, option_perms, pass_mark)
    n, k = items.shape
    d_count = int(
        n_domains if n_domains is not None else (domains.max() + 1 if len(domains) else 0)
    )
    raw = np.empty(n, dtype=np.int32)
    scored_items = np.empty(n, dtype=np.int32)
    domain_correct = np.zeros((n, d_count), dtype=np.int32)
    domain_items = np.zeros((n, d_count), dtype=np.int32)
    scored_all = np.broadcast_to(np.asarray(scored, dtype=bool), (n, k))
    perms_all = None if option_perms is None else np.broadcast_to(option_perms, (n, k, 4))
    for start in range(0, n, _CHUNK_ROWS):
        rows = slice(start, min(n, start + _CHUNK_ROWS))
        shown, mask = items[rows], scored_all[rows]
        chosen = original_options(answers[rows], None if perms_all is None else perms_all[rows])
        correct = (chosen == keys[shown]) & mask
        raw[rows] = np.count_nonzero(correct, axis=1)
        scored_items[rows] = np.count_nonzero(mask, axis=1)
        domain_of = domains[shown]
        for code in range(d_count):
            here = domain_of == code
            domain_correct[rows, code] = np.count_nonzero(correct & here, axis=1)
            domain_items[rows, code] = np.count_nonzero(mask & here, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(scored_items > 0, raw / np.maximum(scored_items, 1), 0.0)
        domain_percent = np.where(
            domain_items > 0, 100.0 * domain_correct / np.maximum(domain_items, 1), np.nan
        )
    passed = (scored_items > 0) & (raw >= cut_score(scored_items, pass_mark))
    whole = np.floor(scale(fraction, pass_mark) + 1e-9)
    whole = np.where(passed, np.maximum(whole, SCALE_PASS), np.minimum(whole, SCALE_PASS - 1))
    return Grades(
        raw=raw,
        scored_items=scored_items,
        percent=100.0 * fraction,
        scaled=whole.astype(np.int16),
        passed=passed,
        domain_correct=domain_correct,
        domain_items=domain_items,
        domain_percent=domain_percent,
    )


def grade_batch(
    bank: Bank, batch: FormBatch | Form, answers: np.ndarray, pass_mark: float
) -> Grades:
    """Grade the attempts of ``batch`` (or of one form: ``answers`` [k] or [n, k])."""
    items, answers = np.asarray(batch.items), np.asarray(answers)
    if items.ndim == 1:
        items, answers = items[None, :], answers.reshape(-1, len(batch.items))
        items = np.broadcast_to(items, answers.shape)
    return grade(
        items,
        batch.scored,
        answers,
        batch.option_perms,
        bank.key,
        bank.domain,
        pass_mark,
        n_domains=len(bank.domain_ids),
    )


def _check(
    items: np.ndarray,
    scored: np.ndarray,
    answers: np.ndarray,
    option_perms: np.ndarray | None,
    pass_mark: float,
) -> None:
    problem = None
    if items.ndim != 2 or answers.shape != items.shape:
        problem = "items and answers must both be [attempts, questions] arrays of one shape"
    elif np.shape(scored) not in (items.shape, items.shape[1:]):
        problem = "scored must be [attempts, questions] or [questions]"
    elif option_perms is not None and np.shape(option_perms) not in (
        (*items.shape, 4),
        (items.shape[1], 4),
    ):
        problem = "option_perms must be [attempts, questions, 4] or [questions, 4]"
    elif answers.size and (answers.min() < -1 or answers.max() > 3):
        problem = "answers must be displayed option indices 0-3, or -1 for unanswered"
    elif not 0 < pass_mark < 1:
        problem = "pass_mark must be between 0 and 1"
    if problem:
        raise InvalidInput(N_("Cannot grade these attempts: {problem}."), problem=problem)
