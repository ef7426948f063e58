"""The data lifecycle: per-account retention overrides, erasures and their quarantine.

- ``account_retention``: an administrator's retention window for one Chatwoot account
  (NULL days: keep forever), overriding ``PARLEY_RETENTION_DAYS``.
- ``erasures``: the audit of erased contacts, ids and counts only.
- ``erasure_quarantine``: global ids ingest refuses to store again until ``until``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_retention",
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("retention_days IS NULL OR retention_days >= 1", name=op.f("ck_account_retention_retention_days")),
        sa.ForeignKeyConstraint(["updated_by"], ["app_users.id"], name=op.f("fk_account_retention_updated_by_app_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_retention")),
    )
    op.create_table(
        "erasures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("global_id", sa.Text(), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("erased_by", sa.Text(), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("quarantined_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index(op.f("ix_erasures_global_id"), "erasures", ["global_id"])
    op.create_table(
        "erasure_quarantine",
        sa.Column("global_id", sa.Text(), nullable=False),
        sa.Column("erasure_id", sa.BigInteger(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["erasure_id"], ["erasures.id"], name=op.f("fk_erasure_quarantine_erasure_id_erasures"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("global_id", name=op.f("pk_erasure_quarantine")),
    )
    op.create_index(op.f("ix_erasure_quarantine_erasure_id"), "erasure_quarantine", ["erasure_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_erasure_quarantine_erasure_id"), table_name="erasure_quarantine")
    op.drop_table("erasure_quarantine")
    op.drop_index(op.f("ix_erasures_global_id"), table_name="erasures")
    op.drop_table("erasures")
    op.drop_table("account_retention")
