"""SQL for knowledge documents (``kb_documents``) and their chunks. Never commits.

A document is handled alone (documents change rarely, and one holds many chunks), so these
statements take one document; each chunk set is still written in one round trip.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from parley_schema.models import EmbeddingStatus, KbDocument, ProcessingStatus, RagChunk
from sqlalchemy import (
    Table,
    bindparam,
    delete,
    exists,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from parley_embedder.chunks.repository import ClaimedChunk, chunk_repository, claiming

chunks: Table = RagChunk.__table__  # type: ignore[assignment]
c = chunks.c

GET_DOCUMENT = (
    select(
        KbDocument.global_id,
        KbDocument.source,
        KbDocument.account_id,
        KbDocument.project_id,
        KbDocument.title,
        KbDocument.category,
        KbDocument.locale,
        KbDocument.meta,
        KbDocument.version,
        KbDocument.content_sha256,
        KbDocument.archived_at,
        KbDocument.processing_status,
        KbDocument.body,
    )
    .where(KbDocument.global_id == bindparam("document_id"))
    # KEY SHARE: ingest deleting the document waits until this transaction has written its
    # chunks, then the foreign key's cascade deletes them too; edits do not wait.
    .with_for_update(key_share=True)
)
LIST_CHUNKS = (
    select(
        c.chunk_index,
        c.text_hash,
        c.page_number,
        c.embedding_status,
        c.embedding_model,
        c.embedding_2_model,
    )
    .where(c.document_global_id == bindparam("document_id"))
    .order_by(c.chunk_index)
)
DELETE_CHUNKS = delete(RagChunk).where(
    RagChunk.document_global_id == bindparam("document_id"),
    RagChunk.chunk_index >= bindparam("from_index"),
)
# New or changed chunks, each given at once the vectors (both slots) of a ``ready`` chunk
# with the same text holding the embedder's model in either slot, if one exists (anywhere: an unchanged paragraph that moved to another index
# keeps its vector, since the lookup sees the rows as they were before this statement).
UPSERT_CHUNKS = text(
    """
INSERT INTO rag_chunks AS chunk (
    kind, document_global_id, chunk_index, text, text_hash, content_tokens, heading_path,
    page_number, account_id, project_id, category, locale, doc_metadata, private,
    embedding, embedding_model, embedding_2, embedding_2_model, embedding_status,
    last_embedded_at)
SELECT :kind, :document_id, w.chunk_index, w.text, w.text_hash, w.tokens, w.heading_path,
    w.page_number, :account_id, :project_id, :category, :locale, CAST(:metadata AS jsonb), false,
    donor.embedding, donor.embedding_model, donor.embedding_2, donor.embedding_2_model,
    CASE WHEN donor.id IS NULL THEN 'pending'
         ELSE 'ready' END,
    CASE WHEN donor.id IS NULL THEN NULL ELSE now() END
FROM jsonb_to_recordset(CAST(:chunks AS jsonb)) AS w(
    chunk_index integer, text text, text_hash text, tokens integer, heading_path text[],
    page_number integer)
LEFT JOIN LATERAL (
    SELECT d.id, d.embedding, d.embedding_model, d.embedding_2, d.embedding_2_model
    FROM rag_chunks AS d
    WHERE d.text_hash = w.text_hash AND d.embedding_status = 'ready'
      AND (d.embedding_model = :model OR d.embedding_2_model = :model)
    LIMIT 1) AS donor ON true
ON CONFLICT (document_global_id, chunk_index) DO UPDATE SET
    text = excluded.text, text_hash = excluded.text_hash,
    content_tokens = excluded.content_tokens, heading_path = excluded.heading_path,
    page_number = excluded.page_number, embedding = excluded.embedding,
    embedding_model = excluded.embedding_model, embedding_2 = excluded.embedding_2,
    embedding_2_model = excluded.embedding_2_model, embedding_status = excluded.embedding_status,
    embedding_attempts = 0, embedding_error = NULL,
    last_embedded_at = excluded.last_embedded_at, updated_at = now()
