"""Tables of credentials: issuance templates, batches, issued credentials, status lists.

A credential is stored as the values that vary (id, subject hash and salt, status index,
proof), its batch (dates, key, issuer and time, shared by one issuance) and a shared template
(context, issuer, achievement), so 500,000 credentials take a few hundred bytes each; the
exact signed document is rebuilt from them and checked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from soai.db import Base, UTCDateTime, utcnow


class CredentialTemplate(Base):
    __tablename__ = "credential_templates"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="SHA-256 of the body")
    achievement_key: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, doc="canonical JSON of the shared part")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusList(Base):
    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column()
    next_index: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CredentialBatch(Base):
    """What every credential of one issuance shares: its template, dates, key, issuer and time.

    Kept once per batch rather than on each of its (possibly 500,000) rows: narrower rows made
    bulk issuance about 2 µs a credential quicker (migration 0015).
    """

    __tablename__ = "credential_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("credential_templates.id"))
    achievement_key: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[str] = mapped_column(String(32))
    valid_until: Mapped[str | None] = mapped_column(String(32))
    proof_created: Mapped[str] = mapped_column(String(32))
    verification_method: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class IssuedCredential(Base):
    """One issued credential: what is its own, and its batch for what it shares."""

    __tablename__ = "credentials"
    # No index on subject_lookup: an HMAC is random, and an index on it made every bulk batch
    # rewrite pages all over that index (migration 0013). Lookups by e-mail read the table.
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="urn:uuid:…")
    batch_id: Mapped[int] = mapped_column(ForeignKey("credential_batches.id"))
    identity_hash: Mapped[str] = mapped_column(String(80))
    salt: Mapped[str] = mapped_column(String(64))
    subject_lookup: Mapped[str] = mapped_column(
        String(64),
        doc="HMAC of the e-mail under the instance secret, to find a holder's credentials",
    )
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column()
    proof_value: Mapped[str] = mapped_column(String(100))
    ledger_position: Mapped[int | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)

    batch: Mapped[CredentialBatch] = relationship(lazy="joined", innerjoin=True)

    # What the batch holds, read as the credential's own.
    @property
    def template_id(self) -> str:
        return self.batch.template_id

    @property
    def achievement_key(self) -> str:
        return self.batch.achievement_key

    @property
    def valid_from(self) -> str:
        return self.batch.valid_from

    @property
    def valid_until(self) -> str | None:
        return self.batch.valid_until

    @property
    def proof_created(self) -> str:
        return self.batch.proof_created

    @property
    def verification_method(self) -> str:
        return self.batch.verification_method

    @property
    def issued_at(self) -> datetime:
        return self.batch.issued_at

    @property
    def issued_by(self) -> int | None:
        return self.batch.issued_by
