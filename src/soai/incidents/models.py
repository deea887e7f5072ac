"""Tables of the watchdog: reports of AI harm (from the public or, as serious-incident reports,
from providers), their attachments (stored by content hash), the case's timeline, and portal
notices to the people who must act.

A report keeps a contact only when the reporter gives one; the address it came from is kept
only as a keyed hash (to slow a flood), never in the clear.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # public reference, e.g. INC-7K2M9Q
    source: Mapped[str] = mapped_column(String(10))  # public | provider
    description: Mapped[str] = mapped_column(Text)
    harm: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    affected: Mapped[str] = mapped_column(String(20))  # me | someone | group | unknown
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_systems.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_organisations.id", ondelete="SET NULL"), index=True
    )
    target_text: Mapped[str] = mapped_column(String(300), default="")  # not in the register
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="km")
    client: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="received")
    severity: Mapped[str | None] = mapped_column(String(10))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the SLA of its severity
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    public_summary: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    council_session: Mapped[str | None] = mapped_column(String(32))
    shared_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime
    )  # first question to the provider
    finding_id: Mapped[int | None] = mapped_column(Integer)
    # serious-incident reports of providers (EU AI Act Art. 73 style)
    serious_kinds: Mapped[list[str] | None] = mapped_column(JSON)
    aware_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_stage: Mapped[str | None] = mapped_column(String(10))  # initial | complete
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """A file of a report; the bytes live in ``$SOAI_HOME/incidents/<sha256>`` (one copy)."""

    __tablename__ = "incident_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """One step of a case: a status change, a note, a request to the provider and its answer,
    an assignment. ``public`` events are shown to the reporter through their link."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(254), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    ledger_entry: Mapped[int | None] = mapped_column(Integer)


class Notice(Base):
    """A message in a user's portal inbox (an assignment, a request to answer)."""

    __tablename__ = "incident_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(String(300))  # an English msgid
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
