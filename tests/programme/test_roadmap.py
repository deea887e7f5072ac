"""The national roadmap as data: the shipped file, its checks, the schedule (calendar months,
unknown lengths), slippage and the Gantt chart (valid, escaped, accessible SVG)."""

from __future__ import annotations

import copy
import unicodedata
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from soai.errors import ConfigurationError
from soai.programme import gantt, roadmap
from soai.programme.gantt import STYLE, gantt_svg
from soai.programme.roadmap import RoadmapError, add_months, load, schedule, slippage

SVG = "{http://www.w3.org/2000/svg}"
START = date(2026, 3, 2)


def raw_data() -> dict[str, Any]:
    return yaml.safe_load(roadmap.DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "roadmap.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the shipped roadmap ------------------------------------------------------------------------


def test_shipped_roadmap_has_four_phases_and_no_made_up_lengths() -> None:
    plan = load()
    assert [p.id for p in plan.phases] == ["phase-1", "phase-2", "phase-3", "phase-4"]
    assert [p.number for p in plan.phases] == [1, 2, 3, 4]
    assert [p.months for p in plan.phases] == [3, 6, None, None]
    assert plan.phase("phase-2").title.en == "Framework deployment"
    for phase in plan.phases:
        assert 2 <= len(phase.milestones) <= 4
        if phase.months is None:  # no length: no milestone month either
            assert all(m.month is None for m in phase.milestones)


def test_shipped_roadmap_tracks_the_brief_kpis_and_targets() -> None:
    targets = {m.kpi: m.target for p in load().phases for m in p.milestones if m.kpi}
    assert set(targets) <= set(roadmap.KPIS)
    assert targets["council_seated"] == 33
    assert targets["analysts_certified"] == 1000
    assert targets["readiness_assessed"] == 1
    assert targets["systems_classified"] == 100
    assert targets["systems_registered"] is None  # tracked, no target


def test_shipped_khmer_is_khmer_script_in_nfc() -> None:
    texts = []
    for phase in load().phases:
        texts += [phase.title, phase.summary]
        texts += [t for m in phase.milestones for t in (m.title, m.exit_criterion)]
    for text in texts:
        assert roadmap.KHMER.search(text.km), text.en
        assert unicodedata.normalize("NFC", text.km) == text.km, text.en
    assert "ក្រុមប្រឹក្សា" in load().phase("phase-2").summary.km


def test_default_load_is_cached_and_overrides_are_not() -> None:
    assert load() is load()
    changed = load(months_overrides={"phase-3": 12})
    assert changed is not load()
    assert changed.phase("phase-3").months == 12
    assert changed.phase("phase-4").months is None
    assert load().phase("phase-3").months is None


# --- schedule -----------------------------------------------------------------------------------


def test_schedule_runs_phases_one_after_the_other_and_stops_at_an_unknown_length() -> None:
    one, two, three, four = schedule(load(), START)
    assert (one.start, one.end) == (START, date(2026, 6, 2))
    assert (two.start, two.end) == (date(2026, 6, 2), date(2026, 12, 2))
    assert (three.start, three.end) == (date(2026, 12, 2), None)
    assert (four.start, four.end) == (None, None)
    due = {m.id: m.due for m in one.milestones + two.milestones}
    assert due["landscape-assessed"] == date(2026, 5, 2)  # month 2 of phase 1
    assert due["council-seated"] == date(2026, 9, 2)  # month 3 of phase 2
    assert all(m.due is None for m in three.milestones + four.milestones)


def test_months_override_sets_the_length_of_phase_3() -> None:
    _one, _two, three, four = schedule(load(months_overrides={"phase-3": 12}), START)
    assert (three.start, three.end) == (date(2026, 12, 2), date(2027, 12, 2))
    assert all(m.due == date(2027, 12, 2) for m in three.milestones)  # null month: at the end
    assert (four.start, four.end) == (date(2027, 12, 2), None)


def test_adding_months_clamps_the_day() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_schedule_dates_count_from_the_start_so_clamping_does_not_drift(tmp_path: Path) -> None:
    data = raw_data()
    for phase in data["phases"][:2]:
        phase["months"] = 1
        for milestone in phase["milestones"]:
            milestone["month"] = 1
    one, two, *_ = schedule(load(write(tmp_path, data)), date(2027, 1, 31))
    assert one.end == date(2027, 2, 28)
    assert two.end == date(2027, 3, 31)
    assert two.milestones[0].due == date(2027, 3, 31)


# --- progress and slippage ----------------------------------------------------------------------


def test_progress_is_a_share_between_0_and_1() -> None:
    assert roadmap.progress(None, 33) is None
    assert roadmap.progress(10, None) is None
    assert roadmap.progress(11, 33) == pytest.approx(1 / 3)
    assert roadmap.progress(40, 33) == 1.0
    assert roadmap.progress(-1, 33) == 0.0
    assert roadmap.progress(0, 0) == 1.0


DUE, BEGUN = date(2026, 9, 2), date(2026, 6, 2)


@pytest.mark.parametrize(
    ("today", "value", "target", "due", "started", "expected"),
    [
        (date(2026, 7, 1), 33, 33, DUE, BEGUN, "done"),
        (date(2027, 1, 1), 40, 33, DUE, BEGUN, "done"),  # done even when past the due date
        (date(2026, 9, 3), 32, 33, DUE, BEGUN, "late"),
        (date(2026, 9, 2), 32, 33, DUE, BEGUN, "on_track"),  # due today: not late yet
        (date(2026, 8, 18), 5, 33, DUE, BEGUN, "at_risk"),  # ~83 % of the time, 15 % done
        (date(2026, 7, 2), 5, 33, DUE, BEGUN, "on_track"),  # ~33 % of the time, 15 % done
        (date(2026, 8, 18), 5, 33, DUE, None, "on_track"),  # no start: no time-based check
        (date(2026, 7, 1), None, 33, DUE, BEGUN, "unknown"),
        (date(2027, 1, 1), 10, None, DUE, BEGUN, "unknown"),  # no target: never late
        (date(2026, 7, 1), 10, 33, None, BEGUN, "unknown"),
    ],
)
def test_slippage(
    today: date,
    value: float | None,
    target: float | None,
    due: date | None,
    started: date | None,
    expected: str,
) -> None:
    assert slippage(due, today, value, target, started) == expected


def test_at_risk_needs_more_than_a_quarter_of_a_gap() -> None:
    start, due = date(2026, 1, 1), date(2026, 1, 31)  # 30 days
    half_time = date(2026, 1, 16)  # 0.5 of the time elapsed
    assert slippage(due, half_time, 25, 100, start) == "on_track"  # gap of exactly 0.25
    assert slippage(due, half_time, 24, 100, start) == "at_risk"


# --- Gantt chart --------------------------------------------------------------------------------


def chart(day: date = date(2026, 8, 15), /, **labels: str) -> tuple[str, ET.Element]:
    phases = schedule(load(), START)
    names = {"phase-1": "Assessment", "phase-2": "Deployment", "phase-3": "Training"}
    names |= {"phase-4": "Operations", "open": "not set yet", "today": "Today", **labels}
    svg = gantt_svg(
        phases,
        day,
        labels=names,
        progress={"phase-1": 1.0, "phase-2": 0.25},
        risk={"phase-1": "done", "phase-2": "at_risk", "phase-3": "unknown"},
    )
    return svg, ET.fromstring(svg)  # noqa: S314 (our own output, the point of the test)


def bar(root: ET.Element, phase_id: str) -> ET.Element:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("data-phase") == phase_id)
    return next(r for r in group.iter(f"{SVG}rect") if r.get("class") == "bar")


