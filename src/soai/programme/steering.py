"""The roadmap as it stands: each phase's dates (the profile's start date and phase lengths),
each milestone's KPI read live, its progress and risk of slippage, and the regulator's signed
milestones (each a ledger entry, ``programme.milestone-signed``, with the KPI at that moment).

A milestone signed off counts as done. Signing one whose KPI is below its target needs a note
that says why (the note is in the ledger entry too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.ledger import service as ledger
from soai.profiles.schema import Profile
from soai.programme import kpis, roadmap
from soai.programme.models import MilestoneSignoff

RISK_ORDER = ("late", "at_risk", "unknown", "on_track", "done")


@dataclass
class MilestoneStatus:
    id: str
    title: roadmap.Text
    exit_criterion: roadmap.Text
    kpi: str | None
    target: float | None
    due: date | None
    value: float | None
    progress: float | None
    risk: str
    signoff: MilestoneSignoff | None


@dataclass
class PhaseStatus:
    id: str
    number: int
    title: roadmap.Text
    summary: roadmap.Text
    months: int | None
    start: date | None
    end: date | None
    current: bool
    progress: float | None
    risk: str
    milestones: list[MilestoneStatus] = field(default_factory=list)


@dataclass
class Status:
    phases: list[PhaseStatus]
    figures: kpis.Figures
    today: date

    @property
    def current(self) -> PhaseStatus | None:
        return next((p for p in self.phases if p.current), None)

    def schedule(self) -> list[roadmap.PhaseSchedule]:
        return [roadmap.PhaseSchedule(p.id, p.number, p.months, p.start, p.end, tuple(
            roadmap.MilestoneSchedule(m.id, m.kpi, m.target, m.due) for m in p.milestones))
            for p in self.phases]  # fmt: skip


def load_roadmap(profile: Profile) -> roadmap.Roadmap:
    return roadmap.load(months_overrides=profile.roadmap.months or None)


def status(session: Session, *, profile: Profile, today: date) -> Status:
    plan = load_roadmap(profile)
    figures = kpis.figures(session, country=profile.country.code)
    signed = {s.milestone: s for s in session.scalars(select(MilestoneSignoff))}
    phases: list[PhaseStatus] = []
    for phase, dates in zip(plan.phases, roadmap.schedule(plan, profile.roadmap.start_date),
                            strict=True):  # fmt: skip
        milestones = []
        for m, due in zip(phase.milestones, dates.milestones, strict=True):
            value = figures.value(m.kpi) if m.kpi else None
            done = m.id in signed
            milestones.append(MilestoneStatus(
                id=m.id, title=m.title, exit_criterion=m.exit_criterion, kpi=m.kpi,
                target=m.target, due=due.due, value=value,
                progress=1.0 if done else roadmap.progress(value, m.target),
                risk="done" if done else roadmap.slippage(due.due, today, value, m.target, dates.start),
                signoff=signed.get(m.id),
            ))  # fmt: skip
        shares = [m.progress for m in milestones if m.progress is not None]
        current = (
            dates.start is not None
            and dates.start <= today
            and (dates.end is None or today < dates.end)
        )
        known = [m.risk for m in milestones if m.risk != "unknown"]  # untracked ones do not mask
        risk = min(known, key=RISK_ORDER.index) if known else "unknown"
        phases.append(PhaseStatus(
            id=phase.id, number=phase.number, title=phase.title, summary=phase.summary,
            months=dates.months, start=dates.start, end=dates.end, current=current,
            progress=sum(shares) / len(shares) if shares else None, risk=risk,
            milestones=milestones,
        ))  # fmt: skip
    return Status(phases, figures, today)


def sign_off(
    session: Session, *, profile: Profile, milestone: str, note: str, actor: str, now: datetime
) -> MilestoneSignoff:
    """The regulator signs a milestone off; the KPI seen now and the note go to the ledger."""
    plan = load_roadmap(profile)
    found = next(((p, m) for p in plan.phases for m in p.milestones if m.id == milestone), None)
    if found is None:
        raise NotFound(N_("No milestone {milestone} in the roadmap."), milestone=milestone)
    phase, target = found
    if session.scalar(select(MilestoneSignoff.id).where(MilestoneSignoff.milestone == milestone)):
        raise Conflict(N_("Milestone {milestone} is already signed off."), milestone=milestone)
    figures = kpis.figures(session, country=profile.country.code)
    value = figures.value(target.kpi) if target.kpi else None
    note = note.strip()
    short = target.target is not None and (value is None or value < target.target)
    if short and not note:
        raise InvalidInput(
            N_("The indicator is below the milestone's target ({value} of {target}); write a "
               "note that says why it is signed off."),
            field="note", value="—" if value is None else f"{value:g}", target=f"{target.target:g}",
        )  # fmt: skip
    if len(note) > 2000:
        raise InvalidInput(N_("The note is longer than 2,000 characters."), field="note")
    data: dict[str, Any] = {"milestone": milestone, "phase": phase.id, "kpi": target.kpi,
                            "value": value, "target": target.target, "note": note, "by": actor}  # fmt: skip
    entry = ledger.append(session, kind="programme.milestone-signed", data=data)
    record = MilestoneSignoff(milestone=milestone, value=value, note=note, signed_by=actor,
                              signed_at=now, ledger_entry=entry)  # fmt: skip
    session.add(record)
    session.flush()
    return record
