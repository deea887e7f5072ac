"""Tables of SOAI-PDCA: cycles, their risks, Statement of Applicability, evidence, findings, gates.

Rows that people edit concurrently (a cycle, a control) carry a ``version`` column used for
optimistic locking: an update names the version it read, and a stale one is refused with a
conflict instead of silently overwriting someone else's change.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class Cycle(Base):
    __tablename__ = "pdca_cycles"
    __table_args__ = (UniqueConstraint("system_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("registry_systems.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    phase: Mapped[str] = mapped_column(String(10))  # plan | do | check | act | closed
    scope: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    roles: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    risk_tier: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    kpis: Mapped[str] = mapped_column(Text, default="")
    internal_audit: Mapped[str] = mapped_column(Text, default="")
    council_review: Mapped[str] = mapped_column(String(20), default="not_required")
    management_review: Mapped[str] = mapped_column(Text, default="")
    lessons_learned: Mapped[str] = mapped_column(Text, default="")
    analyst_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[float | None] = mapped_column()
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # per framework
    maturity: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Risk(Base):
    __tablename__ = "pdca_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("pdca_cycles.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str | None] = mapped_column(String(80))  # risk library id it was seeded from
    hazard: Mapped[str] = mapped_column(Text)
    affected_group: Mapped[str] = mapped_column(Text, default="")
    likelihood: Mapped[int] = mapped_column()
    impact: Mapped[int] = mapped_column()
    treatment: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    residual_likelihood: Mapped[int | None] = mapped_column()
    residual_impact: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | treated | accepted
    carried_from: Mapped[int | None] = mapped_column()


class Control(Base):
    """One line of the Statement of Applicability: a catalogue requirement for this cycle."""

    __tablename__ = "pdca_controls"
    __table_args__ = (UniqueConstraint("cycle_id", "urn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("pdca_cycles.id", ondelete="CASCADE"), index=True
    )
    urn: Mapped[str] = mapped_column(String(120))
    framework: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(20))  # obligation | annex-a | crosswalk
    applicable: Mapped[bool] = mapped_column(default=True)
    justification: Mapped[str] = mapped_column(Text, default="")
    implementation: Mapped[str] = mapped_column(String(20), default="not_started")
    owner: Mapped[str] = mapped_column(String(200), default="")
    assessment: Mapped[str | None] = mapped_column(String(20))
    reasoning: Mapped[str] = mapped_column(Text, default="")
    assessed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    weight: Mapped[float] = mapped_column(default=1.0)
    version: Mapped[int] = mapped_column(default=1)


class Evidence(Base):
    __tablename__ = "pdca_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("pdca_cycles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # file | link | test_result
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column()
    media_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(1000))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceLink(Base):
    """Evidence offered for a control of the Statement of Applicability."""

    __tablename__ = "pdca_evidence_links"
    __table_args__ = (UniqueConstraint("evidence_id", "control_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("pdca_evidence.id", ondelete="CASCADE"))
    control_id: Mapped[int] = mapped_column(
        ForeignKey("pdca_controls.id", ondelete="CASCADE"), index=True
    )


class Finding(Base):
    """A nonconformity and its corrective action."""

    __tablename__ = "pdca_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("pdca_cycles.id", ondelete="CASCADE"), index=True
    )
    control_urn: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), default="minor")  # minor | major
    root_cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | verified
    verification: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    carried_from: Mapped[int | None] = mapped_column()
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Gate(Base):
    """A phase's sign-off: who passed it, when, and its ledger entry; reopened only with a reason."""

    __tablename__ = "pdca_gates"
    __table_args__ = (Index("ix_pdca_gates_cycle_phase", "cycle_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("pdca_cycles.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(10))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ledger_position: Mapped[int | None] = mapped_column()
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    reopen_ledger_position: Mapped[int | None] = mapped_column()


class Attestation(Base):
    """A signed credential attesting a cycle's maturity; revoked if a later cycle regresses."""

    __tablename__ = "pdca_attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(
        ForeignKey("registry_systems.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("pdca_cycles.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10))
    credential_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