RETURNING chunk.embedding_status = 'ready'
"""
)
_FACTS = ("kind", "account_id", "project_id", "category", "locale", "doc_metadata")
COPY_FACTS = (
    chunks.update()
    .where(
        c.document_global_id == bindparam("document_id"),
        or_(*(c[name].is_distinct_from(bindparam(f"new_{name}")) for name in _FACTS)),
    )
    .values({name: bindparam(f"new_{name}") for name in _FACTS})
)
CLAIM = claiming(c.document_global_id, c.document_global_id == bindparam("document_id"))
_waiting_chunk = exists().where(
    RagChunk.document_global_id == KbDocument.global_id,
    RagChunk.embedding_status != EmbeddingStatus.READY,
)
# Ready once every chunk has its vector, and only the version that was chunked: a newer one
# stored meanwhile stays pending until its own event has been handled.
MARK_READY = (
    update(KbDocument)
    .where(
        KbDocument.global_id == bindparam("document_id"),
        KbDocument.version == bindparam("chunked_version"),
        KbDocument.content_sha256.is_not_distinct_from(bindparam("chunked_sha256")),
        KbDocument.archived_at.is_(None),
        KbDocument.processing_status != ProcessingStatus.READY,
        ~_waiting_chunk,
    )
    .values(processing_status=ProcessingStatus.READY, processing_error=None)
)
MARK_FAILED = (
    update(KbDocument)
    .where(KbDocument.global_id == bindparam("document_id"))
    .values(processing_status=ProcessingStatus.FAILED, processing_error=bindparam("failure"))
)


@dataclass(frozen=True)
class DocumentFacts:
    """The current document row: what its chunks are made of and copy."""

    global_id: str
    source: str
    account_id: int | None
    project_id: uuid.UUID | None
    title: str
    category: str
    locale: str | None
    meta: dict[str, Any]
    version: int
    content_sha256: str | None
    archived_at: datetime | None
    processing_status: str
    body: dict[str, Any]


@dataclass(frozen=True)
class StoredDocumentChunk:
    chunk_index: int
    text_hash: str | None
    page_number: int | None
    status: str
    model: str | None  # slot 1's
    model_2: str | None  # slot 2's


@dataclass(frozen=True)
class NewDocumentChunk:
    chunk_index: int
    text: str
    text_hash: str
    tokens: int
    heading_path: tuple[str, ...]
    page_number: int | None


@dataclass(frozen=True)
class DocumentVersion:
    """What a re-queued ``document.upserted.v1`` carries."""

    global_id: str
    account_id: int | None
    project_id: uuid.UUID | None
    version: int
    content_sha256: str | None
    updated_at: datetime


class DocumentRepository:
    async def lock(self, session: AsyncSession, document_global_id: str) -> None:
        """The advisory lock every writer of the document's chunks takes (vector stores too)."""
        await chunk_repository.lock_messages(session, [document_global_id])

    async def get(self, session: AsyncSession, document_global_id: str) -> DocumentFacts | None:
        row = (await session.execute(GET_DOCUMENT, {"document_id": document_global_id})).first()
        return DocumentFacts(*row) if row is not None else None

    async def list_chunks(
        self, session: AsyncSession, document_global_id: str
    ) -> list[StoredDocumentChunk]:
        rows = await session.execute(LIST_CHUNKS, {"document_id": document_global_id})
        return [StoredDocumentChunk(*row) for row in rows]

    async def delete_chunks(
        self, session: AsyncSession, document_global_id: str, *, from_index: int = 0
    ) -> int:
        """Delete the document's chunks from ``from_index`` on (``0``: all of them)."""
        result = await session.execute(
            DELETE_CHUNKS, {"document_id": document_global_id, "from_index": from_index}
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def upsert_chunks(
        self,
        session: AsyncSession,
        document: DocumentFacts,
        kind: str,
        new_chunks: Sequence[NewDocumentChunk],
        model: str,
    ) -> int:
        """Write new or changed chunks; the number that reused a vector (the rest pending)."""
        if not new_chunks:
            return 0
        rows = [
            {
                "chunk_index": chunk.chunk_index,
                "text": chunk.text,
                "text_hash": chunk.text_hash,
                "tokens": chunk.tokens,
                "heading_path": list(chunk.heading_path),
                "page_number": chunk.page_number,
            }
            for chunk in new_chunks
        ]
        result = await session.execute(
            UPSERT_CHUNKS,
            {
                "kind": kind,
                "document_id": document.global_id,
                "account_id": document.account_id,
                "project_id": document.project_id,
                "category": document.category,
                "locale": document.locale,
                "metadata": json.dumps(document.meta),
                "chunks": json.dumps(rows),
                "model": model,
            },
        )
        return sum(1 for (reused,) in result if reused)

    async def copy_facts(self, session: AsyncSession, document: DocumentFacts, kind: str) -> None:
        """The document's owner and filter facts on every chunk (search needs no join)."""
        facts = {
            "kind": kind,
            "account_id": document.account_id,
            "project_id": document.project_id,
            "category": document.category,
            "locale": document.locale,
            "doc_metadata": document.meta,
        }
        await session.execute(
            COPY_FACTS,
            {"document_id": document.global_id, **{f"new_{k}": v for k, v in facts.items()}},
        )

    async def claim(
        self, session: AsyncSession, document_global_id: str, *, stuck_after: timedelta
    ) -> list[ClaimedChunk]:
        """The document's waiting chunks → ``processing`` (as ``chunk_repository.claim``)."""
        result = await session.execute(
            CLAIM, {"document_id": document_global_id, "stuck_after": stuck_after}
        )
        return [ClaimedChunk(*row) for row in result]

    async def mark_ready(
        self, session: AsyncSession, document_global_id: str, version: int, sha: str | None
    ) -> bool:
        """True when the document became ``ready`` (its chunked version, all vectors in)."""
        result = await session.execute(
            MARK_READY,
            {"document_id": document_global_id, "chunked_version": version, "chunked_sha256": sha},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def mark_failed(self, session: AsyncSession, document_global_id: str, error: str) -> None:
        await session.execute(MARK_FAILED, {"document_id": document_global_id, "failure": error})

    async def get_versions(
        self, session: AsyncSession, ids: Sequence[str]
    ) -> list[DocumentVersion]:
        statement = select(
            KbDocument.global_id,
            KbDocument.account_id,
            KbDocument.project_id,
            KbDocument.version,
            KbDocument.content_sha256,
            KbDocument.updated_at,
        ).where(KbDocument.global_id.in_(ids))
        return [DocumentVersion(*row) for row in await session.execute(statement)]


document_repository = DocumentRepository()
