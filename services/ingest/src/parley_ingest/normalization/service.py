"""Apply a batch of rows with the versioning rule and write one outbox event per changed row.

Rows are written in a fixed lock order (contacts, conversations, messages; by id within a
table) so concurrent deliveries touching the same objects cannot deadlock. The events are
appended to ``event_outbox`` in the caller's transaction: they leave the process only if the
rows they describe are committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from parley_schema.events import (
    ContactUpsertedV1,
    ConversationUpsertedV1,
    EventEnvelope,
    EventPayload,
    MessageDeletedV1,
    MessageUpsertedV1,
)
from parley_schema.models import CwContact, CwConversation, CwMessage
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.deletions.repository import deletion_repository
from parley_ingest.erasure.quarantine import admit
from parley_ingest.normalization.repository import (
    CwModel,
    Row,
    chatwoot_row_repository,
)
from parley_ingest.normalization.rows import ContactRow, ConversationRow, MessageRow, RowBatch
from parley_ingest.normalization.versioning import Decision, VersionedState, decide
from parley_ingest.outbox.repository import outbox_repository

RowT = TypeVar("RowT", ContactRow, ConversationRow, MessageRow)


def _state(row: Row) -> VersionedState:
    return VersionedState(
        version=row.version, data=row.data, deleted=isinstance(row, MessageRow) and row.deleted
    )


def newest_per_id(rows: Sequence[RowT]) -> list[RowT]:
    """One row per id: the one the versioning rule keeps."""
    kept: dict[str, RowT] = {}
    for row in rows:
        current = kept.get(row.id)
        if current is None or decide(_state(row), _state(current)) is not Decision.KEEP:
            kept[row.id] = row
    return [kept[row_id] for row_id in sorted(kept)]


def event_for(row: Row) -> EventPayload:
    if isinstance(row, ContactRow):
        return ContactUpsertedV1(contact_global_id=row.id, updated_at=row.version)
    if isinstance(row, ConversationRow):
        return ConversationUpsertedV1(conversation_global_id=row.id, updated_at=row.version)
    if row.deleted:
        return MessageDeletedV1(
            message_global_id=row.id,
            conversation_global_id=row.conversation_global_id,
            updated_at=row.version,
        )
    return MessageUpsertedV1(
        message_global_id=row.id,
        conversation_global_id=row.conversation_global_id,
        updated_at=row.version,
        content_sha256=row.content_sha256,
    )


class IngestionService:
    async def apply(
        self, session: AsyncSession, batch: RowBatch, *, correlation_id: str | None
    ) -> list[EventEnvelope]:
        """Store the batch; return the events written to the outbox (one per changed row).

        Rows naming an erased contact in quarantine are dropped first. A message that became
        deleted loses its chunks and vectors here, in the same transaction (the embedder,
        told by ``message.deleted.v1``, converges to the same state).
        """
        batch = await admit(session, batch)
        changed: list[Row] = []
        changed += await self._apply_rows(session, CwContact, newest_per_id(batch.contacts))
        changed += await self._apply_rows(
            session, CwConversation, newest_per_id(batch.conversations)
        )
        messages = await self._apply_rows(session, CwMessage, newest_per_id(batch.messages))
        await deletion_repository.delete_chunks_of_messages(
            session, [row.id for row in messages if isinstance(row, MessageRow) and row.deleted]
        )
        changed += messages
        envelopes = [
            EventEnvelope.wrap(
                event_for(row),
                account_id=row.account_id,
                occurred_at=row.version,
                correlation_id=correlation_id,
            )
            for row in changed
        ]
        await outbox_repository.append(session, envelopes)
        return envelopes

    async def _apply_rows(
        self, session: AsyncSession, model: CwModel, rows: Sequence[Row]
    ) -> list[Row]:
        if not rows:
            return []
        found = await chatwoot_row_repository.insert_or_lock(session, model, rows)
        inserted, stored = found.inserted, found.stored
        raced = [row.id for row in rows if row.id not in inserted and row.id not in stored]
        if raced:  # another transaction inserted them meanwhile: compare with its state
            stored |= await chatwoot_row_repository.lock(session, model, raced)
        decisions = {
            row.id: decide(_state(row), stored[row.id]) for row in rows if row.id not in inserted
        }
        replaced = [row for row in rows if decisions.get(row.id) is Decision.REPLACE]
        refreshed = [row for row in rows if decisions.get(row.id) is Decision.REFRESH]
        await chatwoot_row_repository.replace(session, model, replaced)
        await chatwoot_row_repository.refresh_versions(session, model, refreshed)
        return [row for row in rows if row.id in inserted] + replaced


ingestion_service = IngestionService()
