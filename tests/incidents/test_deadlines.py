"""Serious-incident reporting deadlines (EU AI Act Art. 73 as the framework's rule): the shipped
rules, the shortest-deadline rule, time zones, statuses and the checks on the rules file."""

from __future__ import annotations

import copy
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from soai.errors import ConfigurationError, InvalidInput
from soai.incidents import deadlines
from soai.incidents.deadlines import Deadline, DeadlineDataError, due, load, status

PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")
AWARE = datetime(2026, 9, 1, 9, 30, tzinfo=PHNOM_PENH)


def raw_data() -> dict[str, Any]:
    return yaml.safe_load(deadlines.DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "serious_incidents.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the shipped rules --------------------------------------------------------------------------


def test_shipped_rules_load_with_the_article_73_deadlines() -> None:
    rules = load()
    assert load() is rules  # cached
    days = {k.id: k.deadline_days for k in rules.kinds}
    assert days == {
        "death": 10,
        "health": 15,
        "critical-infrastructure": 2,
        "fundamental-rights": 15,
        "property-environment": 15,
        "widespread-infringement": 2,
    }
    assert rules.kind("death").deadline_citation == "Art. 73(4)"
    assert rules.kind("critical-infrastructure").citation == "Art. 3(49)(b)"
    assert rules.kind("critical-infrastructure").deadline_citation == "Art. 73(3)"
    assert rules.kind("health").deadline_citation == "Art. 73(2)"
    assert "2024/1689" in rules.source.regulation
    assert "Art. 113" in rules.source.application
    assert "MPTC" in rules.overlay_note.en and "MPTC" in rules.overlay_note.km


def test_shipped_khmer_is_khmer_script_in_nfc() -> None:
    rules = load()
    texts = [rules.overlay_note] + [t for k in rules.kinds for t in (k.title, k.definition)]
    for text in texts:
        assert deadlines.KHMER.search(text.km), text.en
        assert unicodedata.normalize("NFC", text.km) == text.km, text.en
        assert text.get("km") == text.km and text.get("en") == text.en


# --- due ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days", "citation"),
    [
        ("death", 10, "Art. 73(4)"),
        ("critical-infrastructure", 2, "Art. 73(3)"),
        ("widespread-infringement", 2, "Art. 73(3)"),
        ("health", 15, "Art. 73(2)"),
        ("fundamental-rights", 15, "Art. 73(2)"),
        ("property-environment", 15, "Art. 73(2)"),
    ],
)
def test_each_kind_has_its_deadline(kind: str, days: int, citation: str) -> None:
    deadline = due([kind], AWARE)
    assert deadline == Deadline(AWARE + timedelta(days=days), days, kind, citation)


def test_the_shortest_deadline_applies_whatever_the_order() -> None:
    for kinds in (["death", "health"], ["health", "death"]):
        deadline = due(kinds, AWARE)
        assert (deadline.kind, deadline.days, deadline.citation) == ("death", 10, "Art. 73(4)")
    worst = due(["health", "death", "critical-infrastructure"], AWARE)
    assert (worst.kind, worst.days) == ("critical-infrastructure", 2)


def test_a_tie_is_set_by_the_kind_listed_first_in_the_rules() -> None:
    assert due(["widespread-infringement", "critical-infrastructure"], AWARE).kind == (
        "critical-infrastructure"
    )


def test_a_bare_string_is_one_kind() -> None:
    assert due("death", AWARE).days == 10


def test_the_time_zone_of_aware_at_is_kept() -> None:
    deadline = due(["death"], AWARE)
    assert deadline.due_at.tzinfo is PHNOM_PENH
    assert deadline.due_at == datetime(2026, 9, 11, 9, 30, tzinfo=PHNOM_PENH)
    assert deadline.due_at.utcoffset() == timedelta(hours=7)
    utc = due(["death"], AWARE.astimezone(UTC))
    assert utc.due_at == deadline.due_at  # the same instant
    assert utc.due_at.tzinfo is UTC


def test_unknown_kind_is_rejected_naming_it_and_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        due(["death", "flood"], AWARE)
    error = caught.value
    assert error.field == "kinds"
    assert error.params["kind"] == "flood"
    assert "{kind}" in error.message and "{known}" in error.message
    text = error.render()
    assert '"flood"' in text
    assert "critical-infrastructure" in text and "widespread-infringement" in text


def test_no_kind_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="at least one kind") as caught:
        due([], AWARE)
    assert caught.value.field == "kinds"


def test_naive_aware_at_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="no time zone") as caught:
        due(["death"], datetime(2026, 9, 1, 9, 30))
    assert caught.value.field == "aware_at"
    assert "2026-09-01T09:30:00" in caught.value.render()


