"""Tables of the national programme: giveaway rounds and their applications (with each seat's
life cycle), milestone sign-offs, readiness assessments and partnership enquiries.

An application keeps what the draw and the seat's e-mails need: the name, date of birth,
country and e-mail. A document number is never stored, only the SHA-256 of its letters and
digits (what the re-submission rule compares).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class GiveawayRound(Base):
    """One call for applications: open (seed committed) → closed (applications frozen and
    their file's SHA-256 logged) → drawn (seed revealed, allocation digest logged)."""

    __tablename__ = "programme_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    quotas: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    offer_days: Mapped[int] = mapped_column(Integer, default=30)
    min_age: Mapped[int | None] = mapped_column(Integer)  # eligibility, fixed for the round
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed | drawn
    seed_commitment: Mapped[str] = mapped_column(String(64))
    commitment_entry: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applications_sha256: Mapped[str | None] = mapped_column(String(64))
    closed_entry: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[str | None] = mapped_column(String(128))  # revealed at the draw, never before
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocation_digest: Mapped[str | None] = mapped_column(String(64))
    drawn_entry: Mapped[int | None] = mapped_column(Integer)


class GiveawayApplication(Base):
    """One application and, once drawn, its outcome and its seat's life cycle.

    ``status`` is the lottery's outcome (``applied`` before the draw, then ``allocated``,
    ``waitlisted`` or ``duplicate``) and never changes after the draw, so the published
    allocation digest stays checkable. ``seat`` follows the seat: ``offered`` → ``accepted``
    (the applicant made an account and was enrolled in the academy) or ``declined`` /
    ``expired``; a waitlisted applicant may be offered a freed seat later. Whether the holder
    sat the exam or was certified is read live from the academy.
    """

    __tablename__ = "programme_applications"
    __table_args__ = (
        UniqueConstraint("round_id", "application_id"),
        Index("ix_programme_applications_round_status", "round_id", "status"),
        Index("ix_programme_applications_round_seat", "round_id", "seat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("programme_rounds.id", ondelete="CASCADE"))
    application_id: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[str] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(254))
    document_hash: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))  # form | import
    sender: Mapped[str | None] = mapped_column(String(64))  # keyed hash of a web form's sender
    language: Mapped[str] = mapped_column(String(5), default="km")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="applied")
    rank: Mapped[int | None] = mapped_column(Integer)
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    seat: Mapped[str | None] = mapped_column(String(10))
    seat_reserved: Mapped[bool] = mapped_column(Boolean, default=False)  # the seat now held
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("academy_candidates.id", ondelete="SET NULL"), index=True
    )


class MilestoneSignoff(Base):
    """The regulator's sign-off of one roadmap milestone, with the KPI seen at that moment."""

    __tablename__ = "programme_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone: Mapped[str] = mapped_column(String(60), unique=True)
    value: Mapped[float | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    signed_by: Mapped[str] = mapped_column(String(254))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ledger_entry: Mapped[int] = mapped_column(Integer)


class ReadinessAssessment(Base):
    """Answers to the national questionnaire or a sector's, with the index they gave."""

    __tablename__ = "programme_readiness"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(30))  # national | a sector id
    organisation: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    overall: Mapped[float | None] = mapped_column()
    questionnaire_version: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PressQuote(Base):
    """A quotable statement of the press kit as the regulator edited it (replaces the shipped
    text of the same id)."""

    __tablename__ = "programme_quotes"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    text_en: Mapped[str] = mapped_column(Text)
    text_km: Mapped[str] = mapped_column(Text)
    attribution_en: Mapped[str] = mapped_column(String(200))
    attribution_km: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enquiry(Base):
    """A partnership enquiry from the public page, in the regulator's inbox."""

    __tablename__ = "programme_enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))  # government | business | civil-society | ...
    message: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    client: Mapped[str] = mapped_column(String(64))  # keyed hash of the sender's address
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
