"""A demo model for the synthetic Cambodian credit dataset (``demo_data``), for trying model tests.

It learns to copy the historical approval decisions (``approved``), which carry the planted bias
against applicants from Ratanakiri and Mondulkiri, so the model learns that bias too: the
fairness tests should find it by province, and explanations should show province mattering.
It is a scikit-learn pipeline: the categories (province, gender, age band) one-hot encoded,
the numbers (monthly income, months of credit history) standardised, then logistic regression.
Training is deterministic: the same data always gives the same model and the same predictions.
Nothing here describes real people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from soai.assurance import demo_data

CATEGORIES = ("province", "gender", "age_band")
NUMBERS = ("monthly_income_usd", "credit_history_months")
FEATURES = CATEGORIES + NUMBERS
TARGET = "approved"


def train(data: dict[str, np.ndarray]) -> Any:
    """A scikit-learn ``Pipeline`` fitted on ``data`` (columns as ``demo_data.generate`` gives)."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.DataFrame({name: data[name] for name in FEATURES})
    prepare = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                list(CATEGORIES),
            ),
            ("numbers", StandardScaler(), list(NUMBERS)),
        ]
    )
    model = Pipeline([("prepare", prepare), ("classify", LogisticRegression(max_iter=1000))])
    return model.fit(frame, np.asarray(data[TARGET]))


def write(path: Path, *, rows: int = 20_000, seed: int = 855) -> Path:
    """Train on ``demo_data.generate(rows, seed=seed)``, save with joblib and return ``path``."""
    import joblib

    model = train(demo_data.generate(rows, seed=seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path
