"""Tables of the registry: organisations, their members, AI systems and their classifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class Organisation(Base):
    """A provider or deployer of AI systems: a public body, a company or another entity."""

    __tablename__ = "registry_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    name_km: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))  # public_body | company | other
    registration_number: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrganisationMember(Base):
    """A provider user who manages the AI systems of one organisation."""

    __tablename__ = "registry_organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("registry_organisations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class AISystem(Base):
    """One AI system in the register, with the questionnaire's answers and its current class."""

    __tablename__ = "registry_systems"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        Index("ix_registry_systems_risk", "risk"),
        Index("ix_registry_systems_public", "is_public"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("registry_organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    deployment_context: Mapped[str] = mapped_column(Text, default="")
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    affected_groups: Mapped[str] = mapped_column(Text, default="")
    autonomy: Mapped[str] = mapped_column(String(30))
    human_oversight: Mapped[str] = mapped_column(Text, default="")
    model_basis: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # planned | in_service | withdrawn
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # the AI system profile (contract)
    risk: Mapped[str] = mapped_column(String(20))
    gpai: Mapped[str] = mapped_column(String(20))
    high_risk_route: Mapped[str | None] = mapped_column(String(8))
    rules_version: Mapped[str] = mapped_column(String(200))
    is_public: Mapped[bool] = mapped_column(default=False)  # shown in the public register
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Classification(Base):
    """One classification of a system: its inputs, the rules version, the result and trace."""

    __tablename__ = "registry_classifications"
    __table_args__ = (Index("ix_registry_classifications_system", "system_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("registry_systems.id", ondelete="CASCADE"))
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(30))  # registered | answers_changed | rules_changed
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    risk: Mapped[str] = mapped_column(String(20))
    rules_version: Mapped[str] = mapped_column(String(200))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    ledger_position: Mapped[int | None] = mapped_column()
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