def test_gantt_is_a_standalone_accessible_svg() -> None:
    _svg, root = chart(title="National roadmap")
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "National roadmap"
    assert "Noto Sans Khmer" in (root.get("font-family") or "")
    assert root.get("width") == "900"
    phases = [g.get("data-phase") for g in root.iter(f"{SVG}g") if g.get("class") == "phase"]
    assert phases == ["phase-1", "phase-2", "phase-3", "phase-4"]
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text[:4].isdigit()]
    assert "2026-03" in ticks
    assert all(len(t) == 7 and t[4] == "-" for t in ticks)  # YYYY-MM


def test_gantt_today_line_is_where_the_date_is() -> None:
    today = date(2026, 8, 15)
    _svg, root = chart(today)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "today")
    line = group.find(f"{SVG}line")
    assert line is not None
    assert group.findtext(f"{SVG}text") == "Today"
    x_today = float(line.get("x1", "nan"))
    one = bar(root, "phase-1")
    x0, w = float(one.get("x", "nan")), float(one.get("width", "nan"))
    assert x0 + w < x_today < 900
    per_day = w / (date(2026, 6, 2) - START).days
    assert x_today == pytest.approx(x0 + (today - START).days * per_day, abs=0.3)
    two = bar(root, "phase-2")  # today is inside phase 2
    assert (
        float(two.get("x", "nan"))
        < x_today
        < float(two.get("x", "0")) + float(two.get("width", "0"))
    )


