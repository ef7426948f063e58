"""Make a knowledge document's chunks match its current ``kb_documents`` row.

Postgres is the truth, as for messages: ``document.upserted.v1`` and ``document.deleted.v1``
both mean "this document changed", whatever version they name, and the row decides:

- no row, or ``archived_at`` set (the document left search) → its chunks are deleted;
- a ``body`` that is not a ``DocumentBody``, or one without text → the chunks are deleted and
  the document is ``failed`` with the reason (a reason ingest wrote for an empty body, such as
  an unreadable file, is kept);
- otherwise the body is chunked by headings and paragraphs (``DocumentChunker``), unchanged
  chunks are kept, new or changed ones reuse a vector of the same text and model wherever one
  exists (so a new version re-embeds only what changed, even when paragraphs moved), indexes
  past the new end are deleted, the document's owner and filter facts are written on every
  chunk, and the chunks still without a vector are claimed for the model. The document is
  ``ready`` once every chunk of the version that was chunked has its vector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import structlog
from parley_embeddings.document_chunking import DocumentChunker
from parley_schema.knowledge import DocumentBody
from parley_schema.models import ChunkKind, DocumentSource, EmbeddingStatus, ProcessingStatus
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_embedder.chunks.repository import ClaimedChunk
from parley_embedder.chunks.service import MAX_ERROR_LENGTH, text_hash
from parley_embedder.documents.repository import (
    DocumentFacts,
    NewDocumentChunk,
    StoredDocumentChunk,
    document_repository,
)

log = structlog.get_logger(__name__)

KIND_OF_SOURCE = {
    DocumentSource.ARTICLE: ChunkKind.ARTICLE,
    DocumentSource.UPLOAD: ChunkKind.DOCUMENT,
}
EMPTY = "empty: the document has no text to search"


class DocumentSyncStatus(StrEnum):
    GONE = "gone"  # no row or archived: no chunks
    FAILED = "failed"  # unreadable or empty body: no chunks, the document failed
    CURRENT = "current"  # nothing to embed (all ready, reused, or another replica has them)
    TO_EMBED = "to_embed"


@dataclass(frozen=True)
class DocumentSync:
    status: DocumentSyncStatus
    claimed: list[ClaimedChunk] = field(default_factory=list)
    reused: int = 0
    version: int = 0
    content_sha256: str | None = None


class DocumentService:
    """Chunks with ``chunker`` and embeds with ``model``; a claim older than ``stuck_after``
    is taken over (its replica is presumed dead)."""

    def __init__(self, *, chunker: DocumentChunker, model: str, stuck_after: timedelta) -> None:
        self._chunker = chunker
        self._model = model
        self._stuck_after = stuck_after

    async def sync(
        self, session: AsyncSession, document_global_id: str, *, take_over: bool = False
    ) -> DocumentSync:
        """Converge the document's chunks to its row and claim those that need a vector;
        ``take_over`` (a redelivery) also claims chunks in ``processing``, however recent."""
        await document_repository.lock(session, document_global_id)
        document = await document_repository.get(session, document_global_id)
        if document is None or document.archived_at is not None:
            removed = await document_repository.delete_chunks(session, document_global_id)
            log.info("document_left_search", document_global_id=document_global_id, removed=removed)
            return DocumentSync(DocumentSyncStatus.GONE)
        wanted = self._wanted(document)
        if isinstance(wanted, str):
            await document_repository.delete_chunks(session, document_global_id)
            if not (wanted == EMPTY and document.processing_status == ProcessingStatus.FAILED):
                await document_repository.mark_failed(session, document_global_id, wanted)
            log.warning("document_failed", document_global_id=document_global_id, reason=wanted)
            return DocumentSync(DocumentSyncStatus.FAILED)
        stored = await document_repository.list_chunks(session, document_global_id)
        removed = await document_repository.delete_chunks(
            session, document_global_id, from_index=len(wanted)
        )
        kind = KIND_OF_SOURCE[DocumentSource(document.source)]
        changed = changed_chunks(wanted, stored, self._model)
        reused = await document_repository.upsert_chunks(
            session, document, kind, changed, self._model
        )
        await document_repository.copy_facts(session, document, kind)
        claimed = await document_repository.claim(
            session,
            document_global_id,
            stuck_after=timedelta(0) if take_over else self._stuck_after,
        )
        if not claimed:
            await self.finish(
                session, document_global_id, document.version, document.content_sha256
            )
        log.debug(
            "document_chunks_synced",
            document_global_id=document_global_id,
            chunks=len(wanted),
            changed=len(changed),
            removed=removed,
            reused=reused,
            claimed=len(claimed),
        )
        return DocumentSync(
            DocumentSyncStatus.TO_EMBED if claimed else DocumentSyncStatus.CURRENT,
            claimed,
            reused,
            document.version,
            document.content_sha256,
        )

    async def finish(
        self, session: AsyncSession, document_global_id: str, version: int, sha: str | None
    ) -> None:
        """``ready`` once every chunk of this version has its vector (else a no-op)."""
        if await document_repository.mark_ready(session, document_global_id, version, sha):
            log.info("document_ready", document_global_id=document_global_id, version=version)

    async def record_failure(
        self, session: AsyncSession, document_global_id: str, error: str
    ) -> None:
        await document_repository.mark_failed(session, document_global_id, error[:MAX_ERROR_LENGTH])

    def _wanted(self, document: DocumentFacts) -> list[NewDocumentChunk] | str:
        """The chunks the document's body makes, or why it makes none."""
        try:
            body = DocumentBody.model_validate(document.body)
        except ValidationError as error:
            return f"invalid body: {error.error_count()} errors against DocumentBody"
        chunks = self._chunker.split(document.title, body)
        if not chunks:
            return EMPTY
        return [
            NewDocumentChunk(
                chunk.index,
                chunk.text,
                text_hash(chunk.text),
                chunk.tokens,
                chunk.heading_path,
                chunk.page,
            )
            for chunk in chunks
        ]


def changed_chunks(
    wanted: list[NewDocumentChunk], stored: list[StoredDocumentChunk], model: str
) -> list[NewDocumentChunk]:
    """Chunks whose text or page differs from the stored one, or whose vector is another
    model's."""
    by_index = {chunk.chunk_index: chunk for chunk in stored}
    changed = []
    for chunk in wanted:
        old = by_index.get(chunk.chunk_index)
        if (
            old is None
            or old.text_hash != chunk.text_hash
            or old.page_number != chunk.page_number
            or (old.status == EmbeddingStatus.READY and model not in (old.model, old.model_2))
        ):
            changed.append(chunk)
    return changed
