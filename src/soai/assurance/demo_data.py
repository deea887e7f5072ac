"""A synthetic Cambodian credit-scoring dataset with a known bias, generated deterministically.

For trying the fairness tests on something realistic without real personal data: applicants
from 8 provinces, both genders, three age bands; whether they repaid depends on income and
credit history only, but the model's score also penalises applicants from the two
north-eastern provinces (Ratanakiri and Mondulkiri). The fairness tests should find that bias
by province, and not by gender. Nothing here describes real people.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

PROVINCES = (
    "Phnom Penh", "Siem Reap", "Battambang", "Kampong Cham", "Kampot", "Takeo",
    "Ratanakiri", "Mondulkiri",
)  # fmt: skip
PENALISED = ("Ratanakiri", "Mondulkiri")
SHARES = (0.30, 0.14, 0.13, 0.12, 0.09, 0.10, 0.06, 0.06)
AGE_BANDS = ("18-29", "30-49", "50+")
COLUMNS = ("applicant", "gender", "province", "age_band", "monthly_income_usd",
           "credit_history_months", "repaid", "score", "approved")  # fmt: skip


def generate(rows: int = 20_000, *, seed: int = 855) -> dict[str, np.ndarray]:
    """The dataset as columns; the same ``rows`` and ``seed`` always give the same data."""
    rng = np.random.default_rng(seed)
    province = rng.choice(np.array(PROVINCES), size=rows, p=np.array(SHARES))
    gender = rng.choice(np.array(["female", "male"]), size=rows)
    age = rng.choice(np.array(AGE_BANDS), size=rows, p=[0.35, 0.45, 0.20])
    income = np.round(rng.lognormal(mean=5.6, sigma=0.5, size=rows), 0)
    history = rng.integers(0, 120, size=rows)
    ability = 0.004 * (income - 270) + 0.02 * (history - 60)
    repaid = (rng.random(rows) < 1 / (1 + np.exp(-(ability + 0.8)))).astype(np.int8)
    bias = np.where(np.isin(province, PENALISED), -1.2, 0.0)  # the known, planted bias
    score = 1 / (1 + np.exp(-(ability + 0.8 + bias + rng.normal(0, 0.5, size=rows))))
    approved = (score >= 0.6).astype(np.int8)
    return {
        "applicant": np.array([f"A{n:06d}" for n in range(rows)]),
        "gender": gender,
        "province": province,
        "age_band": age,
        "monthly_income_usd": income,
        "credit_history_months": history,
        "repaid": repaid,
        "score": np.round(score, 4),
        "approved": approved,
    }


def write_csv(path: Path, *, rows: int = 20_000, seed: int = 855) -> Path:
    """Write the dataset as CSV (UTF-8) and return its path."""
    data = generate(rows, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(zip(*(data[column].tolist() for column in COLUMNS), strict=True))
    return path
