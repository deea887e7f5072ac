"""What a test run reads: the data file, which columns mean what, and (in model mode) the model
that makes the predictions. One :class:`Spec` describes a run or a test plan; :func:`load`
reads the file once, queries the model when there is one, and checks everything a user can get
wrong with an error naming it.

Two modes:

- predictions only: the file holds the label, the model's decision (``prediction``) and
  optionally its ``score``; nothing needs to be trusted.
- model mode: the file holds the label and the model's input features; soai loads the model
  (ONNX, or a scikit-learn pickle the analyst explicitly trusts) and asks it for decisions and
  scores. Robustness and explainability tests need this mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from soai.assurance import dataset
from soai.errors import InvalidInput
from soai.i18n.markers import N_

if TYPE_CHECKING:
    from soai.assurance.model import Model

KINDS = ("fairness", "performance", "data", "robustness", "explain")
MODEL_KINDS = ("robustness", "explain")


@dataclass(frozen=True)
class Spec:
    """The files and columns of a run (every field JSON-ready except the paths)."""

    data: Path
    label: str | None = None
    prediction: str | None = None
    score: str | None = None
    sensitive: tuple[str, ...] = ()
    model: Path | None = None
    trust_model: bool = False
    features: tuple[str, ...] = ()
    reference: Path | None = None  # a second data file: drift is measured against it
    population: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    bootstrap: int = 0
    seed: int = 0
    regression: bool = False  # numeric label and prediction: regression metrics

    def parameters(self) -> dict[str, Any]:
        """What the run was asked, as stored with it (file names, not server paths)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("data", "model", "reference")}
        out["sensitive"], out["features"] = list(self.sensitive), list(self.features)
        out["population"] = {k: dict(v) for k, v in self.population.items()}
        out["model"] = self.model.name if self.model else None
        out["reference"] = self.reference.name if self.reference else None
        return out


@dataclass
class Loaded:
    """The data of a run, read once and shared by every test of a plan."""

    spec: Spec
    table: dataset.Table
    y_true: npt.NDArray[Any] | None  # 0/1, or numbers for a regression
    y_pred: npt.NDArray[Any] | None
    score: npt.NDArray[np.float64] | None
    model: Model | None
    features: list[str]
    model_info: dict[str, Any] | None

    def input(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.table.name,
            "sha256": self.table.sha256,
            "rows": self.table.rows,
        }
        if self.model_info:
            out["model"] = self.model_info
        return out


def check(spec: Spec, kinds: tuple[str, ...]) -> None:
    """Refuse a plan that cannot run, before any file is read."""
    if not kinds:
        raise InvalidInput(N_("Choose at least one test."), field="tests")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InvalidInput(
            N_("Unknown test {name}; the tests are: {known}."),
            field="tests",
            name=", ".join(unknown),
            known=", ".join(KINDS),
        )
    needs_model = [k for k in kinds if k in MODEL_KINDS]
    if needs_model and spec.model is None:
        raise InvalidInput(
            N_("The {name} test queries the model: give the model file too."),
            field="model",
            name=needs_model[0],
        )
    if spec.model is not None and not spec.trust_model:
        from soai.assurance import model as models

        if spec.model.suffix.lower() in models.PICKLE_SUFFIXES:
            raise InvalidInput(models.UNTRUSTED, field="model", file=spec.model.name)
    if spec.model is not None and spec.prediction:
        raise InvalidInput(
            N_("Give either a prediction column or a model, not both."), field="prediction"
        )
    scored = [k for k in kinds if k not in ("data",)]
    if scored and spec.model is None and not spec.prediction:
        raise InvalidInput(
            N_("Name the prediction column, or give the model that makes the predictions."),
            field="prediction",
        )
    if [k for k in kinds if k != "data"] and not spec.label:
        raise InvalidInput(N_("Name the label column (the true outcome)."), field="label")
    if spec.regression and [k for k in kinds if k not in ("performance", "data")]:
        raise InvalidInput(
            N_("For a regression only the performance and data-quality tests apply."),
            field="tests",
        )
    if "fairness" in kinds and not spec.sensitive:
        raise InvalidInput(N_("Name at least one sensitive column."), field="sensitive")


def load(
    spec: Spec, kinds: tuple[str, ...], *, on_progress: dataset.Progress | None = None
) -> Loaded:
    """Read the columns the tests need, and in model mode ask the model for its decisions."""
    check(spec, kinds)
    model = features = model_info = None
    if spec.model is not None:
        from soai.assurance import model as models

        model = models.load(spec.model, trusted=spec.trust_model)
        features = models.check_features(
            model, dataset.header(spec.data), list(spec.features) or None
        )
        model_info = {
            "file": spec.model.name,
            "sha256": dataset.sha256_of(spec.model),
            "kind": model.kind,
        }
    wanted = [
        *([spec.label] if spec.label else []),
        *([spec.prediction] if spec.prediction else []),
        *([spec.score] if spec.score else []),
        *spec.sensitive,
        *(features or []),
        *[c for c in spec.population if c not in spec.sensitive],
    ]
    required = [c for c in wanted if c not in spec.population or c in spec.sensitive]
    if "data" in kinds:  # data quality looks at every column
        wanted = [*wanted, *[c for c in dataset.header(spec.data) if c not in wanted]]
    table = dataset.read(spec.data, columns=wanted, required=required, on_progress=on_progress)
    outcome = _finite if spec.regression else dataset.binary
    y_true = outcome(table.columns[spec.label], spec.label) if spec.label else None
    y_pred = score = None
    if spec.prediction:
        y_pred = outcome(table.columns[spec.prediction], spec.prediction)
    if spec.score:
        score = _finite(table.columns[spec.score], spec.score)
    if model is not None:
        if on_progress is not None:
            on_progress(0, None, "predicting")
        if spec.regression:
            y_pred = model.predict_values(table.columns, features)
        elif not model.is_classifier:
            raise InvalidInput(
                N_("The model is not a binary classifier; these tests need one."), field="model"
            )
        else:
            y_pred, score = model.predict_with_score(table.columns, features)
    return Loaded(spec, table, y_true, y_pred, score, model, features or [], model_info)


def parse_population(text: str, *, source: str) -> dict[str, dict[str, float]]:
    """``{column: {group: share}}`` from YAML or JSON text (empty text: no population)."""
    import yaml

    if not text.strip():
        return {}
    try:
        loaded = yaml.safe_load(text)
        return {
            str(column): {str(group): float(share) for group, share in groups.items()}
            for column, groups in loaded.items()
        }
    except (yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
        raise InvalidInput(
            N_("{file} must map each column to its groups' population shares: {reason}"),
            field="population",
            file=source,
            reason=str(exc),
        ) from exc


def _finite(values: npt.NDArray[Any], column: str) -> npt.NDArray[np.float64]:
    try:
        numbers = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            N_("Column {column} must hold numbers."), field=column, column=column
        ) from exc
    bad = ~np.isfinite(numbers)
    if bad.any():
        raise InvalidInput(
            N_("Column {column} is not a finite number at row {row}."),
            field=column,
            column=column,
            row=int(np.argmax(bad)) + 1,
        )
    return numbers
