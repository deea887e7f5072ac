"""Reading test data: what the file says it is, columns that exist, no gaps, two classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from soai.assurance import dataset, policy
from soai.errors import InvalidInput

CSV = "label,pred,gender,province\n1,1,f,Phnom Penh\n0,1,m,Kampot\n1,0,f,Kampot\n0,0,m,Phnom Penh\n"


def test_a_csv_is_read_column_by_column_with_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text(CSV, encoding="utf-8")
    seen: list[int] = []
    table = dataset.read(
        path, columns=["label", "pred", "gender"], on_progress=lambda d, t, s: seen.append(d)
    )
    assert table.rows == 4 and set(table.columns) == {"label", "pred", "gender"}
    assert dataset.binary(table.columns["label"], "label").tolist() == [1, 0, 1, 0]
    assert len(table.sha256) == 64 and seen


def test_parquet_is_read_and_a_liar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "predictions.parquet"
    pq.write_table(pa.table({"label": [1, 0], "pred": [1, 1], "gender": ["f", "m"]}), path)
    assert dataset.read(path, columns=["label"]).rows == 2
    fake = tmp_path / "fake.parquet"
    fake.write_text(CSV, encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a Parquet file"):
        dataset.read(fake, columns=["label"])
    disguised = tmp_path / "disguised.csv"
    disguised.write_bytes(path.read_bytes())
    with pytest.raises(InvalidInput, match="not a text file"):
        dataset.read(disguised, columns=["label"])


def test_a_missing_column_lists_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        dataset.read(path, columns=["label", "sex"])
    assert caught.value.field == "sex"
    assert "label, pred, gender, province" in str(caught.value)


def test_gaps_and_a_third_class_are_refused_naming_the_column(tmp_path: Path) -> None:
    path = tmp_path / "predictions.csv"
    path.write_text("label,pred,g\n1,1,a\n,0,b\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Column label has 1 empty value"):
        dataset.read(path, columns=["label", "pred"], required=["label", "pred"])
    with pytest.raises(InvalidInput, match=r"two classes \(0 and 1\); it holds 0, 1, 2"):
        dataset.binary(np.array([0, 1, 2]), "pred")


def test_the_policy_judges_with_reasons_and_a_profile_can_override() -> None:
    rules = policy.rules_for("fairness")
    ratio = rules.rules["demographic_parity_ratio"]
    assert policy.judge("demographic_parity_ratio", 0.95, ratio).verdict == "pass"
    warned = policy.judge("demographic_parity_ratio", 0.85, ratio)
    assert warned.verdict == "warn" and "below the threshold of 0.9" in warned.to_json()["reason"]
    assert policy.judge("demographic_parity_ratio", 0.7, ratio).verdict == "fail"
    assert policy.judge("demographic_parity_ratio", None, ratio).verdict == "not_available"
    stricter = policy.rules_for(
        "fairness", overrides={"demographic_parity_ratio": {"fail_below": 0.9}}
    )
    assert (
        policy.judge(
            "demographic_parity_ratio", 0.85, stricter.rules["demographic_parity_ratio"]
        ).verdict
        == "fail"
    )
    assert policy.overall([warned]) == "warn"
