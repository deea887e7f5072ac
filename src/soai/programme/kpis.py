"""The programme's live figures, read from the parts that own them (never stored, never typed
in): a figure a part cannot give yet is ``None`` and every page shows "not available".

| KPI | read from |
|---|---|
| ``council_seated`` | council: seats with an active holder now (of 33) |
| ``sectors_onboarded`` | PDCA: distinct sectors of the AI systems that have a compliance cycle |
| ``ministries_onboarded`` | PDCA: public bodies (ministries, agencies) with a system in a compliance cycle |
| ``systems_registered`` | registry: AI systems not withdrawn |
| ``systems_classified`` | registry: percent of those with at least one classification |
| ``analysts_certified`` | academy: candidates of the profile's country holding a certificate |
| ``incidents_in_time`` | incidents: percent of decided reports decided within their time limit — ``None`` until one is decided |
| ``readiness_assessed`` | programme: national readiness assessments recorded |
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Figures:
    council_seated: int | None
    council_size: int
    sectors_onboarded: int | None
    ministries_onboarded: int | None
    systems_registered: int | None
    systems_classified: float | None
    analysts_certified: int | None
    incidents_in_time: float | None
    readiness_assessed: int | None
    applications: int | None
    seats_allocated: int | None
    seats_accepted: int | None

    def value(self, kpi: str) -> float | None:
        found = getattr(self, kpi, None)
        return None if found is None else float(found)


def figures(session: Session, *, country: str) -> Figures:
    from soai.academy.models import Attempt, Candidate
    from soai.council.models import Seating
    from soai.pdca.models import Cycle
    from soai.programme.models import GiveawayApplication, GiveawayRound, ReadinessAssessment
    from soai.programme.rounds import current_round
    from soai.registry.models import AISystem, Classification, Organisation

    seated = session.scalar(select(func.count(distinct(Seating.seat))).where(
        Seating.status == "active", Seating.until_epoch.is_(None)))  # fmt: skip
    live = select(AISystem.id).where(AISystem.status != "withdrawn")
    registered = session.scalar(select(func.count()).select_from(live.subquery())) or 0
    classified = session.scalar(select(func.count(distinct(Classification.system_id))).where(
        Classification.system_id.in_(live)))  # fmt: skip
    sectors = session.scalar(
        select(func.count(distinct(AISystem.sector))).join(Cycle, Cycle.system_id == AISystem.id)
    )
    ministries = session.scalar(
        select(func.count(distinct(Organisation.id)))
        .join(AISystem, AISystem.organisation_id == Organisation.id)
        .join(Cycle, Cycle.system_id == AISystem.id)
        .where(Organisation.kind == "public_body")
    )  # fmt: skip
    certified = session.scalar(
        select(func.count(distinct(Attempt.candidate_id)))
        .join(Candidate, Candidate.id == Attempt.candidate_id)
        .where(Attempt.passed.is_(True), Attempt.credential_id.is_not(None),
               Candidate.country == country)
    )  # fmt: skip
    assessed = session.scalar(select(func.count()).select_from(ReadinessAssessment).where(
        ReadinessAssessment.scope == "national"))  # fmt: skip
    from soai.incidents import statistics as incidents

    in_time = incidents.counts(session)["in_time_percent"]
    record: GiveawayRound | None = current_round(session)
    applications = allocated = accepted = None
    if record is not None:
        a = GiveawayApplication
        applications = session.scalar(select(func.count()).where(
            a.round_id == record.id, a.status != "duplicate"))  # fmt: skip
        if record.status == "drawn":
            allocated = session.scalar(select(func.count()).where(
                a.round_id == record.id, a.status == "allocated"))  # fmt: skip
            accepted = session.scalar(select(func.count()).where(
                a.round_id == record.id, a.seat == "accepted"))  # fmt: skip
    return Figures(
        council_seated=int(seated or 0), council_size=33,
        sectors_onboarded=int(sectors or 0), ministries_onboarded=int(ministries or 0),
        systems_registered=int(registered),
        systems_classified=round(100.0 * (classified or 0) / registered, 1) if registered else None,
        analysts_certified=int(certified or 0), incidents_in_time=in_time,
        readiness_assessed=int(assessed or 0), applications=applications,
        seats_allocated=allocated, seats_accepted=accepted,
    )  # fmt: skip
