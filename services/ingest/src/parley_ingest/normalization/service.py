"""Apply a batch of rows with the versioning rule and write one outbox event per changed row.

Every row is redacted first (:mod:`parley_schema.redaction`): the text a
message is searched and embedded by, and the raw objects kept in ``data``, never hold what a
configured redactor finds. Rows are written in a fixed lock order (contacts, conversations, messages; by id within a
table) so concurrent deliveries touching the same objects cannot deadlock. The events are
appended to ``event_outbox`` in the caller's transaction: they leave the process only if the
rows they describe are committed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
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
from parley_schema.redaction import Redactor
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.deletions.repository import deletion_repository
from parley_ingest.erasure.quarantine import admit
from parley_ingest.normalization.repository import (
    CwModel,
    Row,
    chatwoot_row_repository,
)
from parley_ingest.normalization.rows import (
    ContactRow,
    ConversationRow,
    MessageRow,
    RowBatch,
    conversation_activity,
)
from parley_ingest.normalization.versioning import Decision, VersionedState, decide
from parley_ingest.outbox.repository import outbox_repository
from parley_ingest.settings import IngestSettings

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


def redacted(batch: RowBatch, redactor: Redactor) -> RowBatch:
    """The batch with every free-text column and every string in ``data`` redacted."""
    return dataclasses.replace(
        batch,
        contacts=[
            dataclasses.replace(
                row,
                name=redactor.optional_text(row.name),
                email=redactor.optional_text(row.email),
                phone_number=redactor.optional_text(row.phone_number),
                identifier=redactor.optional_text(row.identifier),
                custom_attributes=redactor.json(row.custom_attributes),
                data=redactor.json(row.data),
            )
            for row in batch.contacts
        ],
        conversations=[
            dataclasses.replace(row, data=redactor.json(row.data)) for row in batch.conversations
        ],
        messages=[
            dataclasses.replace(
                row, content=redactor.optional_text(row.content), data=redactor.json(row.data)
            )
            for row in batch.messages
        ],
    )


def _latest_activity(conversations: Sequence[ConversationRow]) -> dict[str, datetime]:
    """Each contact's latest conversation activity among ``conversations``, by contact id."""
    latest: dict[str, datetime] = {}
    for row in conversations:
        at = conversation_activity(row)
        contact = row.contact_global_id
        if (
            contact is not None
            and at is not None
            and (contact not in latest or latest[contact] < at)
        ):
            latest[contact] = at
    return dict(sorted(latest.items()))


class IngestionService:
    """Stores what webhooks and the backfill read, through the configured redactors."""

    def __init__(self, *, redactor: Redactor) -> None:
        self._redactor = redactor

    async def apply(
        self, session: AsyncSession, batch: RowBatch, *, correlation_id: str | None
    ) -> list[EventEnvelope]:
        """Redact and store the batch; return the events written to the outbox (one per
        changed row).

        Rows naming an erased contact in quarantine are dropped first. A message that became
        deleted loses its chunks and vectors here, in the same transaction (the embedder,
        told by ``message.deleted.v1``, converges to the same state).
        """
        batch = await admit(session, redacted(batch, self._redactor))
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
        # Only contacts of this batch, already locked above: the lock order holds.
        await chatwoot_row_repository.mark_labels_stale(
            session, [row.id for row in batch.contacts], named=batch.labels_stale
        )
        await chatwoot_row_repository.touch_contact_activity(
            session, _latest_activity(batch.conversations)
        )
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


def build_ingestion(settings: IngestSettings) -> IngestionService:
    """The ingestion with the configured redactors (the app and ``parley backfill``)."""
    return IngestionService(
        redactor=Redactor(settings.redact, phone_region=settings.redact_phone_region)
    )
