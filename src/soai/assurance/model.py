"""Loading a model an analyst uploaded, and asking it for predictions.

Two kinds of file are accepted:

- a scikit-learn model saved with joblib or pickle (``.joblib``, ``.pkl``, ``.pickle``).
  Loading such a file runs code stored in it, so it is refused unless the caller says the file
  comes from a source they trust.
- an ONNX model (``.onnx``), run with onnxruntime. ONNX describes computations, not code, so it
  is safe to load from anyone. It is read from memory, so it cannot point at other files.

A file must be what its extension says. Classifiers must have exactly two classes; the second
(scikit-learn's ``classes_[1]``, the second column of an ONNX probability output) is the
positive one, predicted as 1. Its probability is the model's score. Rows are predicted in
batches of ``BATCH_ROWS`` so a large file does not need all its model inputs in memory at once.

ONNX models: several inputs are matched to data columns by name, one ``[n, 1]`` array each, in
the type the input declares; a single 2-D input gets the listed feature columns side by side
(its feature names may be given as a JSON list in the ``feature_names`` metadata). An output of
labels plus a probability output (a tensor or scikit-learn-onnx's ZipMap) is a classifier; a
single output of numbers is a regression model; a single output of labels is a classifier
without scores.
"""

from __future__ import annotations

import json
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from soai.assurance.dataset import sha256_of
from soai.errors import InvalidInput
from soai.i18n.markers import N_

BATCH_ROWS = 100_000
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
# A plain pickle (protocol 2 or later), then joblib's compressed formats (joblib.compressor).
PICKLE_MAGIC = (b"\x80", b"\x78", b"\x1f\x8b", b"BZ", b"\xfd7zXZ", b"\x5d\x00", b"\x04\x22\x4d\x18")
ONNX_TYPES: dict[str, Any] = {"tensor(float)": np.float32, "tensor(double)": np.float64,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(bool)": np.bool_,
    "tensor(string)": np.str_}  # fmt: skip
Columns = Mapping[str, NDArray[Any]]
# fmt: off
NO_NAMES = N_("The model does not record the names of its input features; list the data columns it takes, in the order it was trained on.")
MULTICLASS = N_("The model has {count} classes; only binary classifiers (two classes) can be tested.")
NOT_ONNX = N_("{file} is named .onnx but is not an ONNX model: {reason}")
BAD_SUFFIX = N_("{file}: a model must be a scikit-learn model saved as .joblib, .pkl or .pickle, or an .onnx file.")
UNTRUSTED = N_("{file} is a pickle file. Loading it runs code stored in the file, which could do anything on this server, so only files from a source you trust may be loaded. Confirm that you trust this file, or upload the model as ONNX.")
NOT_PICKLE = N_("{file} is named {suffix} but is not a joblib or pickle file.")
NOT_LOADED = N_("Cannot load the model in {file}: {reason}")
NOT_A_MODEL = N_("{file} holds a {type}, not a scikit-learn model with a predict method.")
NOT_FITTED = N_("{file} holds a {type} that was never trained (fitted).")
NOT_PREDICTED = N_("The model could not make predictions on this data: {reason}")
OTHER_FEATURES = N_("The model was trained on the features {model_features}, but the features given are {given}.")
MISSING = N_("The model needs the column(s) {missing}, which the data does not have; its columns are: {found}.")
COUNT = N_("The model takes {expected} feature(s), but {count} were given: {given}.")
WHICH_POSITIVE = N_("Cannot tell which of the model's classes is the positive one; give it the classes 0 and 1.")
REGRESSION = N_("This model predicts numbers (regression), not classes.")
NOT_NUMBERS = N_("Column {column} must hold numbers for this model; it holds values such as {values}.")
# fmt: on
Raw = tuple[NDArray[Any], NDArray[np.float64] | None, list[Any] | None]


