"""Loading an uploaded model (scikit-learn or ONNX) and asking it for predictions."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.linear_model import LinearRegression, LogisticRegression

from soai.assurance import demo_data, demo_model, model
from soai.assurance.model import check_features, load
from soai.errors import InvalidInput

FEATURES = list(demo_model.FEATURES)


@pytest.fixture(scope="module")
def pipeline() -> Any:
    return demo_model.train(demo_data.generate(3000, seed=1))


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    return demo_data.generate(2000, seed=2)


@pytest.fixture(scope="module")
def saved(pipeline: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "credit.joblib"
    joblib.dump(pipeline, path)
    return path


def frame(data: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({name: data[name] for name in FEATURES})


def to_onnx_file(estimator: Any, path: Path, types: list[Any], **options: Any) -> Path:
    onx = convert_sklearn(estimator, initial_types=types, options={id(estimator): options})
    path.write_bytes(onx.SerializeToString())
    return path


class WritesAFile:
    """Unpickling this writes a file: what any pickle may do on the server that loads it."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> Any:
        return (Path.write_text, (self.target, "code from the pickle ran"))


def test_a_pickle_is_refused_unless_trusted_and_nothing_in_it_runs(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(WritesAFile(marker)))

    with pytest.raises(InvalidInput) as refused:
        load(path, trusted=False)
    assert refused.value.field == "model"
    assert "runs code stored in the file" in str(refused.value)
    assert "source you trust" in str(refused.value)
    assert not marker.exists()

    # Trusted, it is loaded: the code runs (which is why trust is asked), and what it built is
    # not a model.
    with pytest.raises(InvalidInput, match=r"model\.pkl holds a int, not a scikit-learn model"):
        load(path, trusted=True)
    assert marker.read_text() == "code from the pickle ran"


def test_a_trusted_joblib_model_predicts_like_scikit_learn(
    saved: Path, pipeline: Any, data: dict[str, np.ndarray]
) -> None:
    loaded = load(saved, trusted=True)
    assert (loaded.kind, loaded.is_classifier, loaded.has_scores) == ("sklearn", True, True)
    assert loaded.feature_names == FEATURES and loaded.n_features == 5
    assert check_features(loaded, ["approved", *reversed(FEATURES)], None) == FEATURES

    predicted = loaded.predict(data)
    assert predicted.dtype == np.int8
    np.testing.assert_array_equal(predicted, pipeline.predict(frame(data)))
    score = loaded.score(data)
    assert score is not None
    np.testing.assert_allclose(score, pipeline.predict_proba(frame(data))[:, 1], rtol=0, atol=0)
    described = loaded.describe()
    assert described["sha256"] == model.sha256_of(saved) and described["task"] == "classification"


@pytest.mark.parametrize("zipmap", [True, False])
def test_an_onnx_conversion_predicts_what_the_scikit_learn_model_does(
    pipeline: Any, data: dict[str, np.ndarray], tmp_path: Path, zipmap: bool
) -> None:
    types = [(name, StringTensorType([None, 1])) for name in demo_model.CATEGORIES]
    types += [(name, FloatTensorType([None, 1])) for name in demo_model.NUMBERS]
    path = to_onnx_file(pipeline, tmp_path / "credit.onnx", types, zipmap=zipmap)

    loaded = load(path, trusted=False)  # ONNX is safe to load from anyone
    assert (loaded.kind, loaded.is_classifier, loaded.has_scores) == ("onnx", True, True)
    assert loaded.feature_names == FEATURES and loaded.n_features == 5
    predicted, score = loaded.predict_with_score(data)
    np.testing.assert_array_equal(predicted, pipeline.predict(frame(data)))
    assert score is not None
    np.testing.assert_allclose(score, pipeline.predict_proba(frame(data))[:, 1], atol=1e-5)


