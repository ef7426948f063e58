"""Knowledge documents written as ingest writes them, with the event it would put in the outbox.

``put_document`` stores a ``kb_documents`` row (a new version, with its
``kb_document_versions`` row, when the text changed) as ``pending`` and returns the
``document.upserted.v1`` envelope; ``archive_document`` and ``delete_document`` make a document
leave search and return ``document.deleted.v1``. Tests hand the envelope to the embedder
(its pipeline, or the broker as the relay would publish it).

``store_chunks`` writes a document's chunks with their vectors and marks it ready, as the
embedder would, for suites and benchmarks that search without running it (they chunk with
``parley_embeddings.document_chunking`` and embed with the real model themselves).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from parley_schema.events import DocumentDeletedV1, DocumentUpsertedV1, EventEnvelope
from parley_schema.knowledge import BlockKind, DocumentBlock, DocumentBody
from parley_schema.models import (
    ChunkKind,
    DocumentSource,
    EmbeddingStatus,
    KbDocument,
    KbDocumentVersion,
    ProcessingStatus,
    RagChunk,
)
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession


def article_global_id(account_id: int, article_id: int) -> str:
    return f"cwart:{account_id}:{article_id}"


def upload_global_id() -> str:
    return f"kbdoc:{uuid.uuid4()}"


def markdownish(text: str, *, page: int | None = None) -> DocumentBody:
    """A body from ``#``-headed lines and blank-line paragraphs (test data, not a parser)."""
    blocks: list[DocumentBlock] = []
    for part in (p.strip() for p in text.split("\n\n")):
        if not part:
            continue
        if part.startswith("#"):
            level = len(part) - len(part.lstrip("#"))
            blocks.append(
                DocumentBlock(
                    kind=BlockKind.HEADING, text=part.lstrip("#").strip(), level=level, page=page
                )
            )
        else:
            blocks.append(DocumentBlock(kind=BlockKind.PARAGRAPH, text=part, page=page))
    return DocumentBody(blocks=tuple(blocks))


class DocumentFacts(TypedDict, total=False):
    """A document's owner and facts beside its title and body (each optional)."""

    account_id: int | None  # makes an article
    project_id: uuid.UUID | None  # makes an upload
    category: str  # "general" when not given
    locale: str | None
    metadata: dict[str, Any] | None
    url: str | None


async def put_document(
    session: AsyncSession,
    *,
    global_id: str,
    title: str,
    body: DocumentBody | dict[str, Any],
    **facts: Unpack[DocumentFacts],
) -> EventEnvelope:
    """Store the document's current version as ingest does and return its upserted event.

    ``account_id`` makes an article, ``project_id`` an upload. A ``dict`` body is stored as
    given (to test bodies that are not a ``DocumentBody``).
    """
    account_id, project_id = facts.get("account_id"), facts.get("project_id")
    source = DocumentSource.ARTICLE if account_id is not None else DocumentSource.UPLOAD
    stored_body = body.model_dump(mode="json") if isinstance(body, DocumentBody) else body
    sha = body.content_sha256() if isinstance(body, DocumentBody) else None
    now = datetime.now(UTC)
    current = await session.scalar(
        select(KbDocument).where(KbDocument.global_id == global_id).with_for_update()
    )
    columns = {
        "title": title,
        "category": facts.get("category", "general"),
        "locale": facts.get("locale"),
        "meta": facts.get("metadata") or {},
        "url": facts.get("url"),
        "body": stored_body,
        "content_sha256": sha,
        "processing_status": ProcessingStatus.PENDING,
        "processing_error": None,
        "archived_at": None,
        "source_updated_at": now,
        "updated_at": now,
    }
    if current is None:
        version = 1
        session.add(
            KbDocument(
                global_id=global_id,
                source=source,
                account_id=account_id,
                project_id=project_id,
                version=version,
                **columns,
            )
        )
    else:
        version = current.version
        if current.content_sha256 != sha or current.body != stored_body:
            await session.execute(
                update(KbDocumentVersion)
                .where(
                    KbDocumentVersion.document_global_id == global_id,
                    KbDocumentVersion.version == version,
                )
                .values(archived_at=now)
            )
            version += 1
        await session.execute(
            update(KbDocument)
            .where(KbDocument.global_id == global_id)
            .values(version=version, **columns)
        )
    await session.flush()
    if current is None or version != current.version:
        session.add(
            KbDocumentVersion(
                document_global_id=global_id, version=version, title=title, content_sha256=sha
            )
        )
        await session.flush()
    payload = DocumentUpsertedV1(
        document_global_id=global_id,
        project_id=str(project_id) if project_id else None,
        version=version,
        updated_at=now,
        content_sha256=sha,
    )
    return EventEnvelope.wrap(payload, account_id=account_id, occurred_at=now)


async def archive_document(session: AsyncSession, global_id: str) -> EventEnvelope:
    """The document leaves search (``archived_at`` set) and its deleted event."""
    now = datetime.now(UTC)
    document = await session.scalar(select(KbDocument).where(KbDocument.global_id == global_id))
    assert document is not None, global_id
    await session.execute(
        update(KbDocument)
        .where(KbDocument.global_id == global_id)
        .values(archived_at=now, source_status="archived", updated_at=now)
    )
    return _deleted(document, now)


async def delete_document(session: AsyncSession, global_id: str) -> EventEnvelope:
    """The document's row deleted (its chunks cascade) and its deleted event."""
    now = datetime.now(UTC)
    document = await session.scalar(select(KbDocument).where(KbDocument.global_id == global_id))
    assert document is not None, global_id
    await session.execute(delete(KbDocument).where(KbDocument.global_id == global_id))
    return _deleted(document, now)


def _deleted(document: KbDocument, now: datetime) -> EventEnvelope:
    payload = DocumentDeletedV1(
        document_global_id=document.global_id,
        project_id=str(document.project_id) if document.project_id else None,
        updated_at=now,
    )
    return EventEnvelope.wrap(payload, account_id=document.account_id, occurred_at=now)


@dataclass(frozen=True)
class EmbeddedChunk:
    text: str
    tokens: int
    heading_path: Sequence[str]
    page: int | None
    vector: Sequence[float]


async def store_chunks(
    session: AsyncSession, global_id: str, chunks: Sequence[EmbeddedChunk], *, model: str
) -> None:
    """The document's chunks (indexed in order) with the document's facts, ``ready``."""
    document = await session.scalar(select(KbDocument).where(KbDocument.global_id == global_id))
    assert document is not None, global_id
    kind = ChunkKind.ARTICLE if document.source == DocumentSource.ARTICLE else ChunkKind.DOCUMENT
    await session.execute(delete(RagChunk).where(RagChunk.document_global_id == global_id))
    if chunks:
        await session.execute(
            insert(RagChunk),
            [
                {
                    "kind": kind,
                    "document_global_id": global_id,
                    "chunk_index": index,
                    "text": chunk.text,
                    "content_tokens": chunk.tokens,
                    "heading_path": list(chunk.heading_path),
                    "page_number": chunk.page,
                    "embedding": list(chunk.vector),
                    "embedding_status": EmbeddingStatus.READY,
                    "embedding_model": model,
                    "account_id": document.account_id,
                    "project_id": document.project_id,
                    "category": document.category,
                    "locale": document.locale,
                    "doc_metadata": document.meta,
                }
                for index, chunk in enumerate(chunks)
            ],
        )
    await session.execute(
        update(KbDocument)
        .where(KbDocument.global_id == global_id)
        .values(processing_status=ProcessingStatus.READY)
    )
