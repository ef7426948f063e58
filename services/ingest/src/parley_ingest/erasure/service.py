"""Erase a contact: their row, conversations, messages, chunks with vectors and outbox events,
in one transaction, with an audit entry of ids and counts (``erasures``).

The contact and their conversations are then quarantined for
``PARLEY_ERASURE_QUARANTINE_DAYS``: ingest stores nothing that names them (webhooks are still
answered 2xx, so Chatwoot does not retry; backfill skips them), so replaying an old delivery
or backfilling does not bring the person back. The erasure holds the contact's advisory lock
exclusively; writes of rows naming the contact share it (:mod:`parley_ingest.erasure.quarantine`).
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from parley_schema.models import Erasure
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest import metrics
from parley_ingest.deletions.repository import Removed, deletion_repository
from parley_ingest.erasure.errors import ContactNotFound
from parley_ingest.erasure.repository import erasure_repository
from parley_ingest.erasure.schemas import ErasureCounts, ErasureRead
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)


def erasure_read(erasure: Erasure) -> ErasureRead:
    return ErasureRead(
        id=erasure.id,
        global_id=erasure.global_id,
        erased_at=erasure.erased_at,
        erased_by=erasure.erased_by,
        counts=ErasureCounts.model_validate(erasure.counts),
        quarantined_until=erasure.quarantined_until,
    )


class ErasureService:
    def __init__(self, *, settings: IngestSettings) -> None:
        self._quarantine = timedelta(days=settings.erasure_quarantine_days)

    async def erase_contact(
        self, session: AsyncSession, contact_id: str, *, erased_by: str
    ) -> ErasureRead:
        """``contact_id`` is a valid ``cwc:`` id (the caller validated it)."""
        await erasure_repository.lock_contacts(session, [contact_id], exclusive=True)
        if not await deletion_repository.contact_exists(session, contact_id):
            raise ContactNotFound("no contact with this id", field="global_id")
        conversations = await deletion_repository.conversations_of_contact(session, contact_id)
        removed = Removed()
        removed.add(
            await deletion_repository.delete_conversations(
                session, conversations, contact_ids=[contact_id]
            )
        )
        removed.add(await deletion_repository.delete_contacts(session, [contact_id]))
        now = await session.scalar(select(func.now()))
        assert now is not None
        until = now + self._quarantine
        erasure = await erasure_repository.record(
            session,
            global_id=contact_id,
            erased_by=erased_by,
            counts=removed.as_dict(),
            quarantined_until=until,
        )
        await erasure_repository.quarantine(
            session, erasure.id, [contact_id, *conversations], until
        )
        metrics.ERASURES.inc()
        log.info("contact_erased", erasure_id=erasure.id, erased_by=erased_by, **removed.as_dict())
        return erasure_read(erasure)