def test_a_model_on_one_matrix_input_needs_the_feature_columns_named(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 2))
    y = (x[:, 0] - x[:, 1] > 0).astype(int)
    fitted = LogisticRegression().fit(x, y)  # fitted on an array: no feature names
    columns = {"a": x[:, 0], "b": x[:, 1], "label": y}
    for path in (
        to_onnx_file(fitted, tmp_path / "plain.onnx", [("x", FloatTensorType([None, 2]))]),
        tmp_path / "plain.joblib",
    ):
        joblib.dump(fitted, tmp_path / "plain.joblib")
        loaded = load(path, trusted=True)
        assert loaded.feature_names is None and loaded.n_features == 2
        with pytest.raises(InvalidInput, match="does not record the names of its input features"):
            check_features(loaded, list(columns), None)
        with pytest.raises(InvalidInput, match=r"takes 2 feature\(s\), but 3 were given"):
            check_features(loaded, list(columns), ["a", "b", "label"])
        assert check_features(loaded, list(columns), ["a", "b"]) == ["a", "b"]
        np.testing.assert_array_equal(loaded.predict(columns), fitted.predict(x))
        swapped = loaded.predict(columns, ["b", "a"])  # the order given is the order used
        np.testing.assert_array_equal(swapped, fitted.predict(x[:, ::-1]))


def test_missing_feature_columns_are_named_with_the_columns_found(saved: Path) -> None:
    loaded = load(saved, trusted=True)
    with pytest.raises(InvalidInput) as missing:
        check_features(loaded, ["province", "gender", "income", "approved"], None)
    message = str(missing.value)
    assert "needs the column(s) age_band, monthly_income_usd, credit_history_months" in message
    assert "its columns are: province, gender, income, approved" in message

    with pytest.raises(InvalidInput) as differ:
        check_features(loaded, FEATURES, ["province", "income"])
    assert "trained on the features province, gender, age_band" in str(differ.value)
    assert "the features given are province, income" in str(differ.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "model.joblib",
            b"province,gender\nTakeo,female\n",
            "is named .joblib but is not a joblib",
        ),
        ("model.pkl", b"PK\x03\x04zip archive", "is named .pkl but is not a joblib or pickle"),
        (
            "model.onnx",
            pickle.dumps({"weights": [1, 2]}),
            "is named .onnx but is not an ONNX model",
        ),
        ("model.onnx", b"", "is named .onnx but is not an ONNX model"),
        ("model.h5", b"\x89HDF\r\n", "must be a scikit-learn model saved as .joblib, .pkl or"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says_is_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message) as refused:
        load(path, trusted=True)
    assert refused.value.field == "model"


def test_an_untrained_or_damaged_scikit_learn_model_is_refused(tmp_path: Path) -> None:
    joblib.dump(LogisticRegression(), tmp_path / "new.joblib")
    with pytest.raises(InvalidInput, match="holds a LogisticRegression that was never trained"):
        load(tmp_path / "new.joblib", trusted=True)
    whole = pickle.dumps(LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    (tmp_path / "cut.pkl").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidInput, match=r"Cannot load the model in cut\.pkl: "):
        load(tmp_path / "cut.pkl", trusted=True)


def test_a_classifier_with_more_than_two_classes_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 2))
    three = LogisticRegression().fit(x, np.digitize(x[:, 0], [-0.5, 0.5]))
    joblib.dump(three, tmp_path / "three.joblib")
    with pytest.raises(InvalidInput, match=r"has 3 classes; only binary classifiers"):
        load(tmp_path / "three.joblib", trusted=True)

    onnx_model = load(
        to_onnx_file(three, tmp_path / "three.onnx", [("x", FloatTensorType([None, 2]))]),
        trusted=False,
    )
    with pytest.raises(InvalidInput, match=r"has 3 classes; only binary classifiers"):
        onnx_model.predict({"a": x[:, 0], "b": x[:, 1]}, ["a", "b"])


def test_a_regression_model_predicts_numbers_not_classes(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"size": rng.uniform(20, 200, 300), "rooms": rng.integers(1, 6, 300)})
    fitted = LinearRegression().fit(x, 3.0 * x["size"] + 10.0 * x["rooms"])
    joblib.dump(fitted, tmp_path / "price.joblib")
    loaded = load(tmp_path / "price.joblib", trusted=True)
    columns = {"size": x["size"].to_numpy(), "rooms": x["rooms"].to_numpy()}
    assert not loaded.is_classifier and loaded.describe()["task"] == "regression"
    np.testing.assert_allclose(loaded.predict_values(columns), fitted.predict(x))
    with pytest.raises(InvalidInput, match=r"predicts numbers \(regression\), not classes"):
        loaded.predict(columns)