class Model(ABC):
    """A loaded model: what it takes, what it predicts, and how to ask it."""

    kind: Literal["sklearn", "onnx"]

    def __init__(
        self,
        name: str,
        sha256: str,
        names: list[str] | None,
        width: int | None,
        *,
        is_classifier: bool,
        has_scores: bool,
        notes: list[str] | None = None,
    ) -> None:
        self.name, self.sha256, self.feature_names, self.n_features = name, sha256, names, width
        # The data columns it takes, in order: its own names, else those check_features() chose.
        self.features = names
        self.is_classifier, self.has_scores = is_classifier, has_scores
        self.notes = notes or []  # warnings raised while loading, e.g. a scikit-learn version gap

    def describe(self) -> dict[str, Any]:
        """What is known about the model, JSON-ready (for a test run's record)."""
        return {
            "name": self.name,
            "sha256": self.sha256,
            "kind": self.kind,
            "task": "classification" if self.is_classifier else "regression",
            "has_scores": self.has_scores,
            "feature_names": self.feature_names,
            "n_features": self.n_features,
            "notes": self.notes,
        }

    def predict(self, columns: Columns, features: Sequence[str] | None = None) -> NDArray[np.int8]:
        """The predicted class of each row, 1 for the positive class and 0 for the other."""
        return self.predict_with_score(columns, features, want_score=False)[0]

    def score(self, columns: Columns, features: Sequence[str] | None = None) -> NDArray[Any] | None:
        """The probability of the positive class for each row; None if the model gives none."""
        if not self.has_scores:
            return None
        return self.predict_with_score(columns, features)[1]

    def predict_with_score(
        self, columns: Columns, features: Sequence[str] | None = None, *, want_score: bool = True
    ) -> tuple[NDArray[np.int8], NDArray[np.float64] | None]:
        """Classes and (if ``want_score`` and the model has them) scores in one pass."""
        if not self.is_classifier:
            raise InvalidInput(REGRESSION, field="model")
        # ONNX computes the probabilities anyway, and they tell which class is which.
        read_scores = self.has_scores and (want_score or self.kind == "onnx")
        labels, proba, classes = self._run(columns, features, read_scores)
        if proba is not None and proba.shape[1] != 2:
            classes = list(range(proba.shape[1]))
        elif classes is None:  # an ONNX model without a class list: read the labels themselves
            classes = _classes(labels, proba)
        if len(classes) != 2:
            raise InvalidInput(MULTICLASS, field="model", count=len(classes))
        score = proba[:, 1] if proba is not None and want_score else None
        return (labels == classes[1]).astype(np.int8), score

    def predict_values(
        self, columns: Columns, features: Sequence[str] | None = None
    ) -> NDArray[np.float64]:
        """The predicted number for each row (a model's first output), for regression models."""
        if self.is_classifier:
            raise InvalidInput(N_("This model predicts classes, not numbers."), field="model")
        return self._run(columns, features, False)[0].astype(np.float64)

    def inputs(self, features: Sequence[str] | None = None) -> list[str]:
        """The columns to give the model, in order: its own feature names if it knows them,
        else ``features``, else those that :func:`check_features` chose."""
        names = self.feature_names or (list(features) if features else None) or self.features
        if names is None:
            raise InvalidInput(NO_NAMES, field="features")
        return list(names)

    def _run(self, columns: Columns, features: Sequence[str] | None, want_score: bool) -> Raw:
        names = self.inputs(features)
        rows = len(columns[names[0]]) if names else 0
        labels, probas, classes = [], [], None
        for start in range(0, rows, BATCH_ROWS):
            batch = {name: np.asarray(columns[name])[start : start + BATCH_ROWS] for name in names}
            try:
                label, proba, classes = self._batch(batch, names, want_score)
            except InvalidInput:
                raise
            except Exception as exc:  # any failure of a foreign model becomes the user's message
                reason = str(exc) or type(exc).__name__
                raise InvalidInput(NOT_PREDICTED, field="model", reason=reason) from exc
            labels.append(np.asarray(label).reshape(len(label), -1)[:, 0])
            if proba is not None:
                probas.append(proba)
        if not labels:
            return np.zeros(0, np.int8), (np.zeros((0, 2)) if want_score else None), [0, 1]
        return np.concatenate(labels), (np.concatenate(probas) if probas else None), classes

    @abstractmethod
    def _batch(self, batch: Columns, names: list[str], want_score: bool) -> Raw:
        """One batch of rows through the model: (labels, probabilities or None, classes)."""


