"""Handling a report: triage by certified analysts (assignment, severity and its time limit,
links to AI systems, duplicates), investigation (notes, requests to the provider and their
answers), the outcome with its reasons, escalation to the council, and the consequences: a
substantiated report opens a nonconformity in the system's current SOAI-PDCA cycle.

Every status change is an event the reporter sees through their link, a ledger entry
(``incident.status``: the reference, the status and the outcome — no personal data) and, when
the reporter left an e-mail address, a message queued in ``session.info["outbox"]`` that the
caller sends once the transaction has committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from soai.errors import Conflict, InvalidInput, NotFound
from soai.i18n.markers import N_
from soai.incidents import handling
from soai.incidents.models import Event, Incident, Notice
from soai.ledger import service as ledger


def get(session: Session, incident_id: int, *, lock: bool = False) -> Incident:
    """The report; ``lock`` for a change (two analysts acting at once take turns)."""
    found = session.get(Incident, incident_id, with_for_update=lock or None,
                        populate_existing=lock)  # fmt: skip
    if found is None:
        raise NotFound(N_("No report {id}."), id=incident_id)
    return found


def queue(session: Session, *, status: str = "open", assignee: int | None = None,
          limit: int = 200) -> list[Incident]:  # fmt: skip
    """Reports to handle, the most urgent (earliest time limit) first."""
    query = select(Incident)
    if status == "open":
        query = query.where(Incident.status.in_(handling.OPEN))
    elif status in handling.STATUSES:
        query = query.where(Incident.status == status)
    if assignee is not None:
        query = query.where(Incident.assignee_id == assignee)
    return list(session.scalars(query.order_by(Incident.due_at, Incident.id).limit(limit)))


def events(session: Session, incident: Incident, *, public_only: bool = False) -> list[Event]:
    query = select(Event).where(Event.incident_id == incident.id)
    if public_only:
        query = query.where(Event.public.is_(True))
    return list(session.scalars(query.order_by(Event.at, Event.id)))


def _event(session: Session, incident: Incident, kind: str, actor: str, now: datetime, *,
           text: str = "", public: bool = False, **data: Any) -> Event:  # fmt: skip
    found = Event(incident_id=incident.id, at=now, kind=kind, actor=actor, text=text,
                  public=public, data=data)  # fmt: skip
    session.add(found)
    incident.updated_at = now
    return found


def set_status(session: Session, incident: Incident, status: str, *, actor: str, now: datetime,
               text: str = "") -> None:  # fmt: skip
    incident.status = status
    entry = ledger.append(session, kind="incident.status", data={
        "incident": incident.code, "status": status, "outcome": incident.outcome})  # fmt: skip
    event = _event(session, incident, "status", actor, now, text=text, public=True, status=status)
    event.ledger_entry = entry
    if incident.contact_email:
        session.info.setdefault("outbox", []).append((incident.id, status))


def _open(incident: Incident) -> None:
    if incident.status not in handling.OPEN:
        raise Conflict(N_("Report {code} is {status}: it is no longer open."),
                       code=incident.code, status=incident.status)  # fmt: skip


def notify(session: Session, user_id: int, incident: Incident, message: str, now: datetime,
           **params: Any) -> None:  # fmt: skip
    session.add(Notice(user_id=user_id, incident_id=incident.id, message=message,
                       params={"code": incident.code, **params}, created_at=now))  # fmt: skip


def assign(session: Session, incident: Incident, *, analyst_id: int, actor: str,
           now: datetime) -> None:  # fmt: skip
    """Give the case to a certified analyst (who finds it in their portal inbox)."""
    from soai.identity.models import User

    _open(incident)
    analyst = session.get(User, analyst_id)
    if (
        analyst is None
        or not analyst.is_active
        or not {"analyst", "regulator"} & analyst.role_names
    ):
        raise InvalidInput(N_("Choose an active analyst or regulator."), field="assignee")
    incident.assignee_id = analyst.id
    _event(session, incident, "assign", actor, now, assignee=analyst.email)
    notify(session, analyst.id, incident, N_("Report {code} was assigned to you."), now)


def triage(session: Session, incident: Incident, *, severity: str, system_id: int | None,
           actor: str, now: datetime) -> None:  # fmt: skip
    """Set the severity (which starts its time limit) and, when known, the AI system."""
    from soai.registry.models import AISystem

    _open(incident)
    incident.due_at = handling.due_for(severity, now)
    incident.severity = severity
    if system_id is not None:
        system = session.get(AISystem, system_id)
        if system is None:
            raise InvalidInput(N_("No AI system {id} in the register."), field="system_id",
                               id=system_id)  # fmt: skip
        incident.system_id, incident.organisation_id = system.id, system.organisation_id
    _event(session, incident, "triage", actor, now, severity=severity, system=incident.system_id)
    if incident.status == "received":
        set_status(session, incident, "triaged", actor=actor, now=now)


def add_note(session: Session, incident: Incident, *, text: str, actor: str, now: datetime) -> None:
    _open(incident)
    if not 1 <= len(text.strip()) <= 10_000:
        raise InvalidInput(N_("Write the note (up to 10,000 characters)."), field="text")
    _event(session, incident, "note", actor, now, text=text.strip())
    if incident.status in ("received", "triaged"):
        set_status(session, incident, "investigating", actor=actor, now=now)


def _provider_users(session: Session, incident: Incident) -> list[int]:
    from soai.registry.models import OrganisationMember

    if incident.organisation_id is None:
        return []
    return list(session.scalars(select(OrganisationMember.user_id).where(
        OrganisationMember.organisation_id == incident.organisation_id)))  # fmt: skip


def request_provider(session: Session, incident: Incident, *, text: str, actor: str,
                     now: datetime) -> None:  # fmt: skip
    """Ask the provider a question; its members find it in their portal inbox."""
    _open(incident)
    if incident.organisation_id is None:
        raise InvalidInput(N_("Link the report to a registered AI system first: its provider "
                              "is who answers."), field="system_id")  # fmt: skip
    if not 1 <= len(text.strip()) <= 5000:
        raise InvalidInput(N_("Write the question (up to 5,000 characters)."), field="text")
    from soai.registry.models import Organisation

    _event(session, incident, "request", actor, now, text=text.strip())
    incident.shared_at = incident.shared_at or now  # the provider sees it from now on
    for user_id in _provider_users(session, incident):
        notify(session, user_id, incident, N_("The regulator asks about report {code}."), now)
    organisation = session.get(Organisation, incident.organisation_id)
    if organisation is not None and organisation.contact_email:
        session.info.setdefault("provider_outbox", []).append(
            (organisation.contact_email, incident.code, incident.id)
        )
    set_status(session, incident, "awaiting_provider", actor=actor, now=now)


def answer(session: Session, incident: Incident, *, text: str, actor: str, now: datetime) -> None:
    """The provider's answer (visibility is checked by the caller)."""
    if incident.status != "awaiting_provider":
        raise Conflict(N_("No question about report {code} is waiting for an answer."),
                       code=incident.code)  # fmt: skip
    if not 1 <= len(text.strip()) <= 10_000:
        raise InvalidInput(N_("Write the answer (up to 10,000 characters)."), field="text")
    _event(session, incident, "answer", actor, now, text=text.strip())
    if incident.assignee_id is not None:
        notify(session, incident.assignee_id, incident,
               N_("The provider answered about report {code}."), now)  # fmt: skip
    set_status(session, incident, "investigating", actor=actor, now=now)


