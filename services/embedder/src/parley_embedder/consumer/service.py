"""What one message or document event does, from raw body to an ack-or-dead-letter decision.

Both ``message.upserted.v1`` and ``message.deleted.v1`` mean "this message changed": the
chunks are converged to the current row (see ``chunks.service``); likewise
``document.upserted.v1`` and ``document.deleted.v1`` for a knowledge document and its
``kb_documents`` row (see ``documents.service``). The steps are two short
transactions around the model call, so no database connection is held while embedding:

1. lock the message, sync chunks, reuse known vectors, claim the rest → commit (the sync
   batcher does this for all messages in flight in one transaction);
2. embed the claimed texts through the shared embed batcher;
3. the batcher stores the whole batch's vectors → commit (or the pipeline records the
   failure → commit); only then does the caller ack.

Decisions: a body that is not a valid envelope/payload, or an event whose message row does
not exist, is poison and goes to the DLQ (with the transactional outbox an event without
its row violates the contract; ``parley embedder dlq replay`` brings it back once fixed).
Other event types are acknowledged and logged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import structlog
from parley_embeddings.errors import EmbeddingError
from parley_schema.events import (
    DOCUMENT_DELETED_V1,
    DOCUMENT_UPSERTED_V1,
    MESSAGE_DELETED_V1,
    MESSAGE_UPSERTED_V1,
    DocumentDeletedV1,
    DocumentUpsertedV1,
    EventEnvelope,
    EventPayload,
    MessageDeletedV1,
    MessageUpsertedV1,
)
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_embedder import metrics
from parley_embedder.batching.batcher import EmbedBatcher
from parley_embedder.batching.sync import SyncBatcher
from parley_embedder.chunks.repository import ClaimedChunk
from parley_embedder.chunks.service import ChunkService, SyncRequest, SyncStatus
from parley_embedder.documents.service import DocumentService, DocumentSyncStatus
from parley_embedder.models.vectors import ModelVectors

log = structlog.get_logger(__name__)

PAYLOADS: dict[str, type[EventPayload]] = {
    MESSAGE_UPSERTED_V1: MessageUpsertedV1,
    MESSAGE_DELETED_V1: MessageDeletedV1,
    DOCUMENT_UPSERTED_V1: DocumentUpsertedV1,
    DOCUMENT_DELETED_V1: DocumentDeletedV1,
}


class Outcome(StrEnum):
    ACK = "ack"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True, kw_only=True)
class VectorWriter:
    """Stores a whole batch's vectors in one transaction (the batcher's ``store``)."""

    sessions: async_sessionmaker[AsyncSession]
    chunks: ChunkService

    async def store(self, claimed: list[ClaimedChunk], embedded: list[ModelVectors]) -> None:
        async with self.sessions() as session, session.begin():
            await self.chunks.store_vectors(session, claimed, embedded)


@dataclass(frozen=True, kw_only=True)
class EmbedPipeline:
    sessions: async_sessionmaker[AsyncSession]
    chunks: ChunkService
    syncer: SyncBatcher
    batcher: EmbedBatcher
    documents: DocumentService
    # A document's claimed chunks join the embed batcher in slices of this many, so a long
    # document shares the model with the messages arriving meanwhile.
    document_slice: int

    async def handle(self, body: bytes, *, redelivered: bool = False) -> Outcome:
        """Settle one event body; ``redelivered`` is the broker's flag (see ``sync_message``)."""
        try:
            envelope = EventEnvelope.model_validate_json(body)
        except ValidationError as error:
            log.warning("event_unreadable", errors=error.error_count())
            return Outcome.DEAD_LETTER
        payload_type = PAYLOADS.get(envelope.type)
        if payload_type is None:
            log.info("event_ignored", event_type=envelope.type, event_id=str(envelope.event_id))
            return Outcome.ACK
        try:
            payload = payload_type.model_validate(envelope.data)
        except ValidationError as error:
            log.warning(
                "event_payload_invalid", event_type=envelope.type, errors=error.error_count()
            )
            return Outcome.DEAD_LETTER
        metrics.EVENT_LAG.observe(
            max(0.0, (datetime.now(UTC) - envelope.occurred_at).total_seconds())
        )
        if isinstance(payload, DocumentUpsertedV1 | DocumentDeletedV1):
            return await self.sync_document(payload.document_global_id, redelivered=redelivered)
        assert isinstance(payload, MessageUpsertedV1 | MessageDeletedV1)
        return await self.sync_message(payload.message_global_id, redelivered=redelivered)

    async def sync_message(self, message_global_id: str, *, redelivered: bool = False) -> Outcome:
        """Converge, embed and store one message's chunks.

        A redelivered event may find its chunks still ``processing``: the delivery that
        claimed them failed before storing (database restart, broker connection lost) and
        was returned to the queue. It takes them over at once instead of leaving them to
        the sweeper's ``stuck_after``; at worst a chunk is embedded twice, never stored twice.
        """
        result = await self.syncer.sync(SyncRequest(message_global_id, take_over=redelivered))
        metrics.CHUNKS_REUSED.inc(result.reused)
        if result.status is SyncStatus.MISSING:  # removed by ingest; its chunks went too
            log.info("message_row_missing", message_global_id=message_global_id)
            return Outcome.ACK
        if result.status is not SyncStatus.TO_EMBED:
            return Outcome.ACK
        claimed = result.claimed
        try:
            await self.batcher.embed_and_store(claimed)
        except EmbeddingError as error:
            async with self.sessions() as session, session.begin():
                await self.chunks.store_failure(session, claimed, f"{error.code}: {error.message}")
            log.warning(
                "embedding_failed",
                message_global_id=message_global_id,
                chunks=len(claimed),
                error_code=error.code,
            )
            return Outcome.DEAD_LETTER
        return Outcome.ACK

    async def sync_document(self, document_global_id: str, *, redelivered: bool = False) -> Outcome:
        """Converge, embed and store one knowledge document's chunks, then mark it ready.

        A document whose body cannot be chunked is ``failed`` and its event acknowledged (a
        redelivery would read the same row); a model failure fails the claimed chunks and the
        document, and dead-letters the event, as for a message.
        """
        async with self.sessions() as session, session.begin():
            result = await self.documents.sync(session, document_global_id, take_over=redelivered)
        metrics.CHUNKS_REUSED.inc(result.reused)
        if result.status is not DocumentSyncStatus.TO_EMBED:
            return Outcome.ACK
        claimed = result.claimed
        slices = [
            claimed[start : start + self.document_slice]
            for start in range(0, len(claimed), self.document_slice)
        ]
        try:
            await asyncio.gather(*(self.batcher.embed_and_store(part) for part in slices))
        except EmbeddingError as error:
            reason = f"{error.code}: {error.message}"
            async with self.sessions() as session, session.begin():
                await self.chunks.store_failure(session, claimed, reason)
                await self.documents.record_failure(session, document_global_id, reason)
            log.warning(
                "document_embedding_failed",
                document_global_id=document_global_id,
                chunks=len(claimed),
                error_code=error.code,
            )
            return Outcome.DEAD_LETTER
        async with self.sessions() as session, session.begin():
            await self.documents.finish(
                session, document_global_id, result.version, result.content_sha256
            )
        return Outcome.ACK
