"""Tables of the CEASAI academy: candidates (with as little personal data as possible), their
lesson progress, exam attempts with the form each was drawn (seed recorded), every saved
answer, and results.

A candidate's national ID is never stored: only a keyed hash (HMAC-SHA256 with the instance's
secret) that detects a second registration. Erasing a candidate removes their name and contact
and keeps the anonymous results that credentials and item statistics rely on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class Candidate(Base):
    __tablename__ = "academy_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="KH")
    language: Mapped[str] = mapped_column(String(5), default="km")
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)  # accommodation
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LessonProgress(Base):
    __tablename__ = "academy_lesson_progress"
    __table_args__ = (UniqueConstraint("candidate_id", "module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("academy_candidates.id", ondelete="CASCADE"), index=True
    )
    module: Mapped[str] = mapped_column(String(60))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(Base):
    """One sitting of one exam: its form (drawn from the bank by the tier's blueprint with the
    recorded seed), its server-side clock and its state. ``tab`` is the browser tab that holds
    the attempt; saves from any other tab are refused."""

    __tablename__ = "academy_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("academy_candidates.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[str] = mapped_column(String(30))
    seed: Mapped[str] = mapped_column(String(64))
    bank_version: Mapped[str] = mapped_column(String(64))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)  # items, scored, option orders
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(12), index=True)  # active | submitted
    tab: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw_score: Mapped[int | None] = mapped_column()
    percent: Mapped[float | None] = mapped_column(Float)
    scaled_score: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column(Boolean)
    by_domain: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    credential_id: Mapped[str | None] = mapped_column(String(100))


class Answer(Base):
    """The latest saved answer to one question of an attempt (autosaved)."""

    __tablename__ = "academy_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[str] = mapped_column(
        ForeignKey("academy_attempts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()  # 0-based question number on the form
    option: Mapped[int | None] = mapped_column()  # displayed option index, None = cleared
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ItemExposure(Base):
    """How many forms have shown each item (exposure control reads these, not every form)."""

    __tablename__ = "academy_item_exposure"

    item_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shown: Mapped[int] = mapped_column(Integer, default=0)


class CpdActivity(Base):
    """Continuing professional development a certified analyst reports, towards renewal."""

    __tablename__ = "academy_cpd"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("academy_candidates.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[str] = mapped_column(String(30))
    hours: Mapped[float] = mapped_column(Float)
    activity: Mapped[str] = mapped_column(String(300))
    done_on: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExamWindow(Base):
    """A period in which a tier's exam may be sat, with a number of seats. When a tier has
    windows, a candidate books one and starts the exam only while it is open."""

    __tablename__ = "academy_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[str] = mapped_column(String(30), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seats: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(Base):
    __tablename__ = "academy_bookings"
    __table_args__ = (UniqueConstraint("window_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(
        ForeignKey("academy_windows.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("academy_candidates.id", ondelete="CASCADE"), index=True
    )
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Renewal(Base):
    """A certificate renewed on CPD hours: the new credential and the hours it rests on."""

    __tablename__ = "academy_renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("academy_candidates.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[str] = mapped_column(String(30))
    hours: Mapped[float] = mapped_column(Float)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime)
    credential_id: Mapped[str] = mapped_column(String(100))
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