def merge(session: Session, incident: Incident, *, into: str, actor: str, now: datetime) -> None:
    """Mark a report as a duplicate of an earlier one; its reporter follows that case."""
    _open(incident)
    target = session.scalar(select(Incident).where(Incident.code == into.strip().upper()))
    if target is None or target.id == incident.id:
        raise InvalidInput(N_("No other report {code}."), field="into", code=into)
    seen = {incident.id}
    while target.duplicate_of is not None and target.id not in seen:
        seen.add(target.id)
        target = get(session, target.duplicate_of)
    if target.id in seen:  # it leads back here: merging would make a loop
        raise InvalidInput(N_("Report {code} is itself merged into this one."), field="into",
                           code=into)  # fmt: skip
    incident.duplicate_of = target.id
    set_status(session, incident, "merged", actor=actor, now=now, text=target.code)


def decide(
    session: Session, incident: Incident, *, outcome: str, reason: str, summary: str, actor: str,
    now: datetime,
) -> None:  # fmt: skip
    """Record the outcome with its reasons and the public summary; a substantiated report of a
    registered system opens a nonconformity in its current compliance cycle."""
    from soai.pdca import service as pdca

    _open(incident)
    if outcome not in handling.OUTCOMES:
        raise InvalidInput(N_("Choose an outcome from the list."), field="outcome")
    if not 10 <= len(reason.strip()) <= 10_000:
        raise InvalidInput(N_("Give the reasons for the outcome (at least 10 characters)."),
                           field="reason")  # fmt: skip
    if not 10 <= len(summary.strip()) <= 2000:
        raise InvalidInput(N_("Write the public summary (10 to 2,000 characters, no personal "
                              "data): it is what the public incident page shows."),
                           field="summary")  # fmt: skip
    incident.outcome, incident.outcome_reason = outcome, reason.strip()
    incident.public_summary, incident.decided_at = summary.strip(), now
    if outcome == "substantiated" and incident.system_id is not None:
        cycle = pdca.open_cycle_of(session, system_id=incident.system_id)
        if cycle is not None:
            finding = pdca.raise_finding(
                session, cycle=cycle, control_urn=None,
                severity="major" if incident.severity in ("critical", "high") else "minor",
                description=f"{incident.code}: {summary.strip()}",
            )  # fmt: skip
            incident.finding_id = finding.id
            _event(session, incident, "finding", actor, now, cycle=cycle.id, finding=finding.id)
    set_status(session, incident, "decided", actor=actor, now=now, text=reason.strip())


