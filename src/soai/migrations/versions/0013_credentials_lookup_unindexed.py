"""credentials without the index on the holder lookup

The HMAC of the holder's e-mail is random, so an index on it took a random page for every
credential issued: at 300,000 credentials a bulk batch spent ~30 µs a row rewriting that index
(benchmarks, docs/performance.md). Finding a holder's credentials by e-mail is a rare support
task; it now reads the table once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_credentials_subject_lookup")


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index("ix_credentials_subject_lookup", ["subject_lookup"], unique=False)
