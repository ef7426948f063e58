"""Message deletion marker; the message's filter facts copied onto its chunks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cw_messages", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("rag_chunks", sa.Column("account_id", sa.BigInteger(), nullable=True))
    op.add_column("rag_chunks", sa.Column("inbox_id", sa.BigInteger(), nullable=True))
    op.add_column(
        "rag_chunks",
        sa.Column("private", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("rag_chunks", sa.Column("message_type", sa.Text(), nullable=True))
    op.add_column("rag_chunks", sa.Column("sender_type", sa.Text(), nullable=True))
    op.add_column(
        "rag_chunks", sa.Column("message_created_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_rag_chunks_account_id_inbox_id", "rag_chunks", ["account_id", "inbox_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rag_chunks_account_id_inbox_id", table_name="rag_chunks")
    for column in ("message_created_at", "sender_type", "message_type", "private", "inbox_id"):
        op.drop_column("rag_chunks", column)
    op.drop_column("rag_chunks", "account_id")
    op.drop_column("cw_messages", "deleted_at")
