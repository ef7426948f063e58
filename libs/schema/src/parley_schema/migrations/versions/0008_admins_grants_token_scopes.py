"""Access control: instance administrators, source grants, token scopes; housekeeping indexes.

- ``app_users.is_admin``; the earliest existing user becomes the administrator (the first
  user ever created is one from now on, as ``parley auth create-user`` does).
- ``source_grants``: which Chatwoot accounts or inboxes a non-admin may attach to projects.
- ``api_tokens.scopes``: ``private`` lets a token read private notes; existing tokens get none.
- Indexes for purging old webhook delivery keys and published outbox rows by age.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "app_users",
        sa.Column("is_admin", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.execute(
        "UPDATE app_users SET is_admin = true"
        " WHERE id = (SELECT id FROM app_users ORDER BY created_at, id LIMIT 1)"
    )
    op.create_table(
        "source_grants",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.Column("granted_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_users.id"], name=op.f("fk_source_grants_user_id_app_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["granted_by"], ["app_users.id"], name=op.f("fk_source_grants_granted_by_app_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_grants")),
    )
    op.create_index(
        "uq_source_grants_user_account_inbox",
        "source_grants",
        ["user_id", "account_id", "inbox_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.add_column(
        "api_tokens",
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    )
    op.create_check_constraint(op.f("ck_api_tokens_scopes"), "api_tokens", "scopes <@ ARRAY['private']::text[]")
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"])
    op.create_index(
        "ix_event_outbox_published_at",
        "event_outbox",
        ["published_at"],
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_event_outbox_published_at", table_name="event_outbox")
    op.drop_index("ix_webhook_deliveries_received_at", table_name="webhook_deliveries")
    op.drop_constraint(op.f("ck_api_tokens_scopes"), "api_tokens", type_="check")
    op.drop_column("api_tokens", "scopes")
    op.drop_index("uq_source_grants_user_account_inbox", table_name="source_grants")
    op.drop_table("source_grants")
    op.drop_column("app_users", "is_admin")
