"""The four-phase national roadmap as data, its schedule and milestone slippage (the Gantt
chart is drawn by :mod:`soai.programme.gantt`).

Pure logic (no database, no web). ``data/roadmap.yaml`` is read, checked and frozen into a
:class:`Roadmap`: unique phase and milestone ids, phase numbers 1..n in order, ``months``
positive or null, a milestone's ``month`` within its phase, known KPI ids and Khmer text.

A phase's ``months`` may be null: its length is not set yet (the regulator sets it in the
profile, ``load(months_overrides={"phase-3": 12})``). Such a phase has no end date and every
later phase has no dates at all; nothing is guessed.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from pydantic import Field

from soai.errors import ConfigurationError
from soai.i18n import datafiles

DEFAULT_PATH = Path(__file__).parent / "data" / "roadmap.yaml"
ID = datafiles.ID
KHMER = datafiles.KHMER

#: The KPIs a milestone may track: id -> (what is counted, unit).
KPIS: Mapping[str, tuple[str, str]] = {
    "readiness_assessed": ("readiness assessment completed (1 = done)", "count"),
    "council_seated": ("seats of the Byzantine council filled", "count"),
    "sectors_onboarded": ("sectors or ministries with a SOAI-PDCA cycle", "count"),
    "systems_registered": ("AI systems in the register", "count"),
    "systems_classified": ("share of registered AI systems classified", "percent"),
    "analysts_certified": ("Cambodian analysts certified by CEASAI", "count"),
    "incidents_in_time": ("share of incidents handled within the target time", "percent"),
}


class RoadmapError(ConfigurationError):
    code = "roadmap_invalid"
    hint = "Fix the roadmap file (or the profile's phase months) named above; nothing was changed."


_Model = datafiles.Frozen
Text = datafiles.Text


class Milestone(_Model):
    id: str = Field(pattern=ID)
    title: Text
    kpi: str | None
    target: float | None = Field(ge=0)
    exit_criterion: Text
    month: int | None = Field(gt=0, strict=True)


class Phase(_Model):
    id: str = Field(pattern=ID)
    number: int = Field(strict=True)
    title: Text
    summary: Text
    months: int | None = Field(gt=0, strict=True)
    milestones: tuple[Milestone, ...] = Field(min_length=1)


class Roadmap(_Model):
    phases: tuple[Phase, ...] = Field(min_length=1)

    def phase(self, phase_id: str) -> Phase:
        return next(p for p in self.phases if p.id == phase_id)


def load(path: Path | None = None, *, months_overrides: Mapping[str, int] | None = None) -> Roadmap:
    """The roadmap in ``path`` (default: the shipped one, cached), with the profile's phase
    lengths ``months_overrides`` (``{phase_id: months}``) applied."""
    if path is None and not months_overrides:
        return _default()
    return _load(path or DEFAULT_PATH, months_overrides)


@lru_cache(maxsize=1)
def _default() -> Roadmap:
    return _load(DEFAULT_PATH, None)


def _load(path: Path, overrides: Mapping[str, int] | None) -> Roadmap:
    label = str(path)
    raw = datafiles.read(path, kind="roadmap", error=RoadmapError)
    if overrides:
        label += " (with the profile's phase months)"
        raw = _override(raw, overrides, label)
    roadmap = datafiles.validate(Roadmap, raw, label=label, kind="roadmap", error=RoadmapError)
    _check(label, roadmap)
    return roadmap


def _fail(label: str, problems: list[tuple[str, str]], *, field: str) -> NoReturn:
    datafiles.fail(problems, label=label, kind="roadmap", error=RoadmapError)


def _override(raw: Any, overrides: Mapping[str, int], label: str) -> Any:
    if not isinstance(raw, dict) or not isinstance(raw.get("phases"), list):
        return raw  # the schema check reports what is wrong
    phases = [dict(p) if isinstance(p, dict) else p for p in raw["phases"]]
    by_id = {p.get("id"): p for p in phases if isinstance(p, dict)}
    for phase_id, months in overrides.items():
        if phase_id not in by_id:
            _fail(
                label,
                [(f"phases[{phase_id}].months", "no such phase")],
                field=f"phases[{phase_id}]",
            )
        by_id[phase_id]["months"] = months
    return {**raw, "phases": phases}


def _check(label: str, roadmap: Roadmap) -> None:
    seen: set[str] = set()
    for index, phase in enumerate(roadmap.phases):
        here = f"phases[{phase.id}]"
        if phase.id in seen:
            _fail(label, [(f"{here}.id", "the phase id is used twice")], field=f"{here}.id")
        seen.add(phase.id)
        if phase.number != index + 1:
            problem = f"is {phase.number}, expected {index + 1} (numbers run 1..n in order)"
            _fail(label, [(f"{here}.number", problem)], field=f"{here}.number")
        for m in phase.milestones:
            at = f"{here}.milestones[{m.id}]"
            problem = ""
            if m.id in seen:
                problem, field = "the id is used twice", "id"
            elif m.kpi is not None and m.kpi not in KPIS:
                problem, field = f"unknown KPI {m.kpi!r} (known: {', '.join(KPIS)})", "kpi"
            elif m.kpi is None and m.target is not None:
                problem, field = "a milestone without a kpi cannot have a target", "target"
            elif m.kpi and KPIS[m.kpi][1] == "percent" and (m.target or 0) > 100:
                problem, field = f"{m.target} is over 100 (the KPI is a percentage)", "target"
            elif m.month is not None and phase.months is None:
                problem, field = "must be null: the phase has no length (months: null)", "month"
            elif m.month is not None and phase.months is not None and m.month > phase.months:
                problem, field = f"{m.month} is after the phase ends ({phase.months})", "month"
            if problem:
                _fail(label, [(f"{at}.{field}", problem)], field=f"{at}.{field}")
            seen.add(m.id)


# --- schedule and slippage ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MilestoneSchedule:
    id: str
    kpi: str | None
    target: float | None
    due: date | None  # None: not known yet


@dataclass(frozen=True, slots=True)
class PhaseSchedule:
    id: str
    number: int
    months: int | None
    start: date | None  # None: an earlier phase has no length yet
    end: date | None  # None: this phase (or an earlier one) has no length yet
    milestones: tuple[MilestoneSchedule, ...]


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar ``months``, the day clamped to the month (31 Jan + 1 = 28 Feb)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def schedule(roadmap: Roadmap, start: date) -> list[PhaseSchedule]:
    """The phases one after the other from ``start``. Dates count whole months from ``start``
    (so clamped days do not drift); a milestone without a ``month`` is due at its phase's end."""
    result: list[PhaseSchedule] = []
    offset: int | None = 0  # months from ``start`` to the start of the phase
    for phase in roadmap.phases:
        end = None if offset is None or phase.months is None else offset + phase.months
        milestones: list[MilestoneSchedule] = []
        for m in phase.milestones:
            due = end if m.month is None else (None if offset is None else offset + m.month)
            when = None if due is None else add_months(start, due)
            milestones.append(MilestoneSchedule(m.id, m.kpi, m.target, when))
        begins = None if offset is None else add_months(start, offset)
        ends = None if end is None else add_months(start, end)
        result.append(
            PhaseSchedule(phase.id, phase.number, phase.months, begins, ends, (*milestones,))
        )
        offset = end
    return result