def test_gantt_draws_open_ended_phases_dashed_to_the_right_edge_with_the_marker() -> None:
    _svg, root = chart()
    three = bar(root, "phase-3")
    assert three.get("stroke-dasharray")
    right = float(three.get("x", "nan")) + float(three.get("width", "nan"))
    assert right == pytest.approx(900 - gantt.RIGHT, abs=0.2)
    assert bar(root, "phase-1").get("stroke-dasharray") is None
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "not set yet" in texts


def test_gantt_fills_by_progress_and_marks_risk_with_text_and_colour() -> None:
    _svg, root = chart()
    two = next(g for g in root.iter(f"{SVG}g") if g.get("data-phase") == "phase-2")
    rects = {r.get("class"): r for r in two.iter(f"{SVG}rect")}
    assert float(rects["done"].get("width", "nan")) == pytest.approx(
        float(rects["bar"].get("width", "nan")) * 0.25, abs=0.2
    )
    assert two.get("data-status") == "at_risk"
    assert rects["bar"].get("stroke") == STYLE["at_risk"][0]
    assert any((t.text or "").startswith("▲") for t in two.iter(f"{SVG}text"))
    one = next(g for g in root.iter(f"{SVG}g") if g.get("data-phase") == "phase-1")
    assert len(list(one.iter(f"{SVG}polygon"))) == 2  # two milestone diamonds


def test_gantt_escapes_every_label() -> None:
    evil = "<script>alert('x')</script> & \"quotes\""
    svg, root = chart(**{"phase-1": evil, "today": evil, "landscape-assessed": evil})
    assert "<script>" not in svg
    assert evil in [t.text for t in root.iter(f"{SVG}text")]
    assert f"{evil}: 2026-05-02" in [t.text for t in root.iter(f"{SVG}title")]


# --- invalid files ------------------------------------------------------------------------------


def edit_phase(index: int, **values: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["phases"][index].update(values)

    return change


def edit_milestone(phase: int, index: int, **values: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        data["phases"][phase]["milestones"][index].update(values)

    return change


def drop_khmer(data: dict[str, Any]) -> None:
    del data["phases"][1]["title"]["km"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (edit_phase(1, id="phase-1"), "phases[phase-1].id"),
        (edit_milestone(1, 0, id="landscape-assessed"), "milestones[landscape-assessed].id"),
        (edit_phase(1, number=3), "phases[phase-2].number"),
        (edit_phase(0, months=0), "phases[phase-1].months"),
        (edit_phase(0, months=-2), "phases[phase-1].months"),
        (edit_phase(0, months="three"), "phases[phase-1].months"),
        (edit_milestone(0, 0, month=4), "phases[phase-1].milestones[landscape-assessed].month"),
        (edit_milestone(2, 1, month=6), "phases[phase-3].milestones[analysts-certified].month"),
        (edit_milestone(1, 0, kpi="council_happy"), "milestones[council-seated].kpi"),
        (edit_milestone(0, 1, target=3), "milestones[implementation-plan].target"),
        (edit_milestone(1, 3, target=120), "milestones[systems-classified].target"),
        (edit_milestone(1, 0, extra="x"), "milestones[council-seated].extra"),
        (drop_khmer, "phases[phase-2].title.km"),
        (edit_phase(3, title={"en": "Full", "km": "Full"}), "phases[phase-4].title.km"),
    ],
)
def test_invalid_roadmap_names_file_id_and_field(tmp_path: Path, change: Any, where: str) -> None:
    data = copy.deepcopy(raw_data())
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(RoadmapError) as caught:
        load(path)
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert error.code == "roadmap_invalid"
    assert error.hint
    assert str(path) in str(error)
    assert where in str(error)
    assert error.field is not None and where in error.field


def test_unreadable_roadmap_is_a_roadmap_error(tmp_path: Path) -> None:
    path = tmp_path / "roadmap.yaml"
    path.write_text("phases: [unclosed", encoding="utf-8")
    with pytest.raises(RoadmapError, match="Cannot read roadmap file"):
        load(path)
    with pytest.raises(RoadmapError, match="Cannot read roadmap file"):
        load(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("overrides", "where"),
    [({"phase-9": 12}, "phases[phase-9]"), ({"phase-3": 0}, "phases[phase-3].months")],
)
def test_bad_months_override_is_refused(overrides: dict[str, int], where: str) -> None:
    with pytest.raises(RoadmapError) as caught:
        load(months_overrides=overrides)
    assert where in str(caught.value)
    assert "profile" in str(caught.value)


def test_override_that_cuts_a_phase_below_a_milestone_month_is_refused() -> None:
    with pytest.raises(RoadmapError, match=r"milestones\[sectors-onboarded\]\.month"):
        load(months_overrides={"phase-2": 5})
