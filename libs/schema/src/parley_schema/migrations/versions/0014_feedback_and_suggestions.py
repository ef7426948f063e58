"""Feedback on drafts and hits; the state of suggestions pushed into Chatwoot.

- ``feedback``: one rating (up|down) per project, user and target (an answer draft, a
  conversation, a message, an article or an uploaded document), with an optional comment;
  the conversations and the document it names cascade.
- ``suggestion_posts``: per conversation, when Parley last posted (claimed) a private note
  with a draft, for which customer message, and Chatwoot's id of that note.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("target_kind", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("target_conversation_id", sa.Text(), nullable=True),
        sa.Column("target_document_id", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.Text(), nullable=True),
        sa.Column("rating", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=NOW, nullable=False),
        sa.Column("updated_at", TIMESTAMP, server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "target_kind IN ('answer', 'conversation', 'message', 'article', 'document')",
            name=op.f("ck_feedback_target_kind"),
        ),
        sa.CheckConstraint("rating IN ('up', 'down')", name=op.f("ck_feedback_rating")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"],
            name=op.f("fk_feedback_project_id_projects"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_users.id"],
            name=op.f("fk_feedback_user_id_app_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_conversation_id"], ["cw_conversations.id"],
            name=op.f("fk_feedback_target_conversation_id_cw_conversations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_document_id"], ["kb_documents.global_id"],
            name=op.f("fk_feedback_target_document_id_kb_documents"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["cw_conversations.id"],
            name=op.f("fk_feedback_conversation_id_cw_conversations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(
        "uq_feedback_project_id_user_id_target",
        "feedback",
        ["project_id", "user_id", "target_kind", "target_id"],
        unique=True,
    )
    op.create_index(
        "ix_feedback_project_id_target", "feedback", ["project_id", "target_kind", "target_id"]
    )
    for column in ("target_conversation_id", "target_document_id", "conversation_id"):
        op.create_index(f"ix_feedback_{column}", "feedback", [column])
    op.create_table(
        "suggestion_posts",
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("last_posted_at", TIMESTAMP, nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("note_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["cw_conversations.id"],
            name=op.f("fk_suggestion_posts_conversation_id_cw_conversations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_suggestion_posts")),
    )


def downgrade() -> None:
    op.drop_table("suggestion_posts")
    op.drop_table("feedback")