def test_due_uses_the_rules_given(tmp_path: Path) -> None:
    data = raw_data()
    data["kinds"][0]["deadline_days"] = 3  # death
    rules = load(write(tmp_path, data))
    assert due(["death"], AWARE, rules).due_at == AWARE + timedelta(days=3)


# --- status -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed_after", "now_after", "expected"),
    [
        (timedelta(days=1), timedelta(days=20), "filed_on_time"),
        (timedelta(days=10), timedelta(days=20), "filed_on_time"),  # exactly at due_at
        (timedelta(days=10, seconds=1), timedelta(days=20), "filed_late"),
        (None, timedelta(days=1), "open"),
        (None, timedelta(days=10), "open"),  # exactly at due_at: not yet overdue
        (None, timedelta(days=10, seconds=1), "overdue"),
    ],
)
def test_status(filed_after: timedelta | None, now_after: timedelta, expected: str) -> None:
    deadline = due(["death"], AWARE)
    filed_at = None if filed_after is None else AWARE + filed_after
    assert status(deadline, filed_at, AWARE + now_after) == expected


def test_status_compares_instants_across_time_zones() -> None:
    deadline = due(["critical-infrastructure"], AWARE)  # 3 Sep 09:30 +07 = 02:30 UTC
    assert status(deadline, datetime(2026, 9, 3, 2, 30, tzinfo=UTC), AWARE) == "filed_on_time"
    assert status(deadline, datetime(2026, 9, 3, 2, 31, tzinfo=UTC), AWARE) == "filed_late"
    assert status(deadline, None, datetime(2026, 9, 3, 2, 31, tzinfo=UTC)) == "overdue"


def test_status_rejects_naive_times() -> None:
    deadline = due(["death"], AWARE)
    with pytest.raises(InvalidInput, match="no time zone") as caught:
        status(deadline, None, datetime(2026, 9, 2))
    assert caught.value.field == "now"
    with pytest.raises(InvalidInput, match="no time zone") as caught:
        status(deadline, datetime(2026, 9, 2), AWARE)
    assert caught.value.field == "filed_at"


# --- bad rules files ----------------------------------------------------------------------------


def kind_index(data: dict[str, Any], kind_id: str) -> int:
    return next(i for i, k in enumerate(data["kinds"]) if k["id"] == kind_id)


def test_duplicate_kind_id_is_rejected(tmp_path: Path) -> None:
    data = raw_data()
    data["kinds"].append(copy.deepcopy(data["kinds"][kind_index(data, "health")]))
    path = write(tmp_path, data)
    with pytest.raises(DeadlineDataError) as caught:
        load(path)
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert error.code == "incident_rules_invalid"
    assert error.field == "kinds[health].id"
    assert str(path) in error.render()
    assert "used twice" in error.render()
    assert error.hint in error.diagnostics()


def test_zero_deadline_days_is_rejected(tmp_path: Path) -> None:
    data = raw_data()
    data["kinds"][kind_index(data, "health")]["deadline_days"] = 0
    with pytest.raises(DeadlineDataError) as caught:
        load(write(tmp_path, data))
    assert caught.value.field == "kinds[health].deadline_days"
    assert "kinds[health].deadline_days" in caught.value.render()
    assert "greater than 0" in caught.value.render()


def test_missing_khmer_is_rejected(tmp_path: Path) -> None:
    data = raw_data()
    del data["kinds"][kind_index(data, "death")]["title"]["km"]
    with pytest.raises(DeadlineDataError) as caught:
        load(write(tmp_path, data))
    assert caught.value.field == "kinds[death].title.km"
    assert "kinds[death].title.km: Field required" in caught.value.render()


def test_khmer_not_in_khmer_script_is_rejected(tmp_path: Path) -> None:
    data = raw_data()
    data["kinds"][kind_index(data, "property-environment")]["definition"]["km"] = "TODO"
    with pytest.raises(DeadlineDataError) as caught:
        load(write(tmp_path, data))
    assert caught.value.field == "kinds[property-environment].definition.km"
    assert "no Khmer script" in caught.value.render()


def test_unknown_field_and_unreadable_file_are_rejected(tmp_path: Path) -> None:
    data = raw_data()
    data["kinds"][0]["deadline_hours"] = 48
    with pytest.raises(DeadlineDataError, match=r"kinds\[death\]\.deadline_hours"):
        load(write(tmp_path, data))
    broken = tmp_path / "broken.yaml"
    broken.write_text("kinds: [", encoding="utf-8")
    with pytest.raises(DeadlineDataError, match="Cannot read"):
        load(broken)
    with pytest.raises(DeadlineDataError, match="Cannot read"):
        load(tmp_path / "missing.yaml")
