"""What ingest refuses to store: rows naming an erased contact or conversation in quarantine.

Every write of Chatwoot rows (webhooks and backfill, through
:meth:`parley_ingest.normalization.service.IngestionService.apply`) passes here first. It
shares the advisory lock of every contact the batch names, so an erasure in progress finishes
first and its quarantine is then seen (READ COMMITTED: the check is a later statement).
"""

from __future__ import annotations

import dataclasses

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest import metrics
from parley_ingest.erasure.repository import erasure_repository
from parley_ingest.normalization.rows import RowBatch

log = structlog.get_logger(__name__)


async def admit(session: AsyncSession, batch: RowBatch) -> RowBatch:
    """The batch without the rows that name a quarantined id (each refusal is counted)."""
    contacts = {row.id for row in batch.contacts}
    contacts |= {row.contact_global_id for row in batch.conversations if row.contact_global_id}
    contacts |= {row.contact_global_id for row in batch.messages if row.contact_global_id}
    await erasure_repository.lock_contacts(session, sorted(contacts), exclusive=False)
    conversations = {row.id for row in batch.conversations}
    conversations |= {row.conversation_global_id for row in batch.messages}
    refused = await erasure_repository.quarantined(session, sorted(contacts | conversations))
    if not refused:
        return batch
    kept = dataclasses.replace(
        batch,
        contacts=[row for row in batch.contacts if row.id not in refused],
        conversations=[
            row
            for row in batch.conversations
            if row.id not in refused and row.contact_global_id not in refused
        ],
        messages=[
            row
            for row in batch.messages
            if row.conversation_global_id not in refused and row.contact_global_id not in refused
        ],
        labels_stale=[contact for contact in batch.labels_stale if contact not in refused],
    )
    for kind, before, after in (
        ("contact", batch.contacts, kept.contacts),
        ("conversation", batch.conversations, kept.conversations),
        ("message", batch.messages, kept.messages),
    ):
        if len(before) > len(after):
            metrics.QUARANTINE_REFUSED.labels(kind).inc(len(before) - len(after))
    log.info(
        "quarantined_rows_refused",
        contacts=len(batch.contacts) - len(kept.contacts),
        conversations=len(batch.conversations) - len(kept.conversations),
        messages=len(batch.messages) - len(kept.messages),
    )
    return kept
