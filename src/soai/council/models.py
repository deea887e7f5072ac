"""Tables of the council: members and their keys, who held which seat in which epoch, sessions
with their evidence bundle, every vote received (counted or rejected, with the reason),
conflicts of interest, equivocation evidence and human-panel decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class Member(Base):
    """An AI agent or a human expert who can hold a seat, with its Ed25519 key.

    ``key_protection`` says who can sign: ``instance`` (an AI agent's key, encrypted with the
    instance's signing passphrase), ``password`` (a human's key, encrypted with their portal
    password) or ``external`` (a human who keeps their own key file; only the public key here).
    """

    __tablename__ = "council_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # ai | human
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[str] = mapped_column(
        String(100), index=True
    )  # evaluator family (failure domain)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    stakeholder_group: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # hex, 32 bytes
    encrypted_key: Mapped[str | None] = mapped_column(Text)  # PKCS#8 PEM, encrypted
    key_protection: Mapped[str] = mapped_column(String(10))  # instance | password | external
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Seating(Base):
    """One holding of a seat: from an epoch until another (open while ``until_epoch`` is null).
    Seating, rotation, suspension and retirement each start a new epoch and a ledger entry."""

    __tablename__ = "council_seatings"
    __table_args__ = (Index("ix_council_seatings_seat_epoch", "seat", "from_epoch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat: Mapped[int] = mapped_column()  # 1..33
    kind: Mapped[str] = mapped_column(String(10))  # guardian | arbiter | scribe
    lens: Mapped[str] = mapped_column(String(20))
    member_id: Mapped[int] = mapped_column(ForeignKey("council_members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))  # active | suspended | retired
    from_epoch: Mapped[int] = mapped_column()
    until_epoch: Mapped[int | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    ledger_position: Mapped[int | None] = mapped_column()


class Epoch(Base):
    """A composition of the council; every change of seats starts the next one."""

    __tablename__ = "council_epochs"

    number: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    roster_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the JCS roster
    ledger_position: Mapped[int | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CouncilSession(Base):
    """One question put to the council about one subject, bound to its evidence bundle."""

    __tablename__ = "council_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))  # assessment | incident | policy | appeal
    subject_ref: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300))
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)
    subject_digest: Mapped[str] = mapped_column(String(64))
    epoch: Mapped[int] = mapped_column()
    round: Mapped[int] = mapped_column(default=1)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(
        String(12), index=True
    )  # open | decided | escalated | closed
    decision: Mapped[str | None] = mapped_column(String(10))
    certificate: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_by: Mapped[str | None] = mapped_column(String(10))  # council | panel
    ledger_position: Mapped[int | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vote(Base):
    """A vote as received: counted (``accepted``) or rejected with the reason — never both."""

    __tablename__ = "council_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("council_sessions.id", ondelete="CASCADE"), index=True
    )
    seat: Mapped[int] = mapped_column()
    round: Mapped[int] = mapped_column()
    choice: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float)
    rationale: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed: Mapped[dict[str, Any]] = mapped_column(JSON)  # the signed vote as submitted
    accepted: Mapped[bool] = mapped_column(Boolean)
    rejection: Mapped[str | None] = mapped_column(String(30))
    rejection_message: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conflict(Base):
    """A member's declared conflict of interest in a session: they cannot vote on it."""

    __tablename__ = "council_conflicts"
    __table_args__ = (UniqueConstraint("session_id", "seat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("council_sessions.id", ondelete="CASCADE"), index=True
    )
    seat: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Equivocation(Base):
    """Two different signed votes of one seat in one round: proof of a faulty member."""

    __tablename__ = "council_equivocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("council_sessions.id", ondelete="CASCADE"), index=True
    )
    seat: Mapped[int] = mapped_column()
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    ledger_position: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelDecision(Base):
    """The decision of the human panel of certified analysts on an escalated session."""

    __tablename__ = "council_panel_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("council_sessions.id", ondelete="CASCADE"), unique=True
    )
    choice: Mapped[str] = mapped_column(String(10))
    rationale: Mapped[str] = mapped_column(Text)
    analysts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{user_id, name, signature}]
    signed: Mapped[dict[str, Any]] = mapped_column(JSON)  # the decision statement, issuer-signed
    ledger_position: Mapped[int | None] = mapped_column()
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
