"""The item bank loads valid files into arrays, counts what tiers hold, and refuses bad items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from soai.academy import bank, programme
from soai.academy.bank import ITEMS, BankError
from tests.academy.itemfiles import item, write, write_bank


def load(directory: Path) -> bank.Bank:
    return bank.load(directory, programme.load())


def test_items_become_arrays_in_id_order(tmp_path: Path) -> None:
    write(tmp_path, "law", [item("law", 2, key="c"), item("law", 1, key="a")])
    write(
        tmp_path,
        "council",
        [item("council", 7, status="pretest", tiers=["expert"], difficulty=3, km=None)],
    )
    loaded = load(tmp_path)
    assert loaded.ids == ("council-007", "law-001", "law-002")
    assert loaded.key.tolist() == [3, 0, 2]  # council-007 has key d (7 % 4)
    assert [loaded.domain_ids[d] for d in loaded.domain] == ["council", "law", "law"]
    assert [bank.STATUSES[s] for s in loaded.status] == ["pretest", "operational", "operational"]
    assert loaded.difficulty.tolist() == [3, 2, 3]
    assert loaded.has_km.tolist() == [False, True, True]
    assert loaded.in_tier("expert").tolist() == [True, True, True]
    assert loaded.in_tier("watchdog").tolist() == [False, True, True]
    law = loaded.items[loaded.index["law-002"]]
    assert law.text("km").stem.startswith("សំណួរ") and law.text("en").options[2].endswith("c")
    assert loaded.items[0].text("km") == loaded.items[0].text("en")  # falls back to English
    with pytest.raises(ValueError, match="read-only"):
        loaded.key[0] = 1


def test_stats_is_the_bank_stats_contract(tmp_path: Path) -> None:
    write(
        tmp_path,
        "law",
        [
            item("law", 1),
            item("law", 2, tiers=["expert"]),
            item("law", 3, status="pretest", km=None),
            item("law", 4, status="pretest"),
            item("law", 5, status="retired"),
        ],
    )
    stats = bank.stats(load(tmp_path), programme.load())
    assert stats == {
        "tiers": {
            "watchdog": {"operational": 1, "pretest": 2, "km": 2},
            "fundamentals": {"operational": 1, "pretest": 2, "km": 2},
            "professional": {"operational": 1, "pretest": 2, "km": 2},
            "expert": {"operational": 2, "pretest": 2, "km": 3},
        }
    }


def test_coverage_says_what_each_domain_lacks(tmp_path: Path) -> None:
    write_bank(tmp_path, {"law": 12, "council": 3}, pretest={"law": 2})
    report = bank.coverage(load(tmp_path), programme.load())
    watchdog = report["tiers"]["watchdog"]
    assert watchdog["domains"]["law"] == {
        "needed": 10,
        "pretest": 2,
        "operational": 12,
        "retired": 0,
        "km": 14,
        "short": 0,
    }
    assert watchdog["domains"]["council"]["short"] == 5
    assert watchdog["domains"]["foundations"]["short"] == 14
    assert watchdog["ready"] is False
    assert report["items"] == 17 and report["status"]["pretest"] == 2


def test_version_follows_the_content_not_the_file_layout(tmp_path: Path) -> None:
    write(tmp_path / "a", "law", [item("law", 1), item("law", 2)])
    write(tmp_path / "b", "law", [item("law", 2), item("law", 1)])
    write(tmp_path / "c", "law", [item("law", 1), item("law", 2, key="a")])
    versions = [load(tmp_path / name).version for name in "abc"]
    assert versions[0] == versions[1] != versions[2]


def test_an_empty_or_missing_directory_is_an_empty_bank(tmp_path: Path) -> None:
    assert len(load(tmp_path / "nothing")) == 0
    assert bank.stats(load(tmp_path), programme.load())["tiers"]["expert"]["operational"] == 0


def options(**texts: str) -> dict[str, Any]:
    return {"stem": "Q?", "options": texts, "rationale": "because"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
        ({"module": "iso-42001"}, "module", "not a module of domain council"),
        ({"module": "no-such-module"}, "module", "not a module of domain council"),
        ({"km": None}, "km", "needs its Khmer version"),
        ({"key": "e"}, "key", "Input should be 'a', 'b', 'c' or 'd'"),
        ({"en": options(a="1", b="2", c="3", d="4", e="5")}, "en.options.e", "Extra inputs"),
        ({"km": options(a="1", b="2", c="3")}, "km.options.d", "Field required"),
        ({"en": options(a="1", b="2", c="2", d="4")}, "en", "same text"),
        ({"tiers": ["expert", "guru"]}, "tiers", "guru not a tier"),
        ({"tiers": []}, "tiers", "at least 1"),
        ({"difficulty": 4}, "difficulty", "less than or equal to 3"),
        ({"status": "draft"}, "status", "'pretest', 'operational' or 'retired'"),
        ({"id": "council-7"}, "id", "council-NNN"),
        ({"id": "law-001"}, "id", "council-NNN"),
    ],
)
def test_a_bad_item_is_refused_naming_file_item_and_field(
    tmp_path: Path, changes: dict[str, Any], field: str, message: str
) -> None:
    write(tmp_path, "council", [item("council", 1), item("council", 2, **changes)])
    with pytest.raises(BankError) as caught:
        load(tmp_path)
    error = caught.value
    text = str(error)
    assert "council.yaml" in text
    assert changes.get("id", "council-002") in text
    assert error.field == field and message in text


def test_a_file_of_an_unknown_domain_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "council", [item("council", 1)], domain="ethics")
    with pytest.raises(BankError, match=r"council\.yaml: item \(file\): domain: 'ethics'"):
        load(tmp_path)


def test_an_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "council", [item("council", 1)], author="me")
    with pytest.raises(BankError, match="author: Extra inputs"):
        load(tmp_path)


def test_an_id_used_in_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "law", [item("law", 1)])
    write(tmp_path, "law-extra", [item("law", 1)], domain="law")
    with pytest.raises(BankError, match=r"item law-001: id: already used in") as caught:
        load(tmp_path)
    assert "law.yaml" in str(caught.value) and "law-extra.yaml" in str(caught.value)


def test_unreadable_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "law.yaml").write_text("items: [unclosed", "utf-8")
    with pytest.raises(BankError, match="Cannot read item file"):
        load(tmp_path)


@pytest.mark.skipif(not any(ITEMS.glob("*.yaml")), reason="no shipped item file yet")
def test_the_shipped_bank_loads_and_its_stats_add_up() -> None:
    shipped = bank.load()
    stats = bank.stats(shipped, programme.load())
    assert len(shipped) > 0 and set(stats["tiers"]) == set(programme.load().tiers)
    live = int(np.count_nonzero(shipped.status != bank.RETIRED))
    for counts in stats["tiers"].values():
        assert counts["operational"] + counts["pretest"] <= live
        assert counts["km"] <= counts["operational"] + counts["pretest"]
    for entry in shipped.items:  # every item is in its own domain's file and modules
        assert programme.load().modules[entry.module].domain == entry.domain
        assert entry.id.startswith(entry.domain + "-")
