"""Knowledge documents: Chatwoot Help Center articles and uploaded files.

A document is one row at its current version; ``kb_document_versions`` keeps the history
(facts only, never the text). Its searchable text lives in ``body`` as structured blocks
(:mod:`parley_schema.knowledge`), written by ingest (article sync, uploads) and chunked by
the embedder into ``rag_chunks`` rows with ``kind`` ``article`` or ``document``, so one HNSW
index, one keyword index and one fusion serve messages and knowledge alike.

Ownership decides visibility: an article belongs to a Chatwoot account (projects see it
through their account sources), an upload belongs to one project.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column, updated_at_column


class DocumentSource(StrEnum):
    """Where a document comes from; its chunks' ``kind`` is the matching :class:`ChunkKind`."""

    ARTICLE = "article"  # a Chatwoot Help Center article, global id cwart:<account>:<id>
    UPLOAD = "upload"  # a file uploaded to a project, global id kbdoc:<uuid>


class ProcessingStatus(StrEnum):
    """``pending`` (stored, not chunked yet) → ``ready`` (chunks written), or ``failed``."""

    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


# Seed 003's categories; the column accepts any lower-case slug, so deployments extend it.
DEFAULT_CATEGORIES = ("policy", "product", "faq", "procedure", "vacancy", "general")
CATEGORY_PATTERN = "^[a-z][a-z0-9_-]{0,39}$"


class KbDocument(Base):
    __tablename__ = "kb_documents"
    __table_args__ = (
        CheckConstraint(
            "source IN ({})".format(", ".join(f"'{s}'" for s in DocumentSource)), name="source"
        ),
        CheckConstraint(
            "processing_status IN ({})".format(", ".join(f"'{s}'" for s in ProcessingStatus)),
            name="processing_status",
        ),
        CheckConstraint(
            f"(source = '{DocumentSource.ARTICLE}' AND account_id IS NOT NULL)"
            f" OR (source = '{DocumentSource.UPLOAD}' AND project_id IS NOT NULL)",
            name="owner",
        ),
        CheckConstraint(f"category ~ '{CATEGORY_PATTERN}'", name="category"),
        Index("ix_kb_documents_account_id_portal_slug", "account_id", "portal_slug"),
        Index("ix_kb_documents_project_id", "project_id"),
        Index("ix_kb_documents_metadata", "metadata", postgresql_using="gin"),
    )

    global_id: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(BigInteger)  # articles
    project_id: Mapped[uuid.UUID | None] = mapped_column(  # uploads
        ForeignKey("projects.id", ondelete="CASCADE")
    )
    portal_slug: Mapped[str | None] = mapped_column(Text)  # articles
    external_id: Mapped[int | None] = mapped_column(BigInteger)  # Chatwoot's article id
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text, server_default=text("'general'"))
    locale: Mapped[str | None] = mapped_column(Text)
    # "metadata" is reserved on declarative classes: the attribute is meta, the column metadata.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", server_default=text("'{}'::jsonb"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # Chatwoot's article status (draft|published|archived); NULL for uploads.
    source_status: Mapped[str | None] = mapped_column(Text)
    # Set when the document left search (archived in Chatwoot, or no longer searchable);
    # its chunks are deleted then. NULL: current.
    archived_at: Mapped[datetime | None]
    body: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    content_sha256: Mapped[str | None] = mapped_column(Text)  # of body's text, per version
    file_name: Mapped[str | None] = mapped_column(Text)  # uploads
    media_type: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    processing_status: Mapped[str] = mapped_column(
        Text, server_default=text(f"'{ProcessingStatus.PENDING}'")
    )
    processing_error: Mapped[str | None] = mapped_column(Text)
    # The source's own version time (an article's updated_at; an upload's receipt).
    source_updated_at: Mapped[datetime | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("app_users.id", ondelete="SET NULL")
    )
    data: Mapped[dict[str, Any] | None]  # the raw Chatwoot article, as every cw_* row keeps
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class KbDocumentVersion(Base):
    """One row per version a document has had: what changed when, never the text itself."""

    __tablename__ = "kb_document_versions"

    document_global_id: Mapped[str] = mapped_column(
        ForeignKey("kb_documents.global_id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at_column()
    archived_at: Mapped[datetime | None]  # when the next version replaced it