class SklearnModel(Model):
    kind = "sklearn"

    def __init__(self, estimator: Any, name: str, sha256: str, notes: list[str]) -> None:
        names = getattr(estimator, "feature_names_in_", None)
        classes = getattr(estimator, "classes_", None)
        super().__init__(
            name,
            sha256,
            [str(n) for n in names] if names is not None else None,
            getattr(estimator, "n_features_in_", None),
            is_classifier=classes is not None,
            has_scores=classes is not None and hasattr(estimator, "predict_proba"),
            notes=notes,
        )
        self.estimator = estimator
        self.classes = None if classes is None else list(classes)
        if self.classes is not None and len(self.classes) != 2:
            raise InvalidInput(MULTICLASS, field="model", count=len(self.classes))

    def _batch(self, batch: Columns, names: list[str], want_score: bool) -> Raw:
        if self.feature_names is not None:
            import pandas as pd

            data: Any = pd.DataFrame({name: batch[name] for name in names}, copy=False)
        else:
            data = np.column_stack([_numbers(batch[name], name, np.float64) for name in names])
        proba = None
        if want_score:
            proba = np.asarray(self.estimator.predict_proba(data), dtype=np.float64)
        return np.asarray(self.estimator.predict(data)), proba, self.classes


class OnnxModel(Model):
    kind = "onnx"

    def __init__(self, session: Any, name: str, sha256: str) -> None:
        self.session = session
        self.onnx_inputs = session.get_inputs()
        outputs = session.get_outputs()
        numbers = [o for o in outputs if o.type in ("tensor(float)", "tensor(double)")]
        labels = [o for o in outputs if o.type.startswith("tensor(") and o not in numbers]
        maps = [o for o in outputs if o.type.startswith("seq(map(")]
        if labels:  # a classifier: its labels, and maybe probabilities
            self.label, self.proba = labels[0].name, (maps or numbers or [None])[0]
        elif len(numbers) == 1:  # a regression model
            self.label, self.proba = numbers[0].name, None
        else:
            reason = "its outputs are neither class labels (and probabilities) nor numbers"
            raise InvalidInput(NOT_ONNX, field="model", file=name, reason=reason)
        meta = session.get_modelmeta().custom_metadata_map.get("feature_names")
        shape = self.onnx_inputs[0].shape
        if len(self.onnx_inputs) > 1:
            feature_names: list[str] | None = [i.name for i in self.onnx_inputs]
            n_features: int | None = len(self.onnx_inputs)
        else:
            feature_names = _names_from_metadata(meta) if meta else None
            width = shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None
            n_features = width or (len(feature_names) if feature_names else None)
        super().__init__(
            name,
            sha256,
            feature_names,
            n_features,
            is_classifier=bool(labels),
            has_scores=bool(labels) and self.proba is not None,
        )

    def _batch(self, batch: Columns, names: list[str], want_score: bool) -> Raw:
        if len(self.onnx_inputs) > 1:
            feeds = {}
            for spec in self.onnx_inputs:
                value = _numbers(batch[spec.name], spec.name, ONNX_TYPES.get(spec.type, np.float32))
                feeds[spec.name] = value.reshape(-1, 1) if len(spec.shape) == 2 else value
        else:
            spec = self.onnx_inputs[0]
            dtype = ONNX_TYPES.get(spec.type, np.float32)
            feeds = {spec.name: np.column_stack([_numbers(batch[n], n, dtype) for n in names])}
        wanted = [self.label] + ([self.proba.name] if want_score and self.proba is not None else [])
        result = self.session.run(wanted, feeds)
        if len(result) == 1:
            return np.asarray(result[0]), None, None
        if isinstance(result[1], list):  # ZipMap: one {class: probability} per row
            classes = list(result[1][0]) if result[1] else None
            proba = np.array([[row[c] for c in classes or ()] for row in result[1]], np.float64)
            return np.asarray(result[0]), proba.reshape(len(result[1]), -1), classes
        return np.asarray(result[0]), np.asarray(result[1], dtype=np.float64), None