def test_predictions_in_batches_equal_one_pass(
    saved: Path, data: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load(saved, trusted=True)
    whole = loaded.predict_with_score(data)
    monkeypatch.setattr(model, "BATCH_ROWS", 300)  # 2000 rows in 7 batches, the last short
    batched = loaded.predict_with_score(data)
    np.testing.assert_array_equal(batched[0], whole[0])
    np.testing.assert_array_equal(batched[1], whole[1])


def test_data_the_model_cannot_take_is_a_clear_error(saved: Path, tmp_path: Path) -> None:
    loaded = load(saved, trusted=True)
    broken = {**demo_data.generate(50, seed=6), "monthly_income_usd": np.array(["high"] * 50)}
    with pytest.raises(InvalidInput, match="could not make predictions on this data: "):
        loaded.predict(broken)

    fitted = LogisticRegression().fit([[0.0], [1.0], [2.0]], [0, 0, 1])
    joblib.dump(fitted, tmp_path / "plain.joblib")
    plain = load(tmp_path / "plain.joblib", trusted=True)
    with pytest.raises(InvalidInput, match=r"Column x must hold numbers .* such as a, b"):
        plain.predict({"x": np.array(["a", "b"], dtype=object)}, ["x"])


@pytest.mark.parametrize("zipmap", [True, False])
def test_onnx_text_labels_map_to_the_second_class_as_positive(tmp_path: Path, zipmap: bool) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 2))
    fitted = LogisticRegression().fit(x, np.where(x[:, 0] > 0, "yes", "no"))  # classes no, yes
    types = [("x", FloatTensorType([None, 2]))]
    loaded = load(to_onnx_file(fitted, tmp_path / "yes.onnx", types, zipmap=zipmap), trusted=False)
    # All rows, then rows all predicted "yes", then rows all predicted "no".
    for rows in (x, x[x[:, 0] > 1], x[x[:, 0] < -1]):
        columns = {"a": rows[:, 0], "b": rows[:, 1]}
        expected = (fitted.predict(rows) == "yes").astype(np.int8)
        np.testing.assert_array_equal(loaded.predict(columns, ["a", "b"]), expected)
        score = loaded.score(columns, ["a", "b"])
        assert score is not None
        np.testing.assert_allclose(score, fitted.predict_proba(rows)[:, 1], atol=1e-5)


def test_the_demo_model_is_deterministic_and_learns_the_planted_bias(tmp_path: Path) -> None:
    first = load(demo_model.write(tmp_path / "a.joblib", rows=2000, seed=9), trusted=True)
    second = load(demo_model.write(tmp_path / "b.joblib", rows=2000, seed=9), trusted=True)
    data = demo_data.generate(1000, seed=10)
    np.testing.assert_array_equal(first.predict(data), second.predict(data))
    np.testing.assert_array_equal(first.score(data), second.score(data))  # type: ignore[arg-type]
    assert first.feature_names == list(demo_model.FEATURES)
    # Same applicants, moved to a penalised province: fewer approvals.
    moved = {**data, "province": np.full(1000, "Ratanakiri")}
    capital = {**data, "province": np.full(1000, "Phnom Penh")}
    assert first.predict(moved).mean() < first.predict(capital).mean() - 0.1


def test_a_model_saved_by_another_scikit_learn_version_loads_with_a_note(
    pipeline: Any, tmp_path: Path
) -> None:
    import sklearn

    saved = pickle.dumps(pipeline)
    version = sklearn.__version__.encode()
    older = b"0.0." + b"9" * (len(version) - 4)  # the same length keeps the pickle valid
    (tmp_path / "old.pkl").write_bytes(
        saved.replace(
            b"\x8c" + bytes([len(version)]) + version, b"\x8c" + bytes([len(older)]) + older
        )
    )
    loaded = load(tmp_path / "old.pkl", trusted=True)
    assert loaded.notes and all(older.decode() in note for note in loaded.notes)
    assert loaded.describe()["notes"] == loaded.notes
