"""Handoffs: escalation recommendations of conversations (seed 004's fields).

- ``handoffs``: conversation, recommended, reason (readable) and reasons (JSON), provider,
  status ``pending | routed | resolved``; deleted with their conversation.
- At most one open (not resolved) handoff per conversation: a partial unique index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("conversation_global_id", sa.Text(), nullable=False),
        sa.Column("recommended", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'routed', 'resolved')", name=op.f("ck_handoffs_status")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_global_id"],
            ["cw_conversations.id"],
            name=op.f("fk_handoffs_conversation_global_id_cw_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(
        "uq_handoffs_open_conversation",
        "handoffs",
        ["conversation_global_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_index(
        "ix_handoffs_created_at", "handoffs", [sa.text("created_at DESC"), "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_handoffs_created_at", table_name="handoffs")
    op.drop_index("uq_handoffs_open_conversation", table_name="handoffs")
    op.drop_table("handoffs")