def load(path: Path, *, trusted: bool) -> Model:
    """Load the model in ``path``; pickled scikit-learn models only when ``trusted``."""
    suffix, file = path.suffix.lower(), path.name
    if suffix not in (*PICKLE_SUFFIXES, ".onnx"):
        raise InvalidInput(BAD_SUFFIX, field="model", file=file)
    if suffix in PICKLE_SUFFIXES and not trusted:
        raise InvalidInput(UNTRUSTED, field="model", file=file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            N_("Cannot read {file}: {reason}"), field="model", file=file, reason=str(exc)
        ) from exc
    sha256 = sha256_of(path)
    if suffix == ".onnx":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(content, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's errors derive from Exception only
            raise InvalidInput(NOT_ONNX, field="model", file=file, reason=str(exc)) from exc
        return OnnxModel(session, file, sha256)
    if not content.startswith(PICKLE_MAGIC):
        raise InvalidInput(NOT_PICKLE, field="model", file=file, suffix=suffix)
    import joblib

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator = joblib.load(path)
        except Exception as exc:  # a pickle can raise anything while it is unpickled
            reason = f"{type(exc).__name__}: {exc}"
            raise InvalidInput(NOT_LOADED, field="model", file=file, reason=reason) from exc
    # e.g. scikit-learn's InconsistentVersionWarning: saved by another version than this one
    notes = list(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, UserWarning))
    )
    kind = type(estimator).__name__
    if not callable(getattr(estimator, "predict", None)):
        raise InvalidInput(NOT_A_MODEL, field="model", file=file, type=kind)
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError) as exc:
        raise InvalidInput(NOT_FITTED, field="model", file=file, type=kind) from exc
    return SklearnModel(estimator, file, sha256, notes)


def check_features(
    model: Model, available: Sequence[str], features: Sequence[str] | None
) -> list[str]:
    """The data columns to give ``model``, in its order; an error says what does not fit.

    The model remembers them: its ``predict`` and ``score`` read those columns by default."""
    given = list(features) if features else None
    names = model.feature_names
    if names is not None and given is not None and set(given) != set(names):
        raise InvalidInput(
            OTHER_FEATURES,
            field="features",
            model_features=", ".join(names),
            given=", ".join(given),
        )
    wanted = names if names is not None else given
    if wanted is None:
        raise InvalidInput(NO_NAMES, field="features")
    missing = [name for name in wanted if name not in available]
    if missing:
        raise InvalidInput(
            MISSING, field="features", missing=", ".join(missing), found=", ".join(available)
        )
    if model.n_features is not None and len(wanted) != model.n_features:
        raise InvalidInput(
            COUNT,
            field="features",
            expected=model.n_features,
            count=len(wanted),
            given=", ".join(wanted),
        )
    model.features = list(wanted)
    return list(wanted)


def _classes(labels: NDArray[Any], proba: NDArray[np.float64] | None) -> list[Any]:
    """The classes of an ONNX model that does not list them, in scikit-learn's sorted order."""
    seen = np.unique(labels)
    if labels.dtype.kind in "biuf" and set(seen.tolist()) <= {0, 1}:
        return [0, 1]
    if seen.size != 1:
        return list(seen.tolist())
    if proba is None or proba[0, 0] == proba[0, 1]:
        raise InvalidInput(WHICH_POSITIVE, field="model")
    # One class predicted throughout: its probability column says whether it is the positive one.
    other = object()
    return [other, seen[0]] if proba[0, 1] > proba[0, 0] else [seen[0], other]


def _numbers(values: NDArray[Any], column: str, dtype: Any) -> NDArray[Any]:
    """``values`` in the type a model takes; text where numbers are needed is an error."""
    if dtype is np.str_:
        return values.astype(str).astype(object)
    try:
        return values.astype(dtype)
    except (TypeError, ValueError) as exc:
        examples = ", ".join(dict.fromkeys(map(str, values[:50].tolist())))[:200]
        raise InvalidInput(NOT_NUMBERS, field=column, column=column, values=examples) from exc


def _names_from_metadata(text: str) -> list[str]:
    try:
        names = json.loads(text)
    except ValueError:
        names = text.split(",")
    return [str(name).strip() for name in names] if isinstance(names, list) else [str(names)]
