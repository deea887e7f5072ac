"""Tables of technical assurance: each test run, with what it read and what it found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from soai.db import Base, UTCDateTime, utcnow


class TestRun(Base):
    """One run of a test on one data file: stored with the file's SHA-256, the tool and policy
    versions, and its result — or, for a failed run, only the failure record."""

    __tablename__ = "assurance_runs"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # fairness | performance | data
    status: Mapped[str] = mapped_column(String(20))  # succeeded | failed
    verdict: Mapped[str | None] = mapped_column(String(20))  # pass | warn | fail
    input_name: Mapped[str] = mapped_column(String(300))
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int | None] = mapped_column()
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tool_version: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    system_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_systems.id", ondelete="SET NULL"), index=True
    )
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("pdca_cycles.id", ondelete="SET NULL"))
    evidence_id: Mapped[int | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