def escalate(session: Session, incident: Incident, *, council: str, actor: str, actor_id: int | None,
             now: datetime) -> str:  # fmt: skip
    """Put a serious or contested report to the council; returns the session id."""
    from soai.council import service as council_service

    _open(incident)
    if incident.council_session:
        raise Conflict(N_("Report {code} is already before the council."), code=incident.code)
    title = f"{incident.code} ({incident.harm})"
    bundle: dict[str, Any] = {
        "subject": {"type": "incident", "id": incident.code, "title": title},
        "incident": {"harm": incident.harm, "severity": incident.severity,
                     "system": incident.system_id, "source": incident.source,
                     "public_summary": incident.public_summary,
                     "notes": [e.text for e in events(session, incident) if e.kind in ("note", "answer")]},
    }  # fmt: skip
    found = council_service.open_session(
        session, council=council, subject_type="incident", subject_ref=incident.code,
        title=title, bundle=bundle, actor_id=actor_id, now=now,
    )  # fmt: skip
    incident.council_session = found.id
    set_status(session, incident, "escalated", actor=actor, now=now)
    return found.id


def overdue(session: Session, *, now: datetime) -> list[Incident]:
    """Open reports past their time limit, the most overdue first."""
    return list(session.scalars(
        select(Incident).where(Incident.status.in_(handling.OPEN), Incident.due_at < now)
        .order_by(Incident.due_at)))  # fmt: skip


def remind_overdue(session: Session, *, now: datetime) -> int:
    """A portal notice, once per report and time limit, to whoever must act on an overdue
    report: its assignee, or every regulator while it is unassigned. Returns notices made."""
    from soai.identity.models import User, UserRole

    regulators = list(session.scalars(select(User.id).join(UserRole).where(
        UserRole.role == "regulator", User.is_active.is_(True))))  # fmt: skip
    made = 0
    for incident in overdue(session, now=now):
        stamp = incident.due_at.isoformat() if incident.due_at else ""
        if session.scalar(select(Event.id).where(
                Event.incident_id == incident.id, Event.kind == "overdue",
                Event.text == stamp)) is not None:  # fmt: skip
            continue
        for user_id in [incident.assignee_id] if incident.assignee_id else regulators:
            notify(session, user_id, incident, N_("Report {code} is past its time limit."), now)
            made += 1
        _event(session, incident, "overdue", "", now, text=stamp)
    return made
