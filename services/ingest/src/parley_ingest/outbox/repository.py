"""SQL for event_outbox: append, claim unpublished rows, record the outcome, purge old ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from parley_schema.events import EventEnvelope
from parley_schema.models import EventOutbox
from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

# Channel the relay LISTENs on (the backfill and other processes NOTIFY it); NOTIFY is
# delivered at commit, so a wake-up always finds rows.
OUTBOX_CHANNEL = "parley_outbox"
LAST_ERROR_MAX_CHARS = 500


@dataclass(frozen=True)
class PendingEvent:
    id: int
    event_id: UUID
    routing_key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Backlog:
    count: int
    oldest_created_at: datetime | None


class OutboxRepository:
    async def append(self, session: AsyncSession, envelopes: Sequence[EventEnvelope]) -> None:
        if envelopes:
            await session.execute(
                insert(EventOutbox),
                [
                    {
                        "event_id": envelope.event_id,
                        "routing_key": envelope.type,
                        "payload": envelope.model_dump(mode="json"),
                    }
                    for envelope in envelopes
                ],
            )

    async def notify_relays(self, session: AsyncSession) -> None:
        """Wake every relay (any process) when this transaction commits.

        Not for the webhook path: committing a transaction that notified takes a global lock
        until its WAL is flushed, which would serialize every webhook's commit; webhooks wake
        their own process's relay in-process instead.
        """
        await session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))

    async def claim(self, session: AsyncSession, limit: int) -> list[PendingEvent]:
        """The oldest unpublished rows no other relay holds, locked until commit."""
        query = (
            select(
                EventOutbox.id,
                EventOutbox.event_id,
                EventOutbox.routing_key,
                EventOutbox.payload,
                EventOutbox.attempts,
            )
            .where(EventOutbox.published_at.is_(None))
            .order_by(EventOutbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [PendingEvent(*row) for row in (await session.execute(query)).all()]

    async def mark_published(
        self, session: AsyncSession, ids: Sequence[int], *, note: str | None = None
    ) -> None:
        if ids:
            await session.execute(
                update(EventOutbox)
                .where(EventOutbox.id.in_(ids))
                .values(
                    published_at=func.now(),
                    attempts=EventOutbox.attempts + 1,
                    last_error=note,
                )
            )

    async def mark_failed(self, session: AsyncSession, ids: Sequence[int], error: str) -> None:
        if ids:
            await session.execute(
                update(EventOutbox)
                .where(EventOutbox.id.in_(ids))
                .values(
                    attempts=EventOutbox.attempts + 1,
                    last_error=error[:LAST_ERROR_MAX_CHARS],
                )
            )

    async def delete_published(self, session: AsyncSession, *, older_than: timedelta) -> int:
        """Delete rows published more than ``older_than`` ago; how many."""
        result = await session.execute(
            delete(EventOutbox).where(
                EventOutbox.published_at.is_not(None),
                EventOutbox.published_at < func.now() - literal(older_than),
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def backlog(self, session: AsyncSession) -> Backlog:
        query = select(func.count(), func.min(EventOutbox.created_at)).where(
            EventOutbox.published_at.is_(None)
        )
        count, oldest = (await session.execute(query)).one()
        return Backlog(count=count, oldest_created_at=oldest)


outbox_repository = OutboxRepository()