def progress(value: float | None, target: float | None) -> float | None:
    """How far ``value`` is towards ``target``, from 0.0 to 1.0; None when either is unknown.
    A target of 0 is met by any value."""
    if value is None or target is None:
        return None
    if target <= 0:
        return 1.0
    return min(max(value / target, 0.0), 1.0)


def slippage(
    due: date | None,
    today: date,
    value: float | None,
    target: float | None,
    started: date | None,
) -> str:
    """The status of a milestone, checked in this order:

    * ``"done"``: ``value >= target`` (whatever the date);
    * ``"unknown"``: ``value``, ``target`` or ``due`` is None;
    * ``"late"``: ``today`` is after ``due``;
    * ``"at_risk"``: the share of time elapsed between ``started`` and ``due`` is more than the
      share of progress (:func:`progress`) plus 0.25 (no check when ``started`` is None);
    * ``"on_track"``: otherwise.
    """
    share = progress(value, target)
    if value is not None and target is not None and value >= target:
        return "done"
    if share is None or due is None:
        return "unknown"
    if today > due:
        return "late"
    if started is not None:
        span = (due - started).days
        elapsed = 1.0 if span <= 0 else min(max((today - started).days / span, 0.0), 1.0)
        if elapsed - share > 0.25:
            return "at_risk"
    return "on_track"
