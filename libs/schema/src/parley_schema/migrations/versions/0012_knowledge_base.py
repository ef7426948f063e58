"""Knowledge base: documents (Help Center articles, uploads), their versions, their chunks.

- ``kb_documents``: one row per document at its current version, structured text in ``body``;
  owned by a Chatwoot account (articles) or a project (uploads).
- ``kb_document_versions``: the facts of every version (never the text).
- ``rag_chunks`` gains ``kind`` (message|article|document; existing rows are messages), the
  document it comes from, its project (uploads), heading path, page number and the document's
  filter facts (category, locale, metadata with a GIN index).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(astext_type=sa.Text())
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kb_documents",
        sa.Column("global_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("portal_slug", sa.Text(), nullable=True),
        sa.Column("external_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), server_default=sa.text("'general'"), nullable=False),
        sa.Column("locale", sa.Text(), nullable=True),
        sa.Column("metadata", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("source_status", sa.Text(), nullable=True),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        sa.Column("body", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("content_sha256", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("media_type", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("processing_status", sa.Text(), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("processing_error", sa.Text(), nullable=True),
        sa.Column("source_updated_at", TIMESTAMP, nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("data", JSONB, nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("source IN ('article', 'upload')", name=op.f("ck_kb_documents_source")),
        sa.CheckConstraint(
            "processing_status IN ('pending', 'ready', 'failed')",
            name=op.f("ck_kb_documents_processing_status"),
        ),
        sa.CheckConstraint(
            "(source = 'article' AND account_id IS NOT NULL)"
            " OR (source = 'upload' AND project_id IS NOT NULL)",
            name=op.f("ck_kb_documents_owner"),
        ),
        sa.CheckConstraint(
            "category ~ '^[a-z][a-z0-9_-]{0,39}$'", name=op.f("ck_kb_documents_category")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_kb_documents_project_id_projects"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["app_users.id"], name=op.f("fk_kb_documents_created_by_app_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("global_id", name=op.f("pk_kb_documents")),
    )
    op.create_index("ix_kb_documents_account_id_portal_slug", "kb_documents", ["account_id", "portal_slug"])
    op.create_index("ix_kb_documents_project_id", "kb_documents", ["project_id"])
    op.create_index("ix_kb_documents_metadata", "kb_documents", ["metadata"], postgresql_using="gin")
    op.create_table(
        "kb_document_versions",
        sa.Column("document_global_id", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False),
        sa.Column("archived_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["document_global_id"], ["kb_documents.global_id"],
            name=op.f("fk_kb_document_versions_document_global_id_kb_documents"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_global_id", "version", name=op.f("pk_kb_document_versions")),
    )

    op.add_column("rag_chunks", sa.Column("kind", sa.Text(), server_default=sa.text("'message'"), nullable=False))
    op.add_column("rag_chunks", sa.Column("document_global_id", sa.Text(), nullable=True))
    op.add_column("rag_chunks", sa.Column("project_id", sa.Uuid(), nullable=True))
    op.add_column("rag_chunks", sa.Column("heading_path", postgresql.ARRAY(sa.Text()), nullable=True))
    op.add_column("rag_chunks", sa.Column("page_number", sa.Integer(), nullable=True))
    op.add_column("rag_chunks", sa.Column("category", sa.Text(), nullable=True))
    op.add_column("rag_chunks", sa.Column("locale", sa.Text(), nullable=True))
    op.add_column("rag_chunks", sa.Column("doc_metadata", JSONB, nullable=True))
    op.create_check_constraint(
        op.f("ck_rag_chunks_kind"), "rag_chunks", "kind IN ('message', 'article', 'document')"
    )
    op.create_check_constraint(
        op.f("ck_rag_chunks_kind_source"), "rag_chunks", "(kind = 'message') = (document_global_id IS NULL)"
    )
    op.create_foreign_key(
        op.f("fk_rag_chunks_document_global_id_kb_documents"), "rag_chunks", "kb_documents",
        ["document_global_id"], ["global_id"], ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_rag_chunks_project_id_projects"), "rag_chunks", "projects",
        ["project_id"], ["id"], ondelete="CASCADE",
    )
    op.create_unique_constraint(
        op.f("uq_rag_chunks_document_global_id_chunk_index"), "rag_chunks", ["document_global_id", "chunk_index"]
    )
    op.create_index("ix_rag_chunks_document_global_id", "rag_chunks", ["document_global_id"])
    op.create_index("ix_rag_chunks_doc_metadata", "rag_chunks", ["doc_metadata"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index("ix_rag_chunks_doc_metadata", table_name="rag_chunks")
    op.drop_index("ix_rag_chunks_document_global_id", table_name="rag_chunks")
    op.execute("DELETE FROM rag_chunks WHERE kind <> 'message'")
    op.drop_constraint(op.f("uq_rag_chunks_document_global_id_chunk_index"), "rag_chunks", type_="unique")
    op.drop_constraint(op.f("fk_rag_chunks_project_id_projects"), "rag_chunks", type_="foreignkey")
    op.drop_constraint(op.f("fk_rag_chunks_document_global_id_kb_documents"), "rag_chunks", type_="foreignkey")
    op.drop_constraint(op.f("ck_rag_chunks_kind_source"), "rag_chunks", type_="check")
    op.drop_constraint(op.f("ck_rag_chunks_kind"), "rag_chunks", type_="check")
    for column in ("doc_metadata", "locale", "category", "page_number", "heading_path", "project_id", "document_global_id", "kind"):
        op.drop_column("rag_chunks", column)
    op.drop_table("kb_document_versions")
    op.drop_index("ix_kb_documents_metadata", table_name="kb_documents")
    op.drop_index("ix_kb_documents_project_id", table_name="kb_documents")
    op.drop_index("ix_kb_documents_account_id_portal_slug", table_name="kb_documents")
    op.drop_table("kb_documents")
