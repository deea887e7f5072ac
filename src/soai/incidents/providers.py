"""What a provider does with the watchdog: file a serious-incident report about one of its AI
systems (deadlines in the style of EU AI Act Art. 73, :mod:`soai.incidents.deadlines`), see the
reports about its organisations' systems — and no other organisation's — and answer the
regulator's questions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.errors import InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.incidents import deadlines, intake
from soai.incidents.models import Incident


def organisations_of(session: Session, user_id: int) -> set[int]:
    from soai.registry.models import OrganisationMember

    return set(session.scalars(select(OrganisationMember.organisation_id).where(
        OrganisationMember.user_id == user_id)))  # fmt: skip


def _shown(incident: Incident, orgs: set[int]) -> bool:
    """A provider sees its own organisations' reports: those it filed, and a citizen's only
    once an analyst has asked it a question (not before triage: the reporter is protected)."""
    return incident.organisation_id in orgs and (
        incident.source == "provider" or incident.shared_at is not None
    )


def visible(session: Session, *, user_id: int, incident_id: int, lock: bool = False) -> Incident:
    """A report the provider may see (see :func:`_shown`); any other is "not found" (its
    existence is not revealed)."""
    found = session.get(Incident, incident_id, with_for_update=lock or None,
                        populate_existing=lock)  # fmt: skip
    if found is None or not _shown(found, organisations_of(session, user_id)):
        raise NotFound(N_("No report {id} about your organisations."), id=incident_id)
    return found


def reports(session: Session, *, user_id: int) -> list[Incident]:
    orgs = organisations_of(session, user_id)
    if not orgs:
        return []
    return list(session.scalars(
        select(Incident).where(Incident.organisation_id.in_(orgs),
                               (Incident.source == "provider") | Incident.shared_at.is_not(None))
        .order_by(Incident.created_at.desc()).limit(200)))  # fmt: skip


def file_serious(
    session: Session, *, home: Path, secret: bytes, user_id: int, form: dict[str, str],
    kinds: list[str], uploads: list[intake.Upload], language: str, now: datetime,
    timezone: str = "UTC",
) -> Incident:  # fmt: skip
    """A provider's serious-incident report (initial or complete) about one of its systems."""
    from soai.registry.models import AISystem

    system_id = form.get("system_id", "")
    valid = system_id.isascii() and system_id.isdigit() and len(system_id) <= 9
    system = session.get(AISystem, int(system_id)) if valid else None
    if system is None or system.organisation_id not in organisations_of(session, user_id):
        raise InvalidInput(N_("Choose one of your organisation's AI systems."), field="system_id")
    try:
        aware = datetime.fromisoformat(form.get("aware_at", "").strip())
    except ValueError:
        raise InvalidInput(N_("Give when you became aware of it as 2026-11-27T09:00."),
                           field="aware_at") from None  # fmt: skip
    if aware.tzinfo is None:  # the form's local time is the profile's timezone
        from zoneinfo import ZoneInfo

        aware = aware.replace(tzinfo=ZoneInfo(timezone))
    if aware > now:
        raise InvalidInput(N_("The moment you became aware of it cannot be in the future."),
                           field="aware_at")  # fmt: skip
    stage = form.get("stage", "initial")
    if stage not in ("initial", "complete"):
        raise InvalidInput(N_("Say whether this is the initial or the complete report."),
                           field="stage")  # fmt: skip
    deadline = deadlines.due(kinds, aware)
    harm = form.get("harm") or "safety"
    return intake.receive(
        session, home=home, secret=secret, address=f"user:{user_id}", source="provider",
        form={**form, "harm": harm}, uploads=uploads, language=language, now=now,
        filed_by=user_id, extra={"serious_kinds": list(kinds), "aware_at": aware,
                                 "report_due_at": deadline.due_at, "report_stage": stage},
    )  # fmt: skip
